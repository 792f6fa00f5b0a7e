/* Colours and attributes of theme files (see palette.h): reading them,
 * writing them back, and bringing a colour down to what the terminal can
 * show.  Each written form of a colour is one row of a table (a prefix and
 * its reader); the xterm palette is computed, not listed, except for the
 * 16 ANSI colours whose values xterm merely chose. */
#include "client/palette.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client/i18n.h"

/* The eight ANSI colours, in palette order; "bright-" adds 8. */
static const char *const ansi_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

#define BRIGHT "bright-"

/* xterm's default values for 0..15: the yardstick for "nearest" when
 * only 16 or 8 colours are left.  The real ones depend on the agent's
 * terminal theme, which cannot be asked portably; xterm's are the common
 * reference. */
static const unsigned char ansi_rgb[16][3] = {
	{ 0, 0, 0 },       { 205, 0, 0 },     { 0, 205, 0 },     { 205, 205, 0 },
	{ 0, 0, 238 },     { 205, 0, 205 },   { 0, 205, 205 },   { 229, 229, 229 },
	{ 127, 127, 127 }, { 255, 0, 0 },     { 0, 255, 0 },     { 255, 255, 0 },
	{ 92, 92, 255 },   { 255, 0, 255 },   { 0, 255, 255 },   { 255, 255, 255 },
};

/* The levels of each axis of the 6x6x6 cube (16..231). */
static const unsigned char cube_level[6] = { 0, 95, 135, 175, 215, 255 };

#define CUBE_FIRST 16
#define GREY_FIRST 232

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

/* Each reader gets what follows its prefix and returns NULL with *c set,
 * or why the text is wrong (untranslated, for _()). */
