/* Text helpers shared by both programs: UTF-8 validation, terminal-safe
 * sanitizing, NFC composition of decomposed Latin accents, and the
 * accent-insensitive folding used by search and the routing classifier.
 * Pure functions: no I/O, no locale dependence. */
#ifndef GUICHET_CORE_TEXT_H
#define GUICHET_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF).  NUL bytes are valid UTF-8 but see text_is_clean. */
bool text_utf8_valid(const char *s, size_t len);

/* Decode one code point at s[0..len).  Returns the number of bytes used
 * (1..4) and stores the code point in *cp; on malformed input returns 1 and
 * stores U+FFFD.  len must be > 0. */
size_t text_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out (at least 4 bytes); returns the byte count (1..4). */
size_t text_utf8_encode(uint32_t cp, char *out);

/* Flags for text_sanitize. */
enum {
	TEXT_KEEP_NEWLINES = 1 << 0, /* keep '\n' (multi-line notes); else -> ' ' */
	TEXT_KEEP_TABS     = 1 << 1, /* keep '\t'; else -> ' ' */
};

/* Make untrusted text safe to draw on a terminal.  Every C0 control (except
 * those kept by flags), DEL, every C1 control (U+0080..U+009F), ESC, the
 * bidirectional controls (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069) and malformed UTF-8 become U+FFFD, except '\r' which is
 * dropped and '\t'/'\n' which become ' ' unless kept.  Also NFC-composes
 * decomposed Latin accents (see text_nfc).  Returns a newly malloc'd
 * NUL-terminated string the caller frees, or NULL when out of memory. */
char *text_sanitize(const char *s, size_t len, unsigned flags);

/* True when s[0..len) is valid UTF-8 and text_sanitize would leave it
 * unchanged with the given flags (and it holds no NUL byte). */
bool text_is_clean(const char *s, size_t len, unsigned flags);

/* Compose base letter + combining mark (U+0300..U+0328 range used by French
 * and other Latin languages: grave, acute, circumflex, tilde, diaeresis,
 * cedilla, ring, caron, ogonek) into the precomposed code point.  Returns a
 * malloc'd string (caller frees) or NULL when out of memory. */
char *text_nfc(const char *s, size_t len);

/* Accent-insensitive, case-insensitive key for search and classification:
 * lowercase, accents stripped (é -> e, ç -> c), ligatures expanded
 * (œ -> oe, æ -> ae, ß -> ss), apostrophes ’ and ' become ' ', other
 * punctuation kept.  Decomposed accents are handled too.  Returns a malloc'd
 * string (caller frees) or NULL when out of memory. */
char *text_fold(const char *s, size_t len);

/* Display width in terminal columns of one code point (wcwidth-like, locale
 * independent): 0 for combining marks and zero-width characters, 2 for East
 * Asian wide/fullwidth and emoji, 1 otherwise; -1 for controls. */
int text_cp_width(uint32_t cp);

/* Display width of a UTF-8 string (controls count as 1: callers sanitize
 * first). */
size_t text_width(const char *s, size_t len);

/* Length in bytes of the longest prefix of s[0..len) that fits in `cols`
 * columns without splitting a character (a wide character that would cross
 * the limit is left out).  *used receives the columns taken (may be NULL). */
size_t text_fit(const char *s, size_t len, size_t cols, size_t *used);

#endif
