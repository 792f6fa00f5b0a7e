/* Text helpers for guichet and guichetd: strict UTF-8 decoding, making
 * untrusted text (citizens' names, chat messages, notes, e-mail subjects)
 * safe to draw on an agent's terminal, composing decomposed Latin accents,
 * the accent- and case-insensitive search key, and terminal column widths.
 *
 * Everything here is a pure function of its arguments: no I/O, no locale
 * (setlocale/wcwidth would make the server and each agent's desk disagree
 * about the same bytes), no global state, so it is safe from any thread.
 * The only resource used is malloc; out of memory is reported with NULL. */
#include "core/text.h"

#include <stdlib.h>
#include <string.h>

#define REPLACEMENT_CHAR 0xFFFDu

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */
/* ------------------------------------------------------------------ */

/* Strict decoder (Unicode table 3-7): returns the sequence length, or 0
 * when the bytes at p are not a well-formed sequence.  Overlongs,
 * surrogates and values above U+10FFFF are rejected by narrowing the range
 * allowed for the second byte, so they never reach the caller. */
static size_t decode(const unsigned char *p, size_t len, uint32_t *cp)
{
	unsigned char b = p[0], lo = 0x80, hi = 0xBF;
	size_t n;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b < 0xC2) /* continuation byte, or C0/C1: always overlong */
		return 0;
	if (b < 0xE0) {
		n = 2;
		c = b & 0x1Fu;
	} else if (b < 0xF0) {
		n = 3;
		c = b & 0x0Fu;
		if (b == 0xE0)
			lo = 0xA0; /* below is overlong */
		else if (b == 0xED)
			hi = 0x9F; /* above is a surrogate */
	} else if (b < 0xF5) {
		n = 4;
		c = b & 0x07u;
		if (b == 0xF0)
			lo = 0x90; /* below is overlong */
		else if (b == 0xF4)
			hi = 0x8F; /* above is beyond U+10FFFF */
	} else {
		return 0;
	}
	if (len < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3Fu);
	}
	*cp = c;
	return n;
}

/* Decode for the loops below: malformed input reads as one U+FFFD byte,
 * so every loop advances and never splits a well-formed sequence. */
static size_t next_cp(const char *s, size_t len, size_t i, uint32_t *cp)
{
	size_t n = decode((const unsigned char *)s + i, len - i, cp);
	if (n == 0) {
		*cp = REPLACEMENT_CHAR;
		n = 1;
	}
	return n;
}