typedef const char *color_reader(const char *rest, struct color *c);

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static const char *read_hex(const char *rest, struct color *c)
{
	unsigned char v[3];

	if (strlen(rest) != 6)
		return N_("six chiffres hexadécimaux après #");
	for (int i = 0; i < 3; i++) {
		int hi = hex_digit(rest[2 * i]), lo = hex_digit(rest[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return N_("six chiffres hexadécimaux après #");
		v[i] = (unsigned char)(hi << 4 | lo);
	}
	*c = (struct color){ .kind = COLOR_RGB, .r = v[0], .g = v[1], .b = v[2] };
	return NULL;
}

/* 1 to 3 decimal digits, 0..255: no sign, no space, nothing after. */
static const char *read_number(const char *rest, struct color *c)
{
	size_t n = strspn(rest, "0123456789");
	int v = 0;

	if (n == 0 || n > 3 || rest[n])
		return N_("un numéro de 0 à 255");
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (rest[i] - '0');
	if (v > 255)
		return N_("un numéro de 0 à 255");
	*c = (struct color){ .kind = COLOR_INDEX, .index = v };
	return NULL;
}

static int ansi_lookup(const char *name)
{
	for (int i = 0; i < 8; i++)
		if (strcasecmp(name, ansi_names[i]) == 0)
			return i;
	return -1;
}

static const char *read_bright(const char *rest, struct color *c)
{
	int i = ansi_lookup(rest);

	if (i < 0)
		return N_("bright- suivi d'une des 8 couleurs");
	*c = (struct color){ .kind = COLOR_INDEX, .index = 8 + i };
	return NULL;
}

static const char *read_name(const char *s, struct color *c)
{
	int i = ansi_lookup(s);

	if (strcasecmp(s, "default") == 0) {
		*c = (struct color){ .kind = COLOR_DEFAULT };
		return NULL;
	}
	if (i < 0)
		return N_("couleur inconnue (default, red, bright-red, colour0 à colour255, "
			  "#rrggbb)");
	*c = (struct color){ .kind = COLOR_INDEX, .index = i };
	return NULL;
}

/* The written forms, tried in order; the first prefix that matches
 * decides, so the catch-all "" (the names) comes last. */
static const struct {
	const char *prefix;
	color_reader *read;
} color_forms[] = {
	{ "#", read_hex },
	{ "colour", read_number },
	{ "color", read_number },
	{ BRIGHT, read_bright },
	{ "", read_name },
};

int color_parse(const char *s, struct color *out, char *err, size_t errlen)
{
	struct color c = { .kind = COLOR_DEFAULT };
	const char *why = N_("couleur vide");

	for (size_t i = 0; s && *s && i < sizeof(color_forms) / sizeof(color_forms[0]); i++) {
		size_t n = strlen(color_forms[i].prefix);
		if (strncasecmp(s, color_forms[i].prefix, n) == 0) {
			why = color_forms[i].read(s + n, &c);
			break;
		}
	}
	if (why) {
		snprintf(err, errlen, _("« %.40s » : %s"), s ? s : "", _(why));
		return -1;
	}
	*out = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static bool color_valid(const struct color *c)
{
	switch (c->kind) {
	case COLOR_DEFAULT:
	case COLOR_RGB:
		return true;
	case COLOR_INDEX:
		return c->index >= 0 && c->index <= 255;
	}
	return false;
}

int color_format(const struct color *c, char *out, size_t outlen)
{
	int n;

	if (!c || !color_valid(c))
		return -1;
	if (c->kind == COLOR_DEFAULT)
		n = snprintf(out, outlen, "default");
	else if (c->kind == COLOR_RGB)
		n = snprintf(out, outlen, "#%02x%02x%02x", c->r, c->g, c->b);
	else if (c->index < 16)
		n = snprintf(out, outlen, "%s%s", c->index < 8 ? "" : BRIGHT,
			     ansi_names[c->index % 8]);
	else
		n = snprintf(out, outlen, "colour%d", c->index);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/* ------------------------------------------------------------------ */
/* Fallback                                                            */
/* ------------------------------------------------------------------ */

/* The RGB value of palette entry i (0..255) on a default xterm. */
static void index_rgb(int i, unsigned char rgb[3])
{
	if (i < CUBE_FIRST) {
		memcpy(rgb, ansi_rgb[i], 3);
	} else if (i < GREY_FIRST) {
		int k = i - CUBE_FIRST;
		rgb[0] = cube_level[k / 36];
		rgb[1] = cube_level[k / 6 % 6];
		rgb[2] = cube_level[k % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = (unsigned char)(8 + 10 * (i - GREY_FIRST));
	}
}

/* Squared distance between two colours, weighted by how much the eye
 * cares: green most, and red or blue more or less depending on how red
 * the pair is (the "redmean" approximation, scaled by 256 to stay in
 * integers).  Plain RGB distance would, for example, take a dark blue for
 * black more often than a viewer would. */
static long distance(const unsigned char a[3], const unsigned char b[3])
{
	long rmean = (a[0] + b[0]) / 2;
	long dr = a[0] - b[0], dg = a[1] - b[1], db = a[2] - b[2];

	return (512 + rmean) * dr * dr + 1024 * dg * dg + (767 - rmean) * db * db;
}

/* The palette entry of [from, to) nearest rgb; the lowest on a tie. */
static int nearest(const unsigned char rgb[3], int from, int to)
{
	int best = from;
	long best_d = -1;

	for (int i = from; i < to; i++) {
		unsigned char p[3];
		index_rgb(i, p);
		long d = distance(rgb, p);
		if (best_d < 0 || d < best_d) {
			best = i;
			best_d = d;
		}
	}
	return best;
}

static struct color from_index(int i)
{
	return (struct color){ .kind = COLOR_INDEX, .index = i };
}

struct color color_fallback(struct color c, int depth)
{
	unsigned char rgb[3];
	int limit;

	if (!color_valid(&c) || depth < COLOR_DEPTH_8)
		return (struct color){ .kind = COLOR_DEFAULT };
	if (c.kind == COLOR_DEFAULT || depth >= COLOR_DEPTH_TRUE)
		return c;
	if (c.kind == COLOR_RGB) {
		rgb[0] = c.r;
		rgb[1] = c.g;
		rgb[2] = c.b;
	} else {
		index_rgb(c.index, rgb);
	}
	if (depth >= COLOR_DEPTH_256)
		return c.kind == COLOR_RGB ? from_index(nearest(rgb, CUBE_FIRST, 256)) : c;
	limit = depth >= COLOR_DEPTH_16 ? 16 : 8;
	if (c.kind == COLOR_INDEX && c.index < limit)
		return c;
	return from_index(nearest(rgb, 0, limit));
}

/* ------------------------------------------------------------------ */
/* Attributes                                                          */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int bit;
} attr_names[] = {
	{ "bold", ATTR_BOLD },     { "underline", ATTR_UNDERLINE }, { "reverse", ATTR_REVERSE },
	{ "dim", ATTR_DIM },       { "italic", ATTR_ITALIC },       { "standout", ATTR_STANDOUT },
};

/* The bit of the name s[0..n), 0 for "none", -1 when unknown. */
static int attr_bit(const char *s, size_t n)
{
	if (n == 4 && strncasecmp(s, "none", 4) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
		if (strlen(attr_names[i].name) == n && strncasecmp(s, attr_names[i].name, n) == 0)
			return attr_names[i].bit;
	return -1;
}

/* "none" must stand alone: "bold,none" could mean either, so it is an
 * error rather than a guess. */
int attrs_parse(const char *s, char *err, size_t errlen)
{
	int mask = 0, items = 0, nones = 0;

	for (const char *p = s ? s : ""; ; p++) {
		p += strspn(p, " ");
		size_t n = strcspn(p, ",");
		size_t len = n;
		while (len && p[len - 1] == ' ')
			len--;
		int bit = attr_bit(p, len);
		if (len == 0) {
			snprintf(err, errlen, _("attribut vide"));
			return -1;
		}
		if (bit < 0) {
			snprintf(err, errlen,
				 _("attribut inconnu « %.*s » (bold, underline, reverse, dim, italic, "
				   "standout, none)"),
				 (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		mask |= bit;
		items++;
		nones += bit == 0;
		p += n;
		if (!*p)
			break;
	}
	if (nones && items > 1) {
		snprintf(err, errlen, _("« none » ne se combine pas avec d'autres attributs"));
		return -1;
	}
	return mask;
}
