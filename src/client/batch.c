/* Headless mode (see batch.h).  Each command gets a job; the loop turns
 * until the job is done; its result is printed in the chosen format.
 * Every string printed is sanitized first: a citizen's name or a chat
 * message never puts a control sequence on the terminal of whoever reads
 * the output. */
#include "client/batch.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/command.h"
#include "client/i18n.h"
#include "client/job.h"
#include "client/line_in.h"
#include "client/outbox.h"
#include "client/sync.h"
#include "core/json_get.h"
#include "core/text.h"

#define LINE_MAX_LEN   4096
#define JOB_DEADLINE_S 45   /* a request times out after 30 s: this is after it */

int batch_format_parse(const char *s, enum batch_format *f)
{
	static const char *const names[] = { "json", "csv", "text" };
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum batch_format)i;
			return 0;
		}
	return -1;
}

/* --- making a result safe to print ------------------------------------------------ */

/* Sanitize every string of v in place (v is the printer's own copy). */
static void sanitize(json_t *v)
{
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_string(v)) {
		char *s = text_sanitize(json_string_value(v), json_string_length(v),
					TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS);
		if (s)
			json_string_set(v, s);
		else
			json_string_set(v, "");
		free(s);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) sanitize(x);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x) sanitize(x);
	}
}

/* --- columns for csv and text ----------------------------------------------------- */

struct columns {
	const char *command;       /* the command whose result this is */
	const char *const *names;  /* NULL-terminated */
};

static const char *const CASE_COLS[] = { "id", "ref", "status", "service", "assignee", "due_at",
					 "subject", NULL };
static const char *const CITIZEN_COLS[] = { "id", "given_name", "family_name", "birth_date",
					    "phones", "emails", NULL };
static const char *const TIMELINE_COLS[] = { "at", "kind", "channel", "case_ref", "summary", NULL };
static const char *const OUTBOX_COLS[] = { "id", "kind", "what", "state", "attempts", "error",
					   NULL };

/* Which columns a command's result has; commands not named here print
 * the scalar members of their result. */
static const struct columns COLUMNS[] = {
	{ "cases", CASE_COLS },       { "open case", CASE_COLS },  { "new-case", CASE_COLS },
	{ "status", CASE_COLS },      { "assign", CASE_COLS },     { "transfer", CASE_COLS },
	{ "search", CITIZEN_COLS },   { "open citizen", CITIZEN_COLS },
	{ "timeline", TIMELINE_COLS }, { "outbox", OUTBOX_COLS },
};

static const char *const *columns_of(const char *line)
{
	for (size_t i = 0; i < sizeof(COLUMNS) / sizeof(COLUMNS[0]); i++) {
		size_t n = strlen(COLUMNS[i].command);
		if (strncmp(line, COLUMNS[i].command, n) == 0 && (line[n] == ' ' || !line[n]))
			return COLUMNS[i].names;
	}
	return NULL;
}

/* One field as text (out: n bytes); an array's members joined by spaces. */
static void field(const json_t *rec, const char *name, char *out, size_t n)
{
	const json_t *v = json_object_get(rec, name);
	out[0] = '\0';
	if (json_is_string(v))
		snprintf(out, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, n, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(out, n, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_array(v)) {
		size_t i, o = 0;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (json_is_string(x) && o < n)
				o += (size_t)snprintf(out + o, n - o, "%s%s", o ? " " : "",
						      json_string_value(x));
		}
	}
	/* a case event in a timeline has no summary: what happened instead */
	if (!out[0] && strcmp(name, "summary") == 0 && jstr(rec, "event")) {
		const json_t *data = json_object_get(rec, "data");
		snprintf(out, n, "%s %s", jstr(rec, "event"),
			 *jtext(data, "text") ? jtext(data, "text") : jtext(data, "to"));
	}
}

