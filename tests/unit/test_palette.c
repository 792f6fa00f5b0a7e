/* Unit tests: colours as theme files write them (parsing, the canonical
 * spelling, errors), their fallback on 256-, 16- and 8-colour terminals
 * and without colour (the DSFR's bleu France and rouge Marianne, greys,
 * black and white), and attribute lists. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>

#include "client/palette.h"

static struct color parse_ok(const char *s)
{
	struct color c;
	char err[200] = "";
	assert_int_equal(color_parse(s, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	return c;
}

static void parse_fails(const char *s)
{
	struct color c = { .kind = COLOR_INDEX, .index = 77 };
	char err[200] = "";
	assert_int_equal(color_parse(s, &c, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	/* *out is left alone */
	assert_int_equal(c.kind, COLOR_INDEX);
	assert_int_equal(c.index, 77);
}

static const char *format(struct color c)
{
	static char buf[32];
	int n = color_format(&c, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	return buf;
}

/* Field by field: padding bytes of a struct may differ. */
static void assert_color_equal(struct color a, struct color b)
{
	assert_int_equal(a.kind, b.kind);
	if (a.kind == COLOR_INDEX)
		assert_int_equal(a.index, b.index);
	if (a.kind == COLOR_RGB) {
		assert_int_equal(a.r, b.r);
		assert_int_equal(a.g, b.g);
		assert_int_equal(a.b, b.b);
	}
}

/* parse(s) is canonical and formats as `canon`, which parses back to it. */
static void round_trip(const char *s, const char *canon)
{
	struct color c = parse_ok(s);
	assert_string_equal(format(c), canon);
	assert_color_equal(parse_ok(canon), c);
}

static void test_parse(void **state)
{
	(void)state;
	struct color c = parse_ok("default");
	assert_int_equal(c.kind, COLOR_DEFAULT);
	c = parse_ok("blue");
	assert_int_equal(c.kind, COLOR_INDEX);
	assert_int_equal(c.index, 4);
	assert_int_equal(parse_ok("bright-white").index, 15);
	assert_int_equal(parse_ok("Bright-Black").index, 8);
	assert_int_equal(parse_ok("colour0").index, 0);
	assert_int_equal(parse_ok("color255").index, 255);
	assert_int_equal(parse_ok("colour018").index, 18);
	c = parse_ok("#000091");
	assert_int_equal(c.kind, COLOR_RGB);
	assert_int_equal(c.r, 0);
	assert_int_equal(c.g, 0);
	assert_int_equal(c.b, 0x91);
	c = parse_ok("#E1000f");
	assert_int_equal(c.r, 0xe1);
	assert_int_equal(c.b, 0x0f);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip("default", "default");
	round_trip("DEFAULT", "default");
	round_trip("black", "black");
	round_trip("WHITE", "white");
	round_trip("bright-cyan", "bright-cyan");
	round_trip("colour1", "red");
	round_trip("color9", "bright-red");
	round_trip("colour16", "colour16");
	round_trip("color231", "colour231");
	round_trip("colour007", "white");
	round_trip("#000091", "#000091");
	round_trip("#ABCDEF", "#abcdef");
	/* every index and a spread of RGB values */
	for (int i = 0; i < 256; i++) {
		struct color c = { .kind = COLOR_INDEX, .index = i };
		struct color back = parse_ok(format(c));
		assert_int_equal(back.kind, COLOR_INDEX);
		assert_int_equal(back.index, i);
	}
	for (int v = 0; v < 256; v += 17) {
		struct color c = { .kind = COLOR_RGB, .r = (unsigned char)v,
				   .g = (unsigned char)(255 - v), .b = (unsigned char)(v / 2) };
		assert_color_equal(parse_ok(format(c)), c);
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "reds", "bright-", "bright-default", "brightred", "bright red", " red",
		"red ", "colour", "colour256", "colour-1", "colour+1", "colour1x", "colour 1",
		"colour0001", "#", "#00009", "#0000911", "#00009g", "# 00091", "000091", "rgb(0,0,145)",
		"bleu", "\033[31m",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_fails(bad[i]);
	parse_fails(NULL);
	/* no err buffer is fine too */
	struct color c;
	assert_int_equal(color_parse("nope", &c, NULL, 0), -1);
	/* the message names the culprit */
	char err[200];
	assert_int_equal(color_parse("colour300", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "colour300"));
	assert_non_null(strstr(err, "255"));
}

static void test_format_errors(void **state)
{
	(void)state;
	char buf[16];
	struct color c = { .kind = COLOR_INDEX, .index = 256 };
	assert_int_equal(color_format(&c, buf, sizeof(buf)), -1);
	c.index = -1;
	assert_int_equal(color_format(&c, buf, sizeof(buf)), -1);
	c = (struct color){ .kind = COLOR_RGB, .r = 1, .g = 2, .b = 3 };
	assert_int_equal(color_format(&c, buf, 7), -1); /* "#010203" needs 8 with the NUL */
	assert_int_equal(color_format(&c, buf, 8), 7);
	assert_string_equal(buf, "#010203");
	assert_int_equal(color_format(&c, NULL, 0), -1);
	assert_int_equal(color_format(NULL, buf, sizeof(buf)), -1);
}

static int fallback(const char *s, int depth)
{
	struct color c = color_fallback(parse_ok(s), depth);
	if (c.kind == COLOR_DEFAULT)
		return -1;
	assert_int_equal(c.kind, COLOR_INDEX);
	return c.index;
}

/* The DSFR's colours: bleu France #000091, rouge Marianne #E1000F. */
static void test_fallback_dsfr(void **state)
{
	(void)state;
	struct color c = color_fallback(parse_ok("#000091"), COLOR_DEPTH_TRUE);
	assert_int_equal(c.kind, COLOR_RGB);
	assert_int_equal(c.b, 0x91);
	assert_int_equal(fallback("#000091", 256), 18);  /* 0,0,135 in the cube */
	assert_int_equal(fallback("#000091", 16), 4);    /* blue */
	assert_int_equal(fallback("#000091", 8), 4);     /* blue */
	assert_int_equal(fallback("#E1000F", 256), 160); /* 215,0,0 */
	assert_int_equal(fallback("#E1000F", 16), 1);    /* red 205,0,0, not 255,0,0 */
	assert_int_equal(fallback("#E1000F", 8), 1);     /* red */
	assert_int_equal(fallback("#000091", 0), -1);
	assert_int_equal(fallback("#000091", 1), -1);
}

static void test_fallback_greys(void **state)
{
	(void)state;
	assert_int_equal(fallback("#000000", 256), 16);
	assert_int_equal(fallback("#ffffff", 256), 231);
	assert_int_equal(fallback("#000000", 16), 0);
	assert_int_equal(fallback("#ffffff", 16), 15);
	assert_int_equal(fallback("#000000", 8), 0);
	assert_int_equal(fallback("#ffffff", 8), 7);
	/* the grey ramp 8 + 10 i: exact greys land on it */
	assert_int_equal(fallback("#080808", 256), 232);
	assert_int_equal(fallback("#808080", 256), 244);
	assert_int_equal(fallback("#eeeeee", 256), 255);
	assert_int_equal(fallback("#7f7f7f", 256), 244);
	assert_int_equal(fallback("#5f5f5f", 256), 59); /* the cube's 95,95,95 */
	/* a grey that is nearer the cube's darkest grey than the ramp's */
	assert_int_equal(fallback("#030303", 256), 16);
	assert_int_equal(fallback("#808080", 16), 8);   /* bright black, 127,127,127 */
	assert_int_equal(fallback("#c0c0c0", 16), 7);   /* white, 229,229,229 */
	assert_int_equal(fallback("#303030", 8), 0);
	assert_int_equal(fallback("#d0d0d0", 8), 7);
}

static void test_fallback_index(void **state)
{
	(void)state;
	/* what fits is kept */
	assert_int_equal(fallback("colour18", COLOR_DEPTH_TRUE), 18);
	assert_int_equal(fallback("colour18", 256), 18);
	assert_int_equal(fallback("bright-red", 16), 9);
	assert_int_equal(fallback("red", 8), 1);
	/* what does not is brought down by its xterm value */
	assert_int_equal(fallback("colour18", 16), 4);    /* 0,0,135 -> blue */
	assert_int_equal(fallback("colour196", 16), 9);   /* 255,0,0 -> bright red */
	assert_int_equal(fallback("colour196", 8), 1);    /* -> red */
	assert_int_equal(fallback("bright-red", 8), 1);
	assert_int_equal(fallback("bright-blue", 8), 4);
	assert_int_equal(fallback("colour231", 8), 7);
	assert_int_equal(fallback("colour16", 8), 0);
	assert_int_equal(fallback("colour46", 8), 2);     /* 0,255,0 -> green */
	assert_int_equal(fallback("colour226", 8), 3);    /* 255,255,0 -> yellow */
	assert_int_equal(fallback("colour201", 16), 13);  /* 255,0,255 -> bright magenta */
	/* 88-colour and other odd depths use the next depth down */
	assert_int_equal(fallback("colour196", 88), 9);
	assert_int_equal(fallback("#000091", 32768), 18);
	/* no colour: everything is the terminal's default */
	for (int depth = -1; depth < 8; depth++) {
		assert_int_equal(fallback("red", depth), -1);
		assert_int_equal(fallback("colour200", depth), -1);
	}
	assert_int_equal(fallback("default", 256), -1);
	assert_int_equal(fallback("default", 8), -1);
	/* a colour no parser made is no colour */
	struct color bad = { .kind = COLOR_INDEX, .index = 999 };
	assert_int_equal(color_fallback(bad, 256).kind, COLOR_DEFAULT);
}

/* Every RGB brought down to 256 is a cube or grey entry, never 0..15, and
 * to 16 or 8 stays below the depth. */
static void test_fallback_ranges(void **state)
{
	(void)state;
	for (int r = 0; r < 256; r += 15)
		for (int g = 0; g < 256; g += 15)
			for (int b = 0; b < 256; b += 15) {
				struct color c = { .kind = COLOR_RGB, .r = (unsigned char)r,
						   .g = (unsigned char)g, .b = (unsigned char)b };
				struct color f = color_fallback(c, 256);
				assert_int_equal(f.kind, COLOR_INDEX);
				assert_in_range(f.index, 16, 255);
				assert_in_range(color_fallback(c, 16).index, 0, 15);
				assert_in_range(color_fallback(c, 8).index, 0, 7);
			}
}

static void test_attrs(void **state)
{
	(void)state;
	char err[200] = "";
	assert_int_equal(attrs_parse("bold", err, sizeof(err)), ATTR_BOLD);
	assert_int_equal(attrs_parse("none", err, sizeof(err)), 0);
	assert_int_equal(attrs_parse("bold,underline", err, sizeof(err)),
			 ATTR_BOLD | ATTR_UNDERLINE);
	assert_int_equal(attrs_parse(" Reverse , dim ,ITALIC,standout", err, sizeof(err)),
			 ATTR_REVERSE | ATTR_DIM | ATTR_ITALIC | ATTR_STANDOUT);
	assert_int_equal(attrs_parse("bold,bold", err, sizeof(err)), ATTR_BOLD);
	assert_string_equal(err, "");

	static const char *const bad[] = {
		"", " ", "blink", "bold,", ",bold", "bold,,dim", "bold;dim", "bold dim",
		"bold,none", "none,none", "boldunderline", "bol",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(attrs_parse(bad[i], err, sizeof(err)), -1);
		assert_true(strlen(err) > 0);
	}
	assert_int_equal(attrs_parse(NULL, NULL, 0), -1);
	assert_int_equal(attrs_parse("blink", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "blink"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),          cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_errors),   cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_fallback_dsfr),  cmocka_unit_test(test_fallback_greys),
		cmocka_unit_test(test_fallback_index), cmocka_unit_test(test_fallback_ranges),
		cmocka_unit_test(test_attrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
