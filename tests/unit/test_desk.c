/* Unit tests of the desk without its screens: the command table and its
 * dispatcher (errors back to their source, preconditions, free text),
 * key tables with their global fallback, options, the work list's order
 * and countdowns, template placeholders, other agents' collision marks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/command.h"
#include "client/desk.h"
#include "client/keymap.h"
#include "client/keyspec.h"
#include "client/options.h"
#include "client/template.h"
#include "client/viewing.h"
#include "client/worklist.h"

static int setup(void **state)
{
	*state = desk_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	desk_free(*state);
	return 0;
}

static void test_dispatch_errors(void **state)
{
	struct desk *d = *state;
	char err[256];
	assert_int_equal(cmd_run(d, "", "t", err, sizeof(err)), 0);
	assert_int_equal(cmd_run(d, "   # a comment", "t", err, sizeof(err)), 0);
	assert_int_equal(cmd_run(d, "frobnicate", "t", err, sizeof(err)), -1);
	assert_string_equal(err, "commande inconnue : frobnicate");
	assert_int_equal(cmd_run(d, "bind global", "t", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "usage : bind SCREEN KEY COMMAND"));
	/* preconditions come from the table */
	assert_int_equal(cmd_run(d, "note bonjour", "t", err, sizeof(err)), -1);
	assert_string_equal(err, "note : ouvrez d'abord un dossier");
	assert_int_equal(cmd_run(d, "say bonjour", "t", err, sizeof(err)), -1);
	assert_string_equal(err, "say : ouvrez d'abord un chat");
	assert_int_equal(cmd_run(d, "prompt", "t", err, sizeof(err)), -1);
	assert_string_equal(err, "prompt : seulement à l'écran");
}

static void test_moves(void **state)
{
	struct desk *d = *state;
	char err[256];
	json_t *cases = json_pack("[{sIss}{sIss}{sIss}]", "id", (json_int_t)1, "due_at",
				  "2026-11-30T10:00:00Z", "id", (json_int_t)2, "due_at",
				  "2026-11-01T10:00:00Z", "id", (json_int_t)3, "due_at",
				  "2026-11-20T10:00:00Z");
	store_list_set(d->store, "mine", cases, NULL);
	worklist_build(d);
	assert_int_equal(desk_list_len(d, SCREEN_WORKLIST), 3);
	/* by due date: the overdue first */
	json_t *first = json_object_get(desk_selected(d), "case");
	assert_int_equal(json_integer_value(json_object_get(first, "id")), 2);
	assert_int_equal(cmd_run(d, "down", "key", err, sizeof(err)), 0);
	assert_int_equal(cmd_run(d, "bottom", "key", err, sizeof(err)), 0);
	assert_int_equal(d->cur[SCREEN_WORKLIST].selected, 2);
	assert_int_equal(cmd_run(d, "down", "key", err, sizeof(err)), 0); /* clamped */
	assert_int_equal(d->cur[SCREEN_WORKLIST].selected, 2);
	/* an offer goes before every case, and the selection stays on its item */
	store_list_set(d->store, "offers", json_pack("[{sssI}]", "kind", "chat", "id", (json_int_t)9),
		       NULL);
	worklist_build(d);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(d->worklist, 0), "kind")),
			    "offer");
	assert_int_equal(d->cur[SCREEN_WORKLIST].selected, 3);
	/* an offer past its expiry has gone to someone else */
	d->now = 1795000000;
	json_array_append_new(desk_items(d, "offers"), json_pack("{sssIss}", "kind", "call", "id", (json_int_t)4,
						   "expires_at", "2026-01-01T00:00:00Z"));
	worklist_build(d);
	assert_int_equal(json_array_size(desk_items(d, "offers")), 1);
	assert_int_equal(desk_list_len(d, SCREEN_WORKLIST), 4);
	assert_int_equal(cmd_run(d, "help", "key", err, sizeof(err)), 0);
	assert_int_equal(d->screen, SCREEN_HELP);
	assert_int_equal(cmd_run(d, "back", "key", err, sizeof(err)), 0);
	assert_int_equal(d->screen, SCREEN_WORKLIST);
}

