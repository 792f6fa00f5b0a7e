/* Unit tests: netstrings (src/core/netstring.c) and baresip's ctrl_tcp
 * messages (src/client/softphone_msg.c), on the texts baresip 1.0.0 sent
 * in a real call: frames in any cuts, bad framing, events and answers,
 * `listcalls` and `callstat`, and the caller's number in every form. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>

#include "client/softphone_msg.h"
#include "core/netstring.h"

static const char INCOMING[] =
	"{\"event\": true, \"type\": \"CALL_INCOMING\", \"class\": \"call\", \"accountaor\": "
	"\"sip:agent@127.0.0.1\", \"direction\": \"incoming\", \"peeruri\": "
	"\"sip:0612345678@127.0.0.1:15070\", \"peerdisplayname\": \"Jeanne Martin\", \"id\": "
	"\"1-1810@127.0.0.1\", \"param\": \"sip:0612345678@127.0.0.1:15070\"}";
static const char LISTCALLS[] =
	"\n--- Active calls (2) ---\n> [line 1]  0:01:05  ESTABLISHED             "
	"sip:0612345678@127.0.0.1:15070\n  [line 2]  0:00:00   INCOMING             "
	"sip:+33145454545@127.0.0.1:15071\n\n";

static void frames_in_any_cut(void **state)
{
	(void)state;
	char wire[4096];
	size_t n = netstring_encode(INCOMING, strlen(INCOMING), wire, sizeof(wire));
	assert_true(n > strlen(INCOMING));
	memcpy(wire + n, "2:{},", 5); /* a second frame right behind */
	n += 5;
	for (size_t cut = 1; cut <= n; cut++) {
		struct netstring_reader r;
		netstring_init(&r, 4096);
		const char *f;
		size_t len, got = 0;
		for (size_t at = 0; at < n; at += cut) {
			assert_int_equal(netstring_feed(&r, wire + at, at + cut > n ? n - at : cut), 0);
			enum netstring_got g;
			while ((g = netstring_next(&r, &f, &len)) == NETSTRING_FRAME) {
				if (got == 0)
					assert_memory_equal(f, INCOMING, strlen(INCOMING));
				else
					assert_memory_equal(f, "{}", 2);
				got++;
			}
			assert_int_equal(g, NETSTRING_MORE);
		}
		assert_int_equal(got, 2);
		netstring_free(&r);
	}
}

static void bad_framing(void **state)
{
	(void)state;
	static const char *const bad[] = { "x:", "3:abc;", "01:a,", ":a,", "12345678:", "-1:a," };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct netstring_reader r;
		const char *f;
		size_t len;
		netstring_init(&r, 1000);
		netstring_feed(&r, bad[i], strlen(bad[i]));
		if (netstring_next(&r, &f, &len) != NETSTRING_BAD)
			fail_msg("\"%s\" read as a frame or more to come", bad[i]);
		assert_true(r.why[0] != '\0');
		netstring_free(&r);
	}
	/* longer than the reader takes: refused from the length, before the bytes come */
	struct netstring_reader r;
	const char *f;
	size_t len;
	netstring_init(&r, 10);
	netstring_feed(&r, "11:", 3);
	assert_int_equal(netstring_next(&r, &f, &len), NETSTRING_BAD);
	netstring_reset(&r);
	netstring_feed(&r, "0:,", 3);
	assert_int_equal(netstring_next(&r, &f, &len), NETSTRING_FRAME);
	assert_int_equal(len, 0);
	netstring_free(&r);
}

