/* Splitting one command line into words.  Every way of giving guichet a
 * command goes through here: a bound key, the `:` prompt, guichetrc,
 * keymap and theme files, headless scripts.  The rules are those of tmux
 * and the shell, without any expansion:
 *
 *   - words are separated by spaces and tabs;
 *   - `#` where a word would start (outside quotes) begins a comment that
 *     runs to the end of the line: `a #b` is one word, `a#b` is one word;
 *   - "double quotes" group a word and know five escapes: \" \\ \n \t and
 *     \u{XXXX} (one to six hex digits, a Unicode scalar value, not 0); a
 *     backslash before anything else is kept, so "C:\dossiers" reads as
 *     written;
 *   - 'single quotes' take everything up to the next ' literally;
 *   - outside quotes a backslash takes the next character literally
 *     (`a\ b` is one word); a backslash ending the line stands for itself;
 *   - quoted and unquoted parts next to each other make one word
 *     (`a"b c"d` is `ab cd`); "" and '' are empty words;
 *   - one trailing LF, then one trailing CR, are ignored (fgets lines,
 *     files written with CRLF); other bytes, accents included, pass
 *     through unchanged: no variables, no ~, no globbing.
 *
 * The line must be valid UTF-8 without NUL bytes and at most
 * CMDLINE_MAX_LEN bytes (after the line end is dropped); at most
 * CMDLINE_MAX_ARGS words.  Nothing is allocated: the words live in the
 * struct, and since every escape is shorter than what it stands for a
 * line within the limit always fits. */
#ifndef GUICHET_CLIENT_CMDLINE_H
#define GUICHET_CLIENT_CMDLINE_H

#include <stddef.h>

#define CMDLINE_MAX_ARGS 32
#define CMDLINE_MAX_LEN  4096

struct cmdline {
	int argc;
	char *argv[CMDLINE_MAX_ARGS + 1];   /* argv[argc] == NULL; each points into buf */
	char buf[CMDLINE_MAX_LEN + CMDLINE_MAX_ARGS + 1];
};

/* Split line[0..len) (need not be NUL-terminated) into out.  Returns 0 --
 * argc is 0 for a blank or comment line -- or -1 with argc 0 and a short
 * English message in err (truncated to errlen; err may be NULL): an
 * unterminated quote, a bad \u{} escape, a line too long, too many words,
 * a NUL byte, invalid UTF-8.  The words are owned by *out and valid until
 * it is reused or freed; line is not kept. */
int cmdline_split(const char *line, size_t len, struct cmdline *out, char *err, size_t errlen);

/* Write word (NUL-terminated, valid UTF-8) into out so that cmdline_split
 * gives it back unchanged: as it is when nothing in it is special, else in
 * double quotes, else in single quotes, else in double quotes with
 * escapes.  Control characters are always escaped, so the result is one
 * printable line (history files, the help screen, `bind` listings).
 * Returns the bytes written without the NUL, or -1 (out too small, or
 * word not valid UTF-8) with out set to "" when outlen > 0.  A long word
 * full of control characters can quote to more than CMDLINE_MAX_LEN. */
int cmdline_quote(const char *word, char *out, size_t outlen);

#endif