static void test_countdown(void **state)
{
	(void)state;
	char buf[32];
	assert_true(worklist_countdown(1000, 1000 + 3 * 86400 + 5, buf, sizeof(buf)));
	assert_string_equal(buf, "retard 3 j");
	assert_false(worklist_countdown(1000 + 86400 + 4 * 3600, 1000, buf, sizeof(buf)));
	assert_string_equal(buf, "1 j 4 h");
	assert_false(worklist_countdown(1000 + 5 * 3600 + 600, 1000, buf, sizeof(buf)));
	assert_string_equal(buf, "5 h 10");
	assert_true(worklist_countdown(1000, 1000 + 45 * 60, buf, sizeof(buf)));
	assert_string_equal(buf, "retard 45 min");
}

static void test_keymap(void **state)
{
	struct desk *d = *state;
	char err[256];
	int j, x;
	assert_int_equal(keyspec_parse("j", &j, err, sizeof(err)), 0);
	assert_int_equal(keyspec_parse("C-x", &x, err, sizeof(err)), 0);
	assert_int_equal(cmd_run(d, "bind global j down", "rc", err, sizeof(err)), 0);
	assert_int_equal(cmd_run(d, "bind case j \"prompt note\"", "rc", err, sizeof(err)), 0);
	assert_string_equal(keymap_lookup(d->keys, SCREEN_CASE, j), "prompt note");
	assert_string_equal(keymap_lookup(d->keys, SCREEN_CITIZEN, j), "down"); /* fallback */
	assert_null(keymap_lookup(d->keys, SCREEN_CITIZEN, x));
	assert_int_equal(cmd_run(d, "bind global C-x nothing", "rc", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "commande inconnue"));
	assert_int_equal(cmd_run(d, "bind nowhere j down", "rc", err, sizeof(err)), -1);
	assert_string_equal(err, "écran inconnu : nowhere");
	assert_int_equal(cmd_run(d, "unbind case j", "rc", err, sizeof(err)), 0);
	assert_string_equal(keymap_lookup(d->keys, SCREEN_CASE, j), "down");
	assert_int_equal(cmd_run(d, "unbind case j", "rc", err, sizeof(err)), -1);
}

static void test_options(void **state)
{
	struct desk *d = *state;
	char err[256];
	assert_string_equal(options_get(d->opts, "notify"), "bell");
	assert_int_equal(cmd_run(d, "set notify osc777", "rc", err, sizeof(err)), 0);
	assert_string_equal(options_get(d->opts, "notify"), "osc777");
	assert_int_equal(cmd_run(d, "set notify carrier-pigeon", "rc", err, sizeof(err)), -1);
	assert_string_equal(options_get(d->opts, "notify"), "osc777");
	assert_int_equal(cmd_run(d, "set history-size 99999", "rc", err, sizeof(err)), -1);
	assert_int_equal(cmd_run(d, "set shoe-size 42", "rc", err, sizeof(err)), -1);
	assert_string_equal(err, "option inconnue : shoe-size");
}

/* A script with a bad line: the error names file and line, the rest runs. */
static void test_source(void **state)
{
	struct desk *d = *state;
	char path[] = "/tmp/guichet-rc-XXXXXX", err[512];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *rc = "set theme dsfr\nbind global z nosuch\nset notify none\n";
	assert_int_equal(write(fd, rc, strlen(rc)), (int)strlen(rc));
	close(fd);
	char line[600];
	snprintf(line, sizeof(line), "source %s", path);
	assert_int_equal(cmd_run(d, line, "prompt", err, sizeof(err)), -1);
	char want[600];
	snprintf(want, sizeof(want), "%s:2: bind : commande inconnue « nosuch »", path);
	assert_string_equal(err, want);
	assert_string_equal(options_get(d->opts, "theme"), "dsfr");
	assert_string_equal(options_get(d->opts, "notify"), "none"); /* line 3 still ran */
	unlink(path);
}

