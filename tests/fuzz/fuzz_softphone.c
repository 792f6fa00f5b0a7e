/* libFuzzer target: what the desk reads from baresip's ctrl_tcp socket —
 * netstring framing (src/core/netstring.c), then each frame as an event
 * or an answer (src/client/softphone_msg.c), `listcalls` and `callstat`
 * texts, and the caller's number in the peer URI.
 *
 * Input layout: byte 0 picks the chunk size the stream is cut into (as a
 * socket would), byte 1 the reader's maximum frame; the rest is the
 * stream.  Checked on every input:
 *   - whole or in chunks, the same frames in the same order, and the same
 *     verdict at the end (compared by a hash);
 *   - no frame is longer than the reader's maximum;
 *   - every string of a message is NUL-terminated inside its field and
 *     valid UTF-8 (cut on a character boundary);
 *   - a number read from a URI is E.164: "+" and 8 to 15 digits;
 *   - `listcalls` lines are bounded and their fields terminated. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/softphone_msg.h"
#include "core/netstring.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELD_OK(f) check_field((f), sizeof(f))

static void check_field(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap || !text_utf8_valid(s, n))
		abort();
}

static void check_number(const char *uri)
{
	char out[17];
	if (sp_uri_number(uri, out) != 0)
		return;
	size_t n = strlen(out);
	if (out[0] != '+' || n < 9 || n > 16 || strspn(out + 1, "0123456789") != n - 1)
		abort();
}

static void check_msg(const char *f, size_t n)
{
	static struct sp_msg m; /* 9 KiB */
	char why[128];
	if (sp_msg_parse(f, n, &m, why, sizeof(why)) != 0) {
		if (!why[0])
			abort();
		return;
	}
	FIELD_OK(m.type), FIELD_OK(m.klass), FIELD_OK(m.id), FIELD_OK(m.direction);
	FIELD_OK(m.peeruri), FIELD_OK(m.peername), FIELD_OK(m.param), FIELD_OK(m.token);
	FIELD_OK(m.data);
	check_number(m.peeruri);
	struct sp_line lines[4];
	int k = sp_listcalls_parse(m.data, lines, 4);
	if (k > 4)
		abort();
	for (int i = 0; i < k; i++) {
		FIELD_OK(lines[i].state), FIELD_OK(lines[i].peeruri);
		if (lines[i].seconds < 0)
			abort();
		check_number(lines[i].peeruri);
	}
	char id[128];
	if (sp_callstat_id(m.data, id, sizeof(id)) == 0 && strnlen(id, sizeof(id)) == sizeof(id))
		abort();
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

/* Read the stream in chunks of `cut` bytes: the hash of the frames. */
static uint64_t run(const uint8_t *s, size_t n, size_t cut, size_t max, bool check)
{
	struct netstring_reader r;
	uint64_t h = 14695981039346656037u;
	enum netstring_got g = NETSTRING_MORE;
	netstring_init(&r, max);
	for (size_t at = 0; at < n && g != NETSTRING_BAD; at += cut) {
		if (netstring_feed(&r, s + at, at + cut > n ? n - at : cut) < 0)
			abort();
		const char *f;
		size_t len;
		while ((g = netstring_next(&r, &f, &len)) == NETSTRING_FRAME) {
			if (len > max)
				abort();
			h = mix(h, &len, sizeof(len));
			h = mix(h, f, len);
			if (check)
				check_msg(f, len);
		}
	}
	h = mix(h, &g, sizeof(g));
	netstring_free(&r);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t cut = (size_t)data[0] % 64 + 1, max = (size_t)data[1] * 64;
	const uint8_t *s = data + 2;
	size_t n = size - 2;
	if (run(s, n, n ? n : 1, max, true) != run(s, n, cut, max, false))
		abort();
	return 0;
}