bool text_utf8_valid(const char *s, size_t len)
{
	uint32_t cp;
	for (size_t i = 0; i < len;) {
		size_t n = decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

size_t text_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	if (len == 0) { /* contract violation: nothing to read, nothing used */
		*cp = REPLACEMENT_CHAR;
		return 0;
	}
	return next_cp(s, len, 0, cp);
}

/* Code points that cannot be encoded (surrogates, > U+10FFFF) are written
 * as U+FFFD so this function can never produce malformed UTF-8. */
size_t text_utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = REPLACEMENT_CHAR;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* ------------------------------------------------------------------ */
/* Canonical compositions of Latin letters                             */
/* ------------------------------------------------------------------ */

/* Combining marks, stored as an offset from U+0300 (all the marks used by
 * Latin precomposed letters lie in U+0300..U+0328). */
enum {
	GRV = 0x00, /* grave */
	ACU = 0x01, /* acute */
	CIR = 0x02, /* circumflex */
	TIL = 0x03, /* tilde */
	MAC = 0x04, /* macron */
	BRV = 0x06, /* breve */
	DOT = 0x07, /* dot above */
	DIA = 0x08, /* diaeresis */
	HOK = 0x09, /* hook above (Vietnamese) */
	RNG = 0x0A, /* ring above */
	DAC = 0x0B, /* double acute */
	CAR = 0x0C, /* caron */
	DGR = 0x0F, /* double grave */
	IBR = 0x11, /* inverted breve */
	HRN = 0x1B, /* horn (Vietnamese) */
	DTB = 0x23, /* dot below */
	DIB = 0x24, /* diaeresis below */
	RGB = 0x25, /* ring below */
	CMB = 0x26, /* comma below */
	CED = 0x27, /* cedilla */
	OGO = 0x28, /* ogonek */
};
#define MARK_FIRST 0x0300u
#define MARK_LAST  0x0328u

struct composition {
	uint16_t cp;   /* precomposed letter */
	uint16_t base; /* letter it is built on (may itself be precomposed) */
	uint8_t mark;  /* combining mark, offset from U+0300 */
};

/* Every precomposed letter of Latin-1 Supplement, Latin Extended-A/-B and
 * Latin Extended Additional whose canonical decomposition is one base plus
 * one mark of U+0300..U+0328, sorted by cp (for decomposing in text_fold).
 * Letters like ǘ or ế decompose to another entry (ü, ê): chains are
 * followed by the users of this table. */
static const struct composition compositions[] = {
	{0x00C0, 'A', GRV}, {0x00C1, 'A', ACU}, {0x00C2, 'A', CIR}, {0x00C3, 'A', TIL},
	{0x00C4, 'A', DIA}, {0x00C5, 'A', RNG}, {0x00C7, 'C', CED}, {0x00C8, 'E', GRV},
	{0x00C9, 'E', ACU}, {0x00CA, 'E', CIR}, {0x00CB, 'E', DIA}, {0x00CC, 'I', GRV},
	{0x00CD, 'I', ACU}, {0x00CE, 'I', CIR}, {0x00CF, 'I', DIA}, {0x00D1, 'N', TIL},
	{0x00D2, 'O', GRV}, {0x00D3, 'O', ACU}, {0x00D4, 'O', CIR}, {0x00D5, 'O', TIL},
	{0x00D6, 'O', DIA}, {0x00D9, 'U', GRV}, {0x00DA, 'U', ACU}, {0x00DB, 'U', CIR},
	{0x00DC, 'U', DIA}, {0x00DD, 'Y', ACU}, {0x00E0, 'a', GRV}, {0x00E1, 'a', ACU},
	{0x00E2, 'a', CIR}, {0x00E3, 'a', TIL}, {0x00E4, 'a', DIA}, {0x00E5, 'a', RNG},
	{0x00E7, 'c', CED}, {0x00E8, 'e', GRV}, {0x00E9, 'e', ACU}, {0x00EA, 'e', CIR},
	{0x00EB, 'e', DIA}, {0x00EC, 'i', GRV}, {0x00ED, 'i', ACU}, {0x00EE, 'i', CIR},
	{0x00EF, 'i', DIA}, {0x00F1, 'n', TIL}, {0x00F2, 'o', GRV}, {0x00F3, 'o', ACU},
	{0x00F4, 'o', CIR}, {0x00F5, 'o', TIL}, {0x00F6, 'o', DIA}, {0x00F9, 'u', GRV},
	{0x00FA, 'u', ACU}, {0x00FB, 'u', CIR}, {0x00FC, 'u', DIA}, {0x00FD, 'y', ACU},
	{0x00FF, 'y', DIA}, {0x0100, 'A', MAC}, {0x0101, 'a', MAC}, {0x0102, 'A', BRV},
	{0x0103, 'a', BRV}, {0x0104, 'A', OGO}, {0x0105, 'a', OGO}, {0x0106, 'C', ACU},
	{0x0107, 'c', ACU}, {0x0108, 'C', CIR}, {0x0109, 'c', CIR}, {0x010A, 'C', DOT},
	{0x010B, 'c', DOT}, {0x010C, 'C', CAR}, {0x010D, 'c', CAR}, {0x010E, 'D', CAR},
	{0x010F, 'd', CAR}, {0x0112, 'E', MAC}, {0x0113, 'e', MAC}, {0x0114, 'E', BRV},
	{0x0115, 'e', BRV}, {0x0116, 'E', DOT}, {0x0117, 'e', DOT}, {0x0118, 'E', OGO},
	{0x0119, 'e', OGO}, {0x011A, 'E', CAR}, {0x011B, 'e', CAR}, {0x011C, 'G', CIR},
	{0x011D, 'g', CIR}, {0x011E, 'G', BRV}, {0x011F, 'g', BRV}, {0x0120, 'G', DOT},
	{0x0121, 'g', DOT}, {0x0122, 'G', CED}, {0x0123, 'g', CED}, {0x0124, 'H', CIR},
	{0x0125, 'h', CIR}, {0x0128, 'I', TIL}, {0x0129, 'i', TIL}, {0x012A, 'I', MAC},
	{0x012B, 'i', MAC}, {0x012C, 'I', BRV}, {0x012D, 'i', BRV}, {0x012E, 'I', OGO},
	{0x012F, 'i', OGO}, {0x0130, 'I', DOT}, {0x0134, 'J', CIR}, {0x0135, 'j', CIR},
	{0x0136, 'K', CED}, {0x0137, 'k', CED}, {0x0139, 'L', ACU}, {0x013A, 'l', ACU},
	{0x013B, 'L', CED}, {0x013C, 'l', CED}, {0x013D, 'L', CAR}, {0x013E, 'l', CAR},
	{0x0143, 'N', ACU}, {0x0144, 'n', ACU}, {0x0145, 'N', CED}, {0x0146, 'n', CED},
	{0x0147, 'N', CAR}, {0x0148, 'n', CAR}, {0x014C, 'O', MAC}, {0x014D, 'o', MAC},
	{0x014E, 'O', BRV}, {0x014F, 'o', BRV}, {0x0150, 'O', DAC}, {0x0151, 'o', DAC},
	{0x0154, 'R', ACU}, {0x0155, 'r', ACU}, {0x0156, 'R', CED}, {0x0157, 'r', CED},
	{0x0158, 'R', CAR}, {0x0159, 'r', CAR}, {0x015A, 'S', ACU}, {0x015B, 's', ACU},
	{0x015C, 'S', CIR}, {0x015D, 's', CIR}, {0x015E, 'S', CED}, {0x015F, 's', CED},
	{0x0160, 'S', CAR}, {0x0161, 's', CAR}, {0x0162, 'T', CED}, {0x0163, 't', CED},
	{0x0164, 'T', CAR}, {0x0165, 't', CAR}, {0x0168, 'U', TIL}, {0x0169, 'u', TIL},
	{0x016A, 'U', MAC}, {0x016B, 'u', MAC}, {0x016C, 'U', BRV}, {0x016D, 'u', BRV},
	{0x016E, 'U', RNG}, {0x016F, 'u', RNG}, {0x0170, 'U', DAC}, {0x0171, 'u', DAC},
	{0x0172, 'U', OGO}, {0x0173, 'u', OGO}, {0x0174, 'W', CIR}, {0x0175, 'w', CIR},
	{0x0176, 'Y', CIR}, {0x0177, 'y', CIR}, {0x0178, 'Y', DIA}, {0x0179, 'Z', ACU},
	{0x017A, 'z', ACU}, {0x017B, 'Z', DOT}, {0x017C, 'z', DOT}, {0x017D, 'Z', CAR},
	{0x017E, 'z', CAR}, {0x01A0, 'O', HRN}, {0x01A1, 'o', HRN}, {0x01AF, 'U', HRN},
	{0x01B0, 'u', HRN}, {0x01CD, 'A', CAR}, {0x01CE, 'a', CAR}, {0x01CF, 'I', CAR},
	{0x01D0, 'i', CAR}, {0x01D1, 'O', CAR}, {0x01D2, 'o', CAR}, {0x01D3, 'U', CAR},
	{0x01D4, 'u', CAR}, {0x01D5, 0x00DC, MAC}, {0x01D6, 0x00FC, MAC}, {0x01D7, 0x00DC, ACU},
	{0x01D8, 0x00FC, ACU}, {0x01D9, 0x00DC, CAR}, {0x01DA, 0x00FC, CAR}, {0x01DB, 0x00DC, GRV},
	{0x01DC, 0x00FC, GRV}, {0x01DE, 0x00C4, MAC}, {0x01DF, 0x00E4, MAC}, {0x01E0, 0x0226, MAC},
	{0x01E1, 0x0227, MAC}, {0x01E2, 0x00C6, MAC}, {0x01E3, 0x00E6, MAC}, {0x01E6, 'G', CAR},
	{0x01E7, 'g', CAR}, {0x01E8, 'K', CAR}, {0x01E9, 'k', CAR}, {0x01EA, 'O', OGO},
	{0x01EB, 'o', OGO}, {0x01EC, 0x01EA, MAC}, {0x01ED, 0x01EB, MAC}, {0x01EE, 0x01B7, CAR},
	{0x01EF, 0x0292, CAR}, {0x01F0, 'j', CAR}, {0x01F4, 'G', ACU}, {0x01F5, 'g', ACU},
	{0x01F8, 'N', GRV}, {0x01F9, 'n', GRV}, {0x01FA, 0x00C5, ACU}, {0x01FB, 0x00E5, ACU},
	{0x01FC, 0x00C6, ACU}, {0x01FD, 0x00E6, ACU}, {0x01FE, 0x00D8, ACU}, {0x01FF, 0x00F8, ACU},
	{0x0200, 'A', DGR}, {0x0201, 'a', DGR}, {0x0202, 'A', IBR}, {0x0203, 'a', IBR},
	{0x0204, 'E', DGR}, {0x0205, 'e', DGR}, {0x0206, 'E', IBR}, {0x0207, 'e', IBR},
	{0x0208, 'I', DGR}, {0x0209, 'i', DGR}, {0x020A, 'I', IBR}, {0x020B, 'i', IBR},
	{0x020C, 'O', DGR}, {0x020D, 'o', DGR}, {0x020E, 'O', IBR}, {0x020F, 'o', IBR},
	{0x0210, 'R', DGR}, {0x0211, 'r', DGR}, {0x0212, 'R', IBR}, {0x0213, 'r', IBR},
	{0x0214, 'U', DGR}, {0x0215, 'u', DGR}, {0x0216, 'U', IBR}, {0x0217, 'u', IBR},
	{0x0218, 'S', CMB}, {0x0219, 's', CMB}, {0x021A, 'T', CMB}, {0x021B, 't', CMB},
	{0x021E, 'H', CAR}, {0x021F, 'h', CAR}, {0x0226, 'A', DOT}, {0x0227, 'a', DOT},
	{0x0228, 'E', CED}, {0x0229, 'e', CED}, {0x022A, 0x00D6, MAC}, {0x022B, 0x00F6, MAC},
	{0x022C, 0x00D5, MAC}, {0x022D, 0x00F5, MAC}, {0x022E, 'O', DOT}, {0x022F, 'o', DOT},
	{0x0230, 0x022E, MAC}, {0x0231, 0x022F, MAC}, {0x0232, 'Y', MAC}, {0x0233, 'y', MAC},
	{0x1E00, 'A', RGB}, {0x1E01, 'a', RGB}, {0x1E02, 'B', DOT}, {0x1E03, 'b', DOT},
	{0x1E04, 'B', DTB}, {0x1E05, 'b', DTB}, {0x1E08, 0x00C7, ACU}, {0x1E09, 0x00E7, ACU},
	{0x1E0A, 'D', DOT}, {0x1E0B, 'd', DOT}, {0x1E0C, 'D', DTB}, {0x1E0D, 'd', DTB},
	{0x1E10, 'D', CED}, {0x1E11, 'd', CED}, {0x1E14, 0x0112, GRV}, {0x1E15, 0x0113, GRV},
	{0x1E16, 0x0112, ACU}, {0x1E17, 0x0113, ACU}, {0x1E1C, 0x0228, BRV}, {0x1E1D, 0x0229, BRV},
	{0x1E1E, 'F', DOT}, {0x1E1F, 'f', DOT}, {0x1E20, 'G', MAC}, {0x1E21, 'g', MAC},
	{0x1E22, 'H', DOT}, {0x1E23, 'h', DOT}, {0x1E24, 'H', DTB}, {0x1E25, 'h', DTB},
	{0x1E26, 'H', DIA}, {0x1E27, 'h', DIA}, {0x1E28, 'H', CED}, {0x1E29, 'h', CED},
	{0x1E2E, 0x00CF, ACU}, {0x1E2F, 0x00EF, ACU}, {0x1E30, 'K', ACU}, {0x1E31, 'k', ACU},
	{0x1E32, 'K', DTB}, {0x1E33, 'k', DTB}, {0x1E36, 'L', DTB}, {0x1E37, 'l', DTB},
	{0x1E38, 0x1E36, MAC}, {0x1E39, 0x1E37, MAC}, {0x1E3E, 'M', ACU}, {0x1E3F, 'm', ACU},
	{0x1E40, 'M', DOT}, {0x1E41, 'm', DOT}, {0x1E42, 'M', DTB}, {0x1E43, 'm', DTB},
	{0x1E44, 'N', DOT}, {0x1E45, 'n', DOT}, {0x1E46, 'N', DTB}, {0x1E47, 'n', DTB},
	{0x1E4C, 0x00D5, ACU}, {0x1E4D, 0x00F5, ACU}, {0x1E4E, 0x00D5, DIA}, {0x1E4F, 0x00F5, DIA},
	{0x1E50, 0x014C, GRV}, {0x1E51, 0x014D, GRV}, {0x1E52, 0x014C, ACU}, {0x1E53, 0x014D, ACU},
	{0x1E54, 'P', ACU}, {0x1E55, 'p', ACU}, {0x1E56, 'P', DOT}, {0x1E57, 'p', DOT},
	{0x1E58, 'R', DOT}, {0x1E59, 'r', DOT}, {0x1E5A, 'R', DTB}, {0x1E5B, 'r', DTB},
	{0x1E5C, 0x1E5A, MAC}, {0x1E5D, 0x1E5B, MAC}, {0x1E60, 'S', DOT}, {0x1E61, 's', DOT},
	{0x1E62, 'S', DTB}, {0x1E63, 's', DTB}, {0x1E64, 0x015A, DOT}, {0x1E65, 0x015B, DOT},
	{0x1E66, 0x0160, DOT}, {0x1E67, 0x0161, DOT}, {0x1E68, 0x1E62, DOT}, {0x1E69, 0x1E63, DOT},
	{0x1E6A, 'T', DOT}, {0x1E6B, 't', DOT}, {0x1E6C, 'T', DTB}, {0x1E6D, 't', DTB},
	{0x1E72, 'U', DIB}, {0x1E73, 'u', DIB}, {0x1E78, 0x0168, ACU}, {0x1E79, 0x0169, ACU},
	{0x1E7A, 0x016A, DIA}, {0x1E7B, 0x016B, DIA}, {0x1E7C, 'V', TIL}, {0x1E7D, 'v', TIL},
	{0x1E7E, 'V', DTB}, {0x1E7F, 'v', DTB}, {0x1E80, 'W', GRV}, {0x1E81, 'w', GRV},
	{0x1E82, 'W', ACU}, {0x1E83, 'w', ACU}, {0x1E84, 'W', DIA}, {0x1E85, 'w', DIA},
	{0x1E86, 'W', DOT}, {0x1E87, 'w', DOT}, {0x1E88, 'W', DTB}, {0x1E89, 'w', DTB},
	{0x1E8A, 'X', DOT}, {0x1E8B, 'x', DOT}, {0x1E8C, 'X', DIA}, {0x1E8D, 'x', DIA},
	{0x1E8E, 'Y', DOT}, {0x1E8F, 'y', DOT}, {0x1E90, 'Z', CIR}, {0x1E91, 'z', CIR},
	{0x1E92, 'Z', DTB}, {0x1E93, 'z', DTB}, {0x1E97, 't', DIA}, {0x1E98, 'w', RNG},
	{0x1E99, 'y', RNG}, {0x1E9B, 0x017F, DOT}, {0x1EA0, 'A', DTB}, {0x1EA1, 'a', DTB},
	{0x1EA2, 'A', HOK}, {0x1EA3, 'a', HOK}, {0x1EA4, 0x00C2, ACU}, {0x1EA5, 0x00E2, ACU},
	{0x1EA6, 0x00C2, GRV}, {0x1EA7, 0x00E2, GRV}, {0x1EA8, 0x00C2, HOK}, {0x1EA9, 0x00E2, HOK},
	{0x1EAA, 0x00C2, TIL}, {0x1EAB, 0x00E2, TIL}, {0x1EAC, 0x1EA0, CIR}, {0x1EAD, 0x1EA1, CIR},
	{0x1EAE, 0x0102, ACU}, {0x1EAF, 0x0103, ACU}, {0x1EB0, 0x0102, GRV}, {0x1EB1, 0x0103, GRV},
	{0x1EB2, 0x0102, HOK}, {0x1EB3, 0x0103, HOK}, {0x1EB4, 0x0102, TIL}, {0x1EB5, 0x0103, TIL},
	{0x1EB6, 0x1EA0, BRV}, {0x1EB7, 0x1EA1, BRV}, {0x1EB8, 'E', DTB}, {0x1EB9, 'e', DTB},
	{0x1EBA, 'E', HOK}, {0x1EBB, 'e', HOK}, {0x1EBC, 'E', TIL}, {0x1EBD, 'e', TIL},
	{0x1EBE, 0x00CA, ACU}, {0x1EBF, 0x00EA, ACU}, {0x1EC0, 0x00CA, GRV}, {0x1EC1, 0x00EA, GRV},
	{0x1EC2, 0x00CA, HOK}, {0x1EC3, 0x00EA, HOK}, {0x1EC4, 0x00CA, TIL}, {0x1EC5, 0x00EA, TIL},
	{0x1EC6, 0x1EB8, CIR}, {0x1EC7, 0x1EB9, CIR}, {0x1EC8, 'I', HOK}, {0x1EC9, 'i', HOK},
	{0x1ECA, 'I', DTB}, {0x1ECB, 'i', DTB}, {0x1ECC, 'O', DTB}, {0x1ECD, 'o', DTB},
	{0x1ECE, 'O', HOK}, {0x1ECF, 'o', HOK}, {0x1ED0, 0x00D4, ACU}, {0x1ED1, 0x00F4, ACU},
	{0x1ED2, 0x00D4, GRV}, {0x1ED3, 0x00F4, GRV}, {0x1ED4, 0x00D4, HOK}, {0x1ED5, 0x00F4, HOK},
	{0x1ED6, 0x00D4, TIL}, {0x1ED7, 0x00F4, TIL}, {0x1ED8, 0x1ECC, CIR}, {0x1ED9, 0x1ECD, CIR},
	{0x1EDA, 0x01A0, ACU}, {0x1EDB, 0x01A1, ACU}, {0x1EDC, 0x01A0, GRV}, {0x1EDD, 0x01A1, GRV},
	{0x1EDE, 0x01A0, HOK}, {0x1EDF, 0x01A1, HOK}, {0x1EE0, 0x01A0, TIL}, {0x1EE1, 0x01A1, TIL},
	{0x1EE2, 0x01A0, DTB}, {0x1EE3, 0x01A1, DTB}, {0x1EE4, 'U', DTB}, {0x1EE5, 'u', DTB},
	{0x1EE6, 'U', HOK}, {0x1EE7, 'u', HOK}, {0x1EE8, 0x01AF, ACU}, {0x1EE9, 0x01B0, ACU},
	{0x1EEA, 0x01AF, GRV}, {0x1EEB, 0x01B0, GRV}, {0x1EEC, 0x01AF, HOK}, {0x1EED, 0x01B0, HOK},
	{0x1EEE, 0x01AF, TIL}, {0x1EEF, 0x01B0, TIL}, {0x1EF0, 0x01AF, DTB}, {0x1EF1, 0x01B0, DTB},
	{0x1EF2, 'Y', GRV}, {0x1EF3, 'y', GRV}, {0x1EF4, 'Y', DTB}, {0x1EF5, 'y', DTB},
	{0x1EF6, 'Y', HOK}, {0x1EF7, 'y', HOK}, {0x1EF8, 'Y', TIL}, {0x1EF9, 'y', TIL},
};
#define N_COMPOSITIONS (sizeof(compositions) / sizeof(compositions[0]))

/* The same table ordered by (base, mark), as indexes into compositions[],
 * so composing is a binary search too.  Both orders were produced together
 * from the Unicode character database; the fuzz target checks that they
 * agree (folding a string and its NFC form must give the same key). */
static const uint16_t by_pair[] = {
	  0,   1,   2,   3,  53,  55, 238,   4, 372,   5, 165, 208,
	210, 370, 252,  57, 254, 256,  59,  61,  63,  65,   6, 260,
	 67, 262, 264,   7,   8,   9, 398,  69,  71,  73,  10, 396,
	 77, 212, 214, 394, 240,  75, 272, 198,  79, 274,  81,  83,
	187,  85,  87, 276, 280, 236, 278, 282,  11,  12,  13,  89,
	 91,  93,  97,  14, 410, 167, 216, 218, 412,  95,  98, 286,
	189, 288, 100, 102, 106, 290, 104, 294, 296, 298, 200, 108,
	 15, 300, 112, 302, 110,  16,  17,  18,  19, 114, 116, 246,
	 20, 416, 118, 169, 220, 222, 161, 414, 191, 312, 314, 120,
	316, 124, 224, 226, 318, 122, 126, 128, 322, 132, 324, 232,
	130, 332, 136, 334, 234, 134,  21,  22,  23, 138, 140, 142,
	 24, 440, 144, 146, 171, 228, 230, 163, 438, 336, 148, 342,
	344, 346, 348, 150, 352, 350, 354, 356, 358, 452,  25, 152,
	458, 250, 360, 154, 456, 454, 155, 362, 157, 159, 364,  26,
	 27,  28,  29,  54,  56, 239,  30, 373,  31, 166, 209, 211,
	371, 253,  58, 255, 257,  60,  62,  64,  66,  32, 261,  68,
	263, 265,  33,  34,  35, 399,  70,  72,  74,  36, 397,  78,
	213, 215, 395, 241,  76, 273, 199,  80, 275,  82,  84, 188,
	 86,  88, 277, 281, 237, 279, 283,  37,  38,  39,  90,  92,
	 94,  40, 411, 168, 217, 219, 413,  96,  99, 197, 287, 190,
	289, 101, 103, 107, 291, 105, 295, 297, 299, 201, 109,  41,
	301, 113, 303, 111,  42,  43,  44,  45, 115, 117, 247,  46,
	417, 119, 170, 221, 223, 162, 415, 192, 313, 315, 121, 317,
	125, 225, 227, 319, 123, 127, 129, 323, 133, 325, 233, 131,
	333, 366, 137, 335, 235, 135,  47,  48,  49, 139, 141, 143,
	 50, 441, 145, 147, 172, 229, 231, 164, 439, 337, 149, 343,
	345, 347, 349, 151, 353, 351, 367, 355, 357, 359, 453,  51,
	153, 459, 251, 361,  52, 457, 368, 455, 156, 363, 158, 160,
	365, 376, 374, 380, 378, 181, 202, 204, 185, 258, 402, 400,
	406, 404, 284, 420, 418, 424, 422, 304, 244, 306, 242, 206,
	179, 175, 173, 177, 377, 375, 381, 379, 182, 203, 205, 186,
	259, 403, 401, 407, 405, 285, 421, 419, 425, 423, 305, 245,
	307, 243, 207, 180, 176, 174, 178, 386, 384, 390, 388, 387,
	385, 391, 389, 266, 268, 267, 269, 308, 310, 309, 311, 326,
	327, 328, 329, 338, 339, 340, 341, 369, 430, 428, 434, 432,
	436, 431, 429, 435, 433, 437, 444, 442, 448, 446, 450, 445,
	443, 449, 447, 451, 195, 193, 194, 183, 184, 270, 271, 248,
	249, 196, 292, 293, 320, 321, 330, 331, 382, 392, 383, 393,
	408, 409, 426, 427,
};
_Static_assert(sizeof(by_pair) / sizeof(by_pair[0]) == N_COMPOSITIONS,
	       "by_pair must index every composition");

static bool is_latin_mark(uint32_t cp)
{
	return cp >= MARK_FIRST && cp <= MARK_LAST;
}

static uint32_t pair_key(uint32_t base, uint32_t mark_offset)
{
	return base << 6 | mark_offset;
}

/* Precomposed form of base + mark, or 0 when there is none. */
static uint32_t compose(uint32_t base, uint32_t mark)
{
	if (!is_latin_mark(mark) || base > 0xFFFF)
		return 0;
	uint32_t key = pair_key(base, mark - MARK_FIRST);
	size_t lo = 0, hi = N_COMPOSITIONS;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct composition *c = &compositions[by_pair[mid]];
		uint32_t k = pair_key(c->base, c->mark);
		if (k == key)
			return c->cp;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Base letter of a precomposed letter, or 0 when cp is not one. */
static uint32_t decompose(uint32_t cp)
{
	size_t lo = 0, hi = N_COMPOSITIONS;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (compositions[mid].cp == cp)
			return compositions[mid].base;
		if (compositions[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Output buffer that composes as it goes                              */
/* ------------------------------------------------------------------ */

/* The last code point written is remembered as the "open base" while a
 * mark could still combine with it.  Composition is adjacent-only: a mark
 * that does not combine closes the base, so later marks stay separate (no
 * canonical reordering; decomposed input with stacked marks is rare, and
 * this keeps the result stable when the output is composed again). */
struct out {
	char *buf;
	size_t n;
	size_t base_at; /* offset of the open base in buf */
	uint32_t base;
	bool open;
};

/* Capacity needed: a composed letter is never longer than its base plus
 * the two bytes of the mark, so composing never grows the output. */
static void out_cp(struct out *o, uint32_t cp)
{
	if (is_latin_mark(cp) && o->open) {
		uint32_t c = compose(o->base, cp);
		if (c) {
			o->n = o->base_at;
			o->base = c;
			o->n += text_utf8_encode(c, o->buf + o->n);
			return;
		}
	}
	if (is_latin_mark(cp)) {
		o->open = false;
	} else {
		o->open = true;
		o->base = cp;
		o->base_at = o->n;
	}
	o->n += text_utf8_encode(cp, o->buf + o->n);
}

static void out_byte(struct out *o, char b)
{
	o->buf[o->n++] = b;
	o->open = false;
}

/* NUL-terminate and give back the unused part of the worst-case buffer. */
static char *out_finish(struct out *o)
{
	o->buf[o->n] = '\0';
	char *shrunk = realloc(o->buf, o->n + 1);
	return shrunk ? shrunk : o->buf;
}

static bool out_init(struct out *o, size_t len, size_t factor)
{
	memset(o, 0, sizeof(*o));
	if (len > (SIZE_MAX - 1) / factor)
		return false;
	o->buf = malloc(len * factor + 1);
	return o->buf != NULL;
}

/* ------------------------------------------------------------------ */
/* Sanitizing                                                          */
/* ------------------------------------------------------------------ */

enum action { KEEP, REPLACE, DROP, SPACE };

/* Bidirectional formatting characters: they reorder what the agent sees
 * (U+202E turns "gpj.exe" into "exe.jpg") without being visible. */
static bool is_bidi_control(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* What text_sanitize does with one decoded code point.  C1 controls are
 * judged as code points (U+0080..U+009F, i.e. C2 80..C2 9F): a terminal in
 * UTF-8 mode treats U+009B as CSI.  Raw bytes 0x80..0x9F never get here,
 * they are malformed UTF-8 and already U+FFFD. */
static enum action classify(uint32_t cp, unsigned flags)
{
	if (cp == '\r')
		return DROP; /* CRLF from web forms and mail: keep the LF only */
	if (cp == '\n')
		return (flags & TEXT_KEEP_NEWLINES) ? KEEP : SPACE;
	if (cp == '\t')
		return (flags & TEXT_KEEP_TABS) ? KEEP : SPACE;
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		return REPLACE; /* ESC, BEL, NUL, DEL, CSI, OSC, ST... */
	if (is_bidi_control(cp))
		return REPLACE;
	/* LINE and PARAGRAPH SEPARATOR become a space, not U+FFFD: they come
	 * from legitimate pasted text (word processors, JavaScript), not from
	 * an attack, and a space keeps the words apart for search; but left
	 * alone some terminals break the line and others draw nothing, which
	 * would corrupt the screen layout computed with text_width. */
	if (cp == 0x2028 || cp == 0x2029)
		return SPACE;
	return KEEP;
}

char *text_sanitize(const char *s, size_t len, unsigned flags)
{
	struct out o;
	/* worst case: every byte is malformed and becomes the 3 bytes of
	 * U+FFFD */
	if (!out_init(&o, len, 3))
		return NULL;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += next_cp(s, len, i, &cp);
		switch (classify(cp, flags)) {
		case KEEP:
			out_cp(&o, cp);
			break;
		case REPLACE:
			out_cp(&o, REPLACEMENT_CHAR);
			break;
		case SPACE:
			out_cp(&o, ' ');
			break;
		case DROP:
			break;
		}
	}
	return out_finish(&o);
}

/* Mirrors text_sanitize without allocating: every code point must be kept
 * as is, and no mark may compose with the letter before it. */
bool text_is_clean(const char *s, size_t len, unsigned flags)
{
	uint32_t base = 0;
	bool open = false;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0 || classify(cp, flags) != KEEP) /* NUL is REPLACE */
			return false;
		i += n;
		if (is_latin_mark(cp)) {
			if (open && compose(base, cp))
				return false;
			open = false;
		} else {
			base = cp;
			open = true;
		}
	}
	return true;
}

/* text_nfc only composes: bytes that are not well-formed UTF-8 (and NUL)
 * are copied unchanged, since cleaning them is text_sanitize's job.  The
 * output is never longer than the input. */
char *text_nfc(const char *s, size_t len)
{
	struct out o;
	if (!out_init(&o, len, 1))
		return NULL;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0) {
			out_byte(&o, s[i++]);
			continue;
		}
		out_cp(&o, cp);
		i += n;
	}
	return out_finish(&o);
}

/* ------------------------------------------------------------------ */
/* Folding                                                             */
/* ------------------------------------------------------------------ */

/* Letters with no canonical decomposition and their folded spelling
 * (sorted by cp).  Ligatures are spelled out; stroke letters lose their
 * stroke like accents do, because people type "Lodz" for "Łódź". */
static const struct {
	uint16_t cp;
	char folded[4];
} fold_special[] = {
	{0x00C6, "ae"}, {0x00D0, "d"}, {0x00D8, "o"}, {0x00DE, "th"},
	{0x00DF, "ss"}, {0x00E6, "ae"}, {0x00F0, "d"}, {0x00F8, "o"},
	{0x00FE, "th"}, {0x0110, "d"}, {0x0111, "d"}, {0x0126, "h"},
	{0x0127, "h"}, {0x0131, "i"}, {0x0132, "ij"}, {0x0133, "ij"},
	{0x013F, "l"}, {0x0140, "l"}, {0x0141, "l"}, {0x0142, "l"},
	{0x014A, "\xC5\x8B"}, {0x0152, "oe"}, {0x0153, "oe"}, {0x0166, "t"},
	{0x0167, "t"}, {0x017F, "s"}, {0x1E9E, "ss"}, {0xFB00, "ff"},
	{0xFB01, "fi"}, {0xFB02, "fl"}, {0xFB03, "ffi"}, {0xFB04, "ffl"},
	{0xFB05, "st"}, {0xFB06, "st"},
};

static const char *fold_lookup(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(fold_special) / sizeof(fold_special[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fold_special[mid].cp == cp)
			return fold_special[mid].folded;
		if (fold_special[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Combining diacritics (the marks of decomposed accents, in all their
 * blocks): dropped by folding. */
static bool is_diacritic(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
	       (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
	       (cp >= 0xFE20 && cp <= 0xFE2F);
}

/* Lowercase where it is a fixed offset: Greek and Cyrillic capitals.
 * (Latin is handled before: every Latin capital either decomposes to an
 * ASCII one or is in fold_special.) */
static uint32_t lower_simple(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 0x20;
	if (cp >= 0x0391 && cp <= 0x03A9 && cp != 0x03A2)
		return cp + 0x20;
	if (cp >= 0x0410 && cp <= 0x042F)
		return cp + 0x20;
	if (cp >= 0x0400 && cp <= 0x040F)
		return cp + 0x50;
	return cp;
}

/* Fold one code point into out (room for 4 bytes); returns bytes written. */
static size_t fold_cp(uint32_t cp, char *out)
{
	if (cp == '\'' || cp == 0x2019 || cp == 0x02BC) {
		out[0] = ' '; /* L'Haÿ, L’Haÿ and Lʼ Haÿ all split into words */
		return 1;
	}
	if (is_diacritic(cp))
		return 0;
	/* strip accents, following chains such as ǘ -> ü -> u */
	for (uint32_t base = decompose(cp); base; base = decompose(cp))
		cp = base;
	const char *special = fold_lookup(cp);
	if (special) {
		size_t n = strlen(special);
		memcpy(out, special, n);
		return n;
	}
	return text_utf8_encode(lower_simple(cp), out);
}

/* Malformed bytes and NUL become U+FFFD: the key must be valid UTF-8, and
 * an embedded NUL would silently cut it short. */
char *text_fold(const char *s, size_t len)
{
	struct out o;
	if (!out_init(&o, len, 3)) /* malformed byte -> 3 bytes of U+FFFD */
		return NULL;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += next_cp(s, len, i, &cp);
		if (cp == 0)
			cp = REPLACEMENT_CHAR;
		o.n += fold_cp(cp, o.buf + o.n);
	}
	return out_finish(&o);
}

/* ------------------------------------------------------------------ */
/* Column widths                                                       */
/* ------------------------------------------------------------------ */

struct range {
	uint32_t lo, hi;
};

/* Zero columns: combining marks of the common scripts and invisible
 * format characters.  Sorted, disjoint. */
static const struct range zero_width[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
	{0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
	{0x061C, 0x061C}, {0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC},
	{0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0900, 0x0902},
	{0x093A, 0x093A}, {0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D},
	{0x0951, 0x0957}, {0x0962, 0x0963}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A},
	{0x0E47, 0x0E4E}, {0x1160, 0x11FF}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
	{0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F},
	{0x20D0, 0x20FF}, {0x302A, 0x302D}, {0x3099, 0x309A}, {0xFE00, 0xFE0F},
	{0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0001, 0xE0001},
	{0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
};

/* Two columns: East Asian Wide and Fullwidth, and emoji drawn as emoji by
 * default.  Sorted, disjoint; the zero-width table is checked first, so
 * the few combining marks inside CJK blocks stay at 0. */
static const struct range double_width[] = {
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
	{0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615},
	{0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
	{0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
	{0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
	{0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
	{0x2E80, 0x303E}, /* U+303F (half-width ideographic space) is narrow */
	{0x3040, 0xA4CF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
	{0xFE10, 0xFE19}, {0xFE30, 0xFE4F}, {0xFE50, 0xFE6B}, {0xFF00, 0xFF60},
	{0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE4}, {0x16FF0, 0x16FF1},
	{0x17000, 0x18D08}, {0x1AFF0, 0x1B2FF}, {0x1F004, 0x1F004},
	{0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
	{0x1F200, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248},
	{0x1F250, 0x1F251}, {0x1F260, 0x1F265},
	{0x1F300, 0x1F64F}, /* whole block, text-style symbols included */
	{0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2},
	{0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC},
	{0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0},
	{0x1F900, 0x1F9FF}, /* whole block, like U+1F300.. */
	{0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD},
};

static bool in_ranges(const struct range *t, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < t[mid].lo)
			hi = mid;
		else if (cp > t[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

#define IN_TABLE(t, cp) in_ranges((t), sizeof(t) / sizeof((t)[0]), (cp))

/* Surrogates and values beyond U+10FFFF are not characters: -1 like
 * controls, since nothing sensible can be drawn for them. */
int text_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		return -1;
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	if (cp < 0x0300) /* Latin: the common case, no search */
		return 1;
	if (IN_TABLE(zero_width, cp))
		return 0;
	if (IN_TABLE(double_width, cp))
		return 2;
	return 1;
}

/* Columns of one code point as drawn: a control or a malformed byte (read
 * as U+FFFD) is counted as the one-column U+FFFD sanitizing turns it into. */
static size_t draw_width(uint32_t cp)
{
	int w = text_cp_width(cp);
	return w < 0 ? 1 : (size_t)w;
}

size_t text_width(const char *s, size_t len)
{
	size_t cols = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += next_cp(s, len, i, &cp);
		cols += draw_width(cp);
	}
	return cols;
}

/* Stops at the first character that does not fit; zero-width ones always
 * fit, so combining marks stay with the letter before them. */
size_t text_fit(const char *s, size_t len, size_t cols, size_t *used)
{
	size_t i = 0, taken = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = next_cp(s, len, i, &cp);
		size_t w = draw_width(cp);
		if (w > cols - taken)
			break;
		taken += w;
		i += n;
	}
	if (used)
		*used = taken;
	return i;
}
