/* Colour specifications, text attributes, and what is left of a colour on
 * a terminal that shows fewer.
 *
 * A screen never names a colour, only a role (enum role in tui.h: "title",
 * "overdue", "offer"...); a theme fills each role with colours and
 * attributes.  Every colour and attribute written in a theme file goes
 * through this module: color_parse and attrs_parse read them (and say
 * what is wrong, for the theme's file:line), color_format writes them back
 * canonically (for `show theme` and tests), and color_fallback brings a
 * theme's exact shade down to what the terminal can show, so one theme
 * serves truecolor, 256-colour, 16- and 8-colour terminals alike.
 *
 * Pure: no curses here (term.c turns the result into curses colour pairs),
 * no I/O, no global state. */
#ifndef GUICHET_CLIENT_PALETTE_H
#define GUICHET_CLIENT_PALETTE_H

#include <stddef.h>

/* A colour as a theme writes it:
 *   COLOR_DEFAULT  the terminal's own foreground or background ("default");
 *   COLOR_INDEX    a palette entry, index 0..255 (0..7 the ANSI colours,
 *                  8..15 their bright versions, 16..231 the 6x6x6 cube,
 *                  232..255 the grey ramp);
 *   COLOR_RGB      an exact shade, r, g, b (truecolor). */
struct color {
	enum { COLOR_DEFAULT, COLOR_INDEX, COLOR_RGB } kind;
	int index;             /* COLOR_INDEX only */
	unsigned char r, g, b; /* COLOR_RGB only */
};

/* Terminal colour depths understood by color_fallback (curses' COLORS). */
#define COLOR_DEPTH_TRUE 16777216
#define COLOR_DEPTH_256  256
#define COLOR_DEPTH_16   16
#define COLOR_DEPTH_8    8
#define COLOR_DEPTH_NONE 0

/* Read a colour: "default"; "black" "red" "green" "yellow" "blue"
 * "magenta" "cyan" "white" (0..7) and the same prefixed with "bright-"
 * (8..15); "colourN" or "colorN" with N in 0..255; "#rrggbb".  Names and
 * hex digits are case-insensitive.  Returns 0 with the colour in *out, or
 * -1 with a message (French, translated) in err[0..errlen) and *out left
 * alone.  s may be NULL (an error). */
int color_parse(const char *s, struct color *out, char *err, size_t errlen);

/* Write c's canonical spelling into out[0..outlen): "default", a name for
 * 0..15 ("red", "bright-red"), "colourN" for 16..255, "#rrggbb" in lower
 * case; color_parse reads it back to the same colour.  Returns its length
 * (without the NUL), or -1 when out is too small or c is not a valid
 * colour. */
int color_format(const struct color *c, char *out, size_t outlen);

/* The colour a terminal with `depth` colours can show in place of c:
 *   depth >= COLOR_DEPTH_TRUE  c itself;
 *   >= 256   an RGB becomes the nearest entry of the cube or grey ramp
 *            (16..255: entries 0..15 are changed by terminal themes, so
 *            they are no exact shade);
 *   >= 16, >= 8  an RGB, or an index beyond depth, becomes the nearest of
 *            the first 16 or 8 colours, judged on xterm's default values;
 *   below 8 (0 or 1: NO_COLOR, monochrome)  COLOR_DEFAULT.
 * "Nearest" is by a weighted RGB distance closer to what the eye sees than
 * plain RGB.  COLOR_DEFAULT always stays COLOR_DEFAULT. */
struct color color_fallback(struct color c, int depth);

/* Text attributes, as a bit mask.  term.c maps them to curses A_*. */
enum {
	ATTR_BOLD      = 1 << 0,
	ATTR_UNDERLINE = 1 << 1,
	ATTR_REVERSE   = 1 << 2,
	ATTR_DIM       = 1 << 3,
	ATTR_ITALIC    = 1 << 4,
	ATTR_STANDOUT  = 1 << 5,
};

/* Read "bold", "underline", "reverse", "dim", "italic", "standout",
 * comma-separated (spaces around names allowed, case-insensitive), or
 * "none" alone.  Returns the ATTR_* mask (0 for "none"), or -1 with a
 * message in err[0..errlen) for an unknown or empty name. */
int attrs_parse(const char *s, char *err, size_t errlen);

#endif