static void put_csv(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Text mode: one line per record, tab-separated, so tabs and newlines in
 * a value become spaces. */
static void put_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static void put_row(FILE *f, enum batch_format fmt, const json_t *rec, const char *const *cols)
{
	char buf[LINE_MAX_LEN];
	for (size_t i = 0; cols[i]; i++) {
		if (i)
			fputc(fmt == BATCH_CSV ? ',' : '\t', f);
		field(rec, cols[i], buf, sizeof(buf));
		(fmt == BATCH_CSV ? put_csv : put_text)(f, buf);
	}
	fputc('\n', f);
}

/* The scalar members of a record, for results without known columns. */
static size_t scalar_names(const json_t *rec, const char **names, size_t max)
{
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)rec, k, v) {
		if (n + 1 < max && !json_is_object(v) && !json_is_array(v))
			names[n++] = k;
	}
	names[n] = NULL;
	return n;
}

static void print_table(FILE *f, enum batch_format fmt, const char *line, const json_t *result)
{
	const char *own[64];
	const char *const *cols = columns_of(line);
	const json_t *first = json_is_array(result) ? json_array_get(result, 0) : result;
	if (!cols) {
		if (!json_is_object(first))
			return;
		scalar_names(first, own, sizeof(own) / sizeof(own[0]));
		cols = own;
	}
	if (fmt == BATCH_CSV) {
		for (size_t i = 0; cols[i]; i++)
			fprintf(f, "%s%s", i ? "," : "", cols[i]);
		fputc('\n', f);
	}
	if (json_is_object(result)) {
		put_row(f, fmt, result, cols);
		return;
	}
	size_t i;
	json_t *rec;
	json_array_foreach(result, i, rec) put_row(f, fmt, rec, cols);
}

/* --- one command ---------------------------------------------------------------- */

static int exit_of(enum job_why why)
{
	static const int codes[] = { [JOB_OK] = BATCH_OK, [JOB_FAILED] = BATCH_FAILED,
				     [JOB_AUTH] = BATCH_AUTH, [JOB_UNREACHABLE] = BATCH_UNREACHABLE };
	return codes[why];
}

static void command_name(const char *line, char *out, size_t n)
{
	size_t k = strcspn(line, " \t");
	snprintf(out, n, "%.*s", (int)k, line);
}

static void print_json(FILE *f, size_t lineno, const char *name, bool ok, json_t *result,
		       const char *error)
{
	json_t *rec = json_pack("{sIsssb}", "line", (json_int_t)lineno, "command", name, "ok", ok);
	if (!rec)
		return;
	if (ok)
		json_object_set(rec, "result", result ? result : json_null());
	else
		json_object_set_new(rec, "error", json_string(error));
	sanitize(rec);
	char *s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s)
		fprintf(f, "%s\n", s);
	free(s);
	json_decref(rec);
}

/* Wait for j with a deadline (the network's own timeouts come first). */
static void wait_job(struct desk *d, const struct job *j)
{
	time_t deadline = time(NULL) + JOB_DEADLINE_S;
	while (!j->done && time(NULL) < deadline)
		if (sync_turn(d, 200) < 0)
			break;
}

static int run_line(struct desk *d, const struct batch_args *b, size_t lineno, const char *line)
{
	char err[1024], source[32], name[64];
	struct job *j = job_new(d);
	if (!j) {
		fprintf(b->err, "guichet: %s\n", _("mémoire épuisée"));
		return BATCH_FAILED;
	}
	command_name(line, name, sizeof(name));
	snprintf(source, sizeof(source), "batch:%zu", lineno);
	d->message[0] = '\0';
	cmd_run_job(d, line, source, j, err, sizeof(err));
	wait_job(d, j);
	if (!j->done && j->why == JOB_OK) {
		j->why = JOB_UNREACHABLE;
		snprintf(j->error, sizeof(j->error), "%s", _("pas de réponse du serveur"));
	}
	int rc = exit_of(j->why);
	if (rc == BATCH_OK && j->cached)
		fprintf(b->err, "guichet: %zu: %s\n", lineno, _("hors ligne : réponse tirée du cache"));
	json_t *result = j->result ? json_deep_copy(j->result) : NULL;
	if (rc != BATCH_OK)
		print_json(b->err, lineno, name, false, NULL, j->error[0] ? j->error : err);
	else if (j->printed)
		; /* an export already on standard output: nothing to add to it */
	else if (b->format == BATCH_JSON)
		print_json(b->out, lineno, name, true, result, NULL);
	else if (result) {
		sanitize(result);
		print_table(b->out, b->format, line, result);
	}
	fflush(b->out);
	fflush(b->err); /* a script reads each answer as it comes, errors too */
	json_decref(result);
	job_unref(j);
	return rc;
}

