/* Reading baresip's ctrl_tcp messages (see softphone_msg.h). */
#include "client/softphone_msg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "core/model.h"
#include "core/netstring.h"

/* Copy member k of o into out when it is a string (cut to fit); -1 when it
 * is there with another type. */
static int take(const json_t *o, const char *k, char *out, size_t n)
{
	const json_t *v = json_object_get(o, k);
	out[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	size_t len = json_string_length(v);
	if (len >= n) { /* cut on a character boundary */
		len = n - 1;
		const char *s = json_string_value(v);
		while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(out, json_string_value(v), len);
	out[len] = '\0'; /* a "\u0000" inside ends the string there */
	return 0;
}

static int parse_event(const json_t *o, struct sp_msg *m)
{
	m->kind = SP_EVENT;
	return take(o, "type", m->type, sizeof(m->type)) | take(o, "class", m->klass, sizeof(m->klass)) |
	       take(o, "id", m->id, sizeof(m->id)) |
	       take(o, "direction", m->direction, sizeof(m->direction)) |
	       take(o, "peeruri", m->peeruri, sizeof(m->peeruri)) |
	       take(o, "peerdisplayname", m->peername, sizeof(m->peername)) |
	       take(o, "param", m->param, sizeof(m->param));
}

static int parse_response(const json_t *o, struct sp_msg *m)
{
	const json_t *ok = json_object_get(o, "ok");
	m->kind = SP_RESPONSE;
	if (ok && !json_is_boolean(ok))
		return -1;
	m->ok = json_is_true(ok);
	return take(o, "token", m->token, sizeof(m->token)) | take(o, "data", m->data, sizeof(m->data));
}

int sp_msg_parse(const char *frame, size_t n, struct sp_msg *m, char *why, size_t whylen)
{
	json_error_t e;
	memset(m, 0, sizeof(*m));
	json_t *o = json_loadb(frame, n, JSON_REJECT_DUPLICATES, &e);
	int rc = -1;
	if (!json_is_object(o)) {
		snprintf(why, whylen, "not a JSON object: %s", o ? "another value" : e.text);
	} else if (json_is_true(json_object_get(o, "event")) ||
		   json_is_true(json_object_get(o, "response"))) {
		rc = json_is_true(json_object_get(o, "event")) ? parse_event(o, m)
							      : parse_response(o, m);
		if (rc < 0)
			snprintf(why, whylen, "a member has the wrong type");
	} else {
		snprintf(why, whylen, "neither an event nor a response");
	}
	json_decref(o);
	return rc;
}

/* --- the menu module's texts ------------------------------------------------------ */

/* "H:MM:SS" at *p: seconds, p moved past it; -1 when it is not a duration. */
static long duration(const char **p)
{
	long h, mn, s;
	int used = 0;
	if (sscanf(*p, "%3ld:%2ld:%2ld%n", &h, &mn, &s, &used) != 3 || h < 0 || mn < 0 || mn > 59 ||
	    s < 0 || s > 59)
		return -1;
	*p += used;
	return h * 3600 + mn * 60 + s;
}

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Copy the next word at p (up to a blank or the end of the line). */
static const char *word(const char *p, char *out, size_t n)
{
	size_t i = 0;
	for (; *p && *p != ' ' && *p != '\t' && *p != '\n'; p++)
		if (i + 1 < n)
			out[i++] = *p;
	out[i] = '\0';
	return p;
}

static int one_line(const char *p, struct sp_line *l)
{
	memset(l, 0, sizeof(*l));
	p = skip_blank(p);
	if (*p == '>') {
		l->current = true;
		p = skip_blank(p + 1);
	}
	int used = 0;
	if (sscanf(p, "[line %d]%n", &l->line, &used) != 1 || used == 0 || l->line < 0)
		return -1;
	p = skip_blank(p + used);
	if ((l->seconds = duration(&p)) < 0)
		return -1;
	p = word(skip_blank(p), l->state, sizeof(l->state));
	word(skip_blank(p), l->peeruri, sizeof(l->peeruri));
	return l->state[0] && l->peeruri[0] ? 0 : -1;
}

int sp_listcalls_parse(const char *data, struct sp_line *lines, int max)
{
	int n = 0;
	bool heading = false;
	for (const char *p = data; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char line[600];
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		if (strstr(line, "--- Active calls"))
			heading = true;
		else if (heading && *skip_blank(line) && n < max && one_line(line, &lines[n]) == 0)
			n++;
		p = end ? end + 1 : p + len;
	}
	return heading ? n : -1;
}

int sp_callstat_id(const char *data, char *id, size_t n)
{
	const char *p = strstr(data, " id=");
	if (!p || n == 0)
		return -1;
	word(p + 4, id, n);
	return id[0] ? 0 : -1;
}

/* --- numbers ------------------------------------------------------------------------- */

int sp_uri_number(const char *uri, char out[17])
{
	char user[64];
	const char *p = uri, *lt = strchr(uri, '<');
	if (lt) /* "Name <sip:…>" */
		p = lt + 1;
	if (strncmp(p, "sips:", 5) == 0)
		p += 5;
	else if (strncmp(p, "sip:", 4) == 0 || strncmp(p, "tel:", 4) == 0)
		p += 4;
	size_t n = strcspn(p, "@;>?");
	if (n == 0 || n >= sizeof(user))
		return -1;
	/* %20 for the spaces some phones put in a dialled number */
	size_t j = 0;
	for (size_t i = 0; i < n && j + 1 < sizeof(user); i++) {
		if (p[i] == '%' && i + 2 < n && p[i + 1] == '2' && p[i + 2] == '0') {
			user[j++] = ' ';
			i += 2;
		} else {
			user[j++] = p[i];
		}
	}
	user[j] = '\0';
	return model_phone_e164(user, out);
}

size_t sp_command_frame(const char *command, const char *params, const char *token, char *out,
			size_t cap)
{
	json_t *o = json_pack("{ssssss}", "command", command, "params", params ? params : "",
			      "token", token);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t n = s ? netstring_encode(s, strlen(s), out, cap) : 0;
	free(s);
	json_decref(o);
	return n;
}
