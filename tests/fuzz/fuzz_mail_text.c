/* libFuzzer target: one e-mail message through mail_text_parse (built-in
 * HTML stripper, no filter).  Checks that whatever the bytes, every string
 * of the result is valid UTF-8 holding no ESC, no other C0 control but the
 * body's line breaks, no DEL and no C1 control, and that neither the
 * reply draft made from it nor the message sent from that draft has a
 * header line the citizen's text could have added. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/mail_text.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	check(text_utf8_valid(s, n));
	for (size_t i = 0; i < n; i++) {
		check(p[i] != 0x1b && p[i] != 0x7f);
		check(p[i] >= 0x20 || p[i] == '\n');
		if (p[i] == 0xC2 && i + 1 < n)
			check(p[i + 1] < 0x80 || p[i + 1] > 0x9F);
	}
}

static void check_value(const json_t *v, int depth)
{
	check(depth < 4);
	if (json_is_string(v)) {
		check_string(json_string_value(v));
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			check_value(json_array_get(v, i), depth + 1);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)v, k, e) {
			check(!json_is_string(e) || strchr(json_string_value(e), '\n') == NULL
			      || strcmp(k, "body") == 0);
			check_value(e, depth + 1);
		}
	}
}

/* The draft's headers are exactly the ones it writes, one line each. */
static void check_draft(const char *d)
{
	static const char *const names[] = {"From: ", "To: ", "Subject: ", "In-Reply-To: ",
					    "References: ", NULL};
	const char *p = d;
	while (*p && *p != '\n') {
		bool known = false;
		for (int i = 0; names[i]; i++)
			known = known || strncmp(p, names[i], strlen(names[i])) == 0;
		check(known);
		p = strchr(p, '\n');
		check(p != NULL);
		p++;
	}
}

/* The message sent from the draft has only the headers finish_draft
 * writes, each line of them a known header or a folded continuation. */
static void check_sent(const char *d)
{
	static const char *const names[] = {"From: ", "To: ", "Cc: ", "Bcc: ", "Subject: ",
		"In-Reply-To: ", "References: ", "Date: ", "Message-ID: ", "MIME-Version: ",
		"Content-Type: ", "Content-Transfer-Encoding: ", NULL};
	char id[256], err[256];
	size_t n = 0;
	char *m = mail_text_finish_draft(d, strlen(d), id, &n, err, sizeof(err));
	if (!m)
		return;
	check(n == strlen(m) && strncmp(id, "<guichet.", 9) == 0);
	for (const char *p = m; *p != '\n'; p = strchr(p, '\n') + 1) {
		bool known = *p == ' ';
		for (int i = 0; names[i] && !known; i++)
			known = strncmp(p, names[i], strlen(names[i])) == 0;
		check(known && strchr(p, '\n') != NULL);
		for (const char *c = p; *c != '\n'; c++)
			check((unsigned char)*c >= 0x20 && *c != 0x7f);
	}
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct mail_text_opts o = {.body_max = 4096};
	json_t *j = mail_text_parse((const char *)data, size, &o, err, sizeof(err));
	if (!j)
		return 0;
	check_value(j, 0);
	check(json_array_size(json_object_get(j, "attachments")) <= MAIL_TEXT_ATTACHMENTS_MAX);
	check(json_array_size(json_object_get(j, "references")) <= MAIL_TEXT_REFERENCES_MAX);
	check(strlen(json_string_value(json_object_get(j, "body"))) <= 4096 + strlen("\n[…]"));
	char *d = mail_text_reply_draft(j, "Mairie <etat-civil@mairie.example>", "Bonjour,");
	if (d) {
		check_draft(d);
		check_sent(d);
	}
	free(d);
	json_decref(j);
	return 0;
}