static void test_template(void **state)
{
	struct desk *d = *state;
	char out[256];
	store_put(d->store, STORE_CASE,
		  json_pack("{sIssssss}", "id", (json_int_t)7, "ref", "2026-000123", "citizen_name",
			    "Zoé Lœuvre", "due_at", "2026-07-15T15:30:00Z"));
	d->case_id = 7;
	template_expand(d, "Bonjour {citizen.name}, dossier {case.ref} avant le {case.due}. {x.y}",
			out, sizeof(out));
	assert_string_equal(out, "Bonjour Zoé Lœuvre, dossier 2026-000123 avant le 15/07/2026. {x.y}");
	store_list_set(d->store, "templates",
		       json_pack("[{ssss}]", "name", "merci", "body", "Merci {citizen.name} !"), NULL);
	assert_int_equal(template_fill(d, "merci", out, sizeof(out)), 0);
	assert_string_equal(out, "Merci Zoé Lœuvre !");
	assert_int_equal(template_fill(d, "absent", out, sizeof(out)), -1);
	char small[10]; /* room for "Merci Zo" and half of "é" */
	assert_int_equal(template_fill(d, "merci", small, sizeof(small)), 0);
	assert_string_equal(small, "Merci Zo");
}

/* A "viewing" event as guichetd sends it. */
static void mark(struct desk *d, const char *type, int id, const char *who, const char *mode,
		 const char *expires)
{
	json_t *ev = json_pack("{sssissssss}", "target", type, "id", id, "agent", who, "mode", mode,
			       "expires_at", expires);
	viewing_event(d, ev);
	json_decref(ev);
}

/* "envoi…" in the status bar is what the agent waits for: a read ahead
 * of the timeline or a collision mark keeps the desk busy for a script,
 * but must not make the status bar blink at every page-down. */
static void test_sending_is_not_reading_ahead(void **state)
{
	struct desk *d = *state;
	assert_false(desk_busy(d));
	d->quiet = 1;
	assert_true(desk_busy(d));
	assert_false(desk_sending(d));
	d->pending = 1;
	assert_true(desk_sending(d));
	d->quiet = d->pending = 0;
}

static void test_viewing(void **state)
{
	struct desk *d = *state;
	char buf[128];
	snprintf(d->login, sizeof(d->login), "alice");
	d->now = 1794995200; /* 2026-11-18T09:46:40Z */
	mark(d, "case", 7, "sophie", "writing", "2026-11-18T09:48:00Z");
	mark(d, "case", 7, "karim", "viewing", "2026-11-18T09:48:00Z");
	mark(d, "case", 7, "alice", "viewing", "2026-11-18T09:48:00Z"); /* mine: not shown */
	mark(d, "citizen", 7, "lucie", "viewing", "2026-11-18T09:48:00Z");
	assert_int_equal(viewing_describe(d, "case", 7, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "sophie (écrit), karim");
	mark(d, "case", 7, "sophie", "viewing", "2026-11-18T09:48:00Z"); /* replaces, not adds */
	assert_int_equal(viewing_describe(d, "case", 7, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "karim, sophie");
	mark(d, "case", 7, "karim", "left", "2026-11-18T09:46:40Z");
	assert_int_equal(viewing_describe(d, "case", 7, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "sophie");
	d->now += 3600; /* a desk that died: its mark expires */
	assert_int_equal(viewing_describe(d, "case", 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	json_t *list = json_pack("[{ssssss}]", "login", "nadia", "mode", "writing", "expires_at",
				 "2026-11-18T11:00:00Z");
	viewing_answer(d, "case", 7, list);
	json_decref(list);
	assert_int_equal(viewing_describe(d, "case", 7, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "nadia (écrit)");
	char tiny[8];
	viewing_describe(d, "case", 7, tiny, sizeof(tiny)); /* cut, still a string */
	assert_true(strlen(tiny) < sizeof(tiny));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dispatch_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moves, setup, teardown),
		cmocka_unit_test(test_countdown),
		cmocka_unit_test_setup_teardown(test_keymap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_viewing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sending_is_not_reading_ahead, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