/* --- the whole run --------------------------------------------------------------- */

static bool skip(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return !*line || *line == '#';
}

/* The outbox at the end: waited for when asked, then what is left said. */
static int finish(struct desk *d, const struct batch_args *b)
{
	if (!d->outbox)
		return BATCH_OK;
	time_t deadline = time(NULL) + (b->wait_s > 0 ? b->wait_s : 0);
	while (b->wait_s > 0 && outbox_waiting(d->outbox) && time(NULL) < deadline)
		if (sync_turn(d, 200) < 0)
			break;
	size_t left = outbox_waiting(d->outbox) + outbox_blocked(d->outbox);
	if (!left)
		return BATCH_OK;
	bool kept = outbox_durable(d->outbox);
	for (const struct outbox_entry *e = outbox_first(d->outbox); e; e = e->next) {
		char *what = text_sanitize(e->what, strlen(e->what), 0);
		fprintf(b->err, kept ? _("guichet : non envoyé (%s), gardé pour le prochain démarrage : %s\n")
				     : _("guichet : non envoyé (%s), perdu (en mémoire seulement) : %s\n"),
			OUTBOX_STATE_NAMES[e->state], what ? what : "");
		free(what);
	}
	return BATCH_QUEUED;
}

/* The lines of b->in_fd, each run as it comes: the loop turns between
 * them (the outbox retries, events arrive) however long the script waits. */
static int run_input(struct desk *d, const struct batch_args *b, size_t *lineno)
{
	struct line_in *in = malloc(sizeof(*in)); /* 64 KiB: not on the stack; freed here */
	char line[LINE_MAX_LEN + 1];
	int rc = BATCH_OK;
	if (!in || line_in_start(in, d->loop, b->in_fd, LINE_MAX_LEN) < 0) {
		fprintf(b->err, "guichet: %s\n", _("mémoire épuisée"));
		free(in);
		return BATCH_FAILED;
	}
	while (!d->quit) {
		enum line_in_got got = line_in_next(in, line, sizeof(line));
		if (got == LINE_IN_END)
			break;
		if (got == LINE_IN_NONE) {
			if (sync_turn(d, -1) < 0)
				break;
			continue;
		}
		++*lineno;
		int r = got == LINE_IN_TOO_LONG ? BATCH_FAILED
			: skip(line) ? BATCH_OK : run_line(d, b, *lineno, line);
		if (got == LINE_IN_TOO_LONG)
			print_json(b->err, *lineno, "", false, NULL,
				   _("ligne trop longue (4096 octets au plus)"));
		if (r && !rc)
			rc = r;
	}
	if (in->error)
		fprintf(b->err, "guichet: stdin: %s\n", strerror(in->error));
	line_in_stop(in);
	free(in);
	return rc;
}

/* What start-up had to say (the outbox brought back, a cache set aside),
 * before the first command clears it. */
static void say_start(struct desk *d, const struct batch_args *b)
{
	if (!d->message[0])
		return;
	char *m = text_sanitize(d->message, strlen(d->message), 0);
	fprintf(b->err, "guichet: %s\n", m ? m : "");
	free(m);
}

int batch_run(struct desk *d, const struct batch_args *b)
{
	int rc = BATCH_OK;
	size_t lineno = 0;
	say_start(d, b);
	for (size_t i = 0; i < b->nlines && !d->quit; i++) {
		int r = run_line(d, b, ++lineno, b->lines[i]);
		if (r && !rc)
			rc = r; /* the first failure says why */
	}
	if (b->in_fd >= 0 && !d->quit) {
		int r = run_input(d, b, &lineno);
		if (r && !rc)
			rc = r;
	}
	int q = finish(d, b);
	return rc ? rc : q;
}