static void an_event(void **state)
{
	(void)state;
	struct sp_msg m;
	char why[100];
	assert_int_equal(sp_msg_parse(INCOMING, strlen(INCOMING), &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, SP_EVENT);
	assert_string_equal(m.type, "CALL_INCOMING");
	assert_string_equal(m.id, "1-1810@127.0.0.1");
	assert_string_equal(m.peername, "Jeanne Martin");
	assert_string_equal(m.direction, "incoming");
}

static void an_answer(void **state)
{
	(void)state;
	struct sp_msg m;
	char why[100];
	const char *a = "{\"response\": true, \"ok\": false, \"data\": \"command not found (accept)\\n\", "
			"\"token\": \"7\"}";
	assert_int_equal(sp_msg_parse(a, strlen(a), &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, SP_RESPONSE);
	assert_false(m.ok);
	assert_string_equal(m.token, "7");
	assert_string_equal(m.data, "command not found (accept)\n");
}

static void not_messages(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "[]", "{\"x\":1}", "{\"event\":true,\"type\":3}", "{\"response\":true,\"ok\":\"yes\"}",
		"{\"event\":true,\"event\":true}", "{\"event\":true,\"id\":\"\xff\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sp_msg m;
		char why[100] = "";
		if (sp_msg_parse(bad[i], strlen(bad[i]), &m, why, sizeof(why)) != -1)
			fail_msg("\"%s\" read as a message", bad[i]);
		assert_true(why[0] != '\0');
	}
	/* a long name is cut on a character boundary, never mid-character */
	char big[1200] = "{\"event\":true,\"peerdisplayname\":\"";
	for (int i = 0; i < 200; i++)
		strcat(big, "é");
	strcat(big, "\"}");
	struct sp_msg m;
	char why[100];
	assert_int_equal(sp_msg_parse(big, strlen(big), &m, why, sizeof(why)), 0);
	assert_true(strlen(m.peername) < sizeof(m.peername));
	assert_int_equal(strlen(m.peername) % 2, 0);
}

static void listcalls(void **state)
{
	(void)state;
	struct sp_line l[4];
	assert_int_equal(sp_listcalls_parse(LISTCALLS, l, 4), 2);
	assert_true(l[0].current);
	assert_int_equal(l[0].line, 1);
	assert_int_equal(l[0].seconds, 65);
	assert_string_equal(l[0].state, "ESTABLISHED");
	assert_string_equal(l[0].peeruri, "sip:0612345678@127.0.0.1:15070");
	assert_false(l[1].current);
	assert_string_equal(l[1].state, "INCOMING");
	assert_int_equal(sp_listcalls_parse("\n--- Active calls (0) ---\n\n", l, 4), 0);
	assert_int_equal(sp_listcalls_parse("command not found", l, 4), -1);
	assert_int_equal(sp_listcalls_parse(LISTCALLS, l, 1), 1); /* bounded */
}

static void callstat(void **state)
{
	(void)state;
	char id[128];
	const char *cs = "\n===== Call debug (ESTABLISHED) =====\n local_uri:  <sip:agent@127.0.0.1:15060>\n"
			 " af=AF_INET id=1-1810@127.0.0.1\n direction: Incoming\n";
	assert_int_equal(sp_callstat_id(cs, id, sizeof(id)), 0);
	assert_string_equal(id, "1-1810@127.0.0.1");
	assert_int_equal(sp_callstat_id("(no active calls)", id, sizeof(id)), -1);
}

static void numbers(void **state)
{
	(void)state;
	static const char *const same[] = {
		"sip:0612345678@127.0.0.1:15070", "sip:+33612345678@pbx.example;user=phone",
		"tel:+33612345678", "sip:0033612345678@pbx", "Jeanne <sip:06%2012%2034%2056%2078@pbx>",
		"tel:06-12-34-56-78", "sips:+33612345678@pbx",
	};
	char out[17];
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		if (sp_uri_number(same[i], out) != 0)
			fail_msg("%s: not a number", same[i]);
		assert_string_equal(out, "+33612345678");
	}
	assert_int_equal(sp_uri_number("sip:agent@127.0.0.1", out), -1);
	assert_int_equal(sp_uri_number("sip:@pbx", out), -1);
	assert_int_equal(sp_uri_number("", out), -1);
}

static void command_frame(void **state)
{
	(void)state;
	char out[256];
	size_t n = sp_command_frame("transfer", "sip:+33145454545@pbx", "12", out, sizeof(out));
	const char *want = "{\"command\":\"transfer\",\"params\":\"sip:+33145454545@pbx\",\"token\":\"12\"}";
	char head[16];
	snprintf(head, sizeof(head), "%zu:", strlen(want));
	assert_int_equal(n, strlen(head) + strlen(want) + 1);
	assert_memory_equal(out, head, strlen(head));
	assert_memory_equal(out + strlen(head), want, strlen(want));
	assert_int_equal(out[n - 1], ',');
	assert_int_equal(sp_command_frame("dial", "x", "1", out, 10), 0); /* does not fit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frames_in_any_cut), cmocka_unit_test(bad_framing),
		cmocka_unit_test(an_event),          cmocka_unit_test(an_answer),
		cmocka_unit_test(not_messages),      cmocka_unit_test(listcalls),
		cmocka_unit_test(callstat),          cmocka_unit_test(numbers),
		cmocka_unit_test(command_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
