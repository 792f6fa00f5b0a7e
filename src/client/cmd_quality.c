/* `quality export`: the published quality results (GET /public/v1/quality)
 * written as CSV (RFC 4180) or JSON, to a file or, headless, to standard
 * output — what a town hall puts on its web site each month.  The answer is
 * already aggregated and small counts hidden by guichetd: the desk only
 * lays it out, it never computes a figure itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/net.h"
#include "core/model.h"
#include "core/text.h"

/* The CSV columns, in order: the month, then the members of a service's
 * row as GET /public/v1/quality names them. */
static const char *const COLS[] = {
	"month", "service", "name", "cases_opened", "cases_closed", "answered_in_delay_share",
	"calls", "calls_picked_up_share", "chats", "chats_answered_share", "response_time_avg_s",
	"csat_avg", "csat_answers", "nps", "nps_answers", "suppressed", NULL,
};

struct export {
	struct desk *d;
	struct job *job;       /* one part of it is ours; NULL: nobody waits */
	bool csv;
	char output[1024];     /* "": standard output */
};

/* "YYYY-MM", checked here so that it needs no encoding in the URL. */
static bool month_ok(const char *s)
{
	if (strlen(s) != 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return false;
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	return m >= 1 && m <= 12;
}

/* One field, quoted as RFC 4180 wants when it holds a comma, a quote or a
 * line break; a string is sanitized first (it came from the network). */
static void put_field(FILE *f, const json_t *v)
{
	if (json_is_integer(v)) {
		fprintf(f, "%lld", (long long)json_integer_value(v));
		return;
	}
	if (json_is_real(v)) {
		fprintf(f, "%.10g", json_real_value(v));
		return;
	}
	char joined[512] = "";
	const char *s = joined;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_array(v)) { /* "suppressed": the names, space-separated */
		size_t i, o = 0;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (json_is_string(x) && o < sizeof(joined))
				o += (size_t)snprintf(joined + o, sizeof(joined) - o, "%s%s",
						      o ? " " : "", json_string_value(x));
		}
	}
	char *clean = text_sanitize(s, strlen(s), TEXT_KEEP_NEWLINES);
	const char *t = clean ? clean : "";
	if (!strpbrk(t, ",\"\r\n")) {
		fputs(t, f);
	} else {
		fputc('"', f);
		for (const char *p = t; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	}
	free(clean);
}

/* The answer as CSV: a header, then one row per month and service; an
 * absent or null member is an empty field.  Returns the rows written. */
static size_t write_csv(FILE *f, const json_t *body)
{
	size_t rows = 0, i, k;
	json_t *month, *svc;
	for (k = 0; COLS[k]; k++)
		fprintf(f, "%s%s", k ? "," : "", COLS[k]);
	fputs("\r\n", f);
	json_array_foreach(json_object_get(body, "months"), i, month) {
		size_t j;
		json_array_foreach(json_object_get(month, "services"), j, svc) {
			put_field(f, json_object_get(month, "month"));
			for (k = 1; COLS[k]; k++) {
				fputc(',', f);
				put_field(f, json_object_get(svc, COLS[k]));
			}
			fputs("\r\n", f);
			rows++;
		}
	}
	return rows;
}

/* Write the answer where it was asked; 0, or -1 with errno.  A file is
 * written beside its name and renamed once whole: a failed export never
 * leaves the last good one cut short. */
static int write_out(struct export *x, const json_t *body, size_t *rows)
{
	char tmp[sizeof(x->output) + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", x->output);
	FILE *f = x->output[0] ? fopen(tmp, "w") : stdout;
	if (!f)
		return -1;
	*rows = 0;
	if (x->csv) {
		*rows = write_csv(f, body);
	} else {
		size_t i;
		json_t *m;
		json_array_foreach(json_object_get(body, "months"), i, m)
			*rows += json_array_size(json_object_get(m, "services"));
		if (json_dumpf(body, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0)
			fputc('\n', f);
	}
	int bad = ferror(f);
	if (!x->output[0])
		return bad | fflush(f) ? -1 : 0;
	bad |= fclose(f);
	if (!bad && rename(tmp, x->output) == 0)
		return 0;
	int e = errno;
	unlink(tmp);
	errno = e;
	return -1;
}

static void on_quality(void *arg, const struct net_result *res)
{
	struct export *x = arg;
	struct desk *d = x->d;
	size_t rows = 0;
	d->pending--;
	if (res->status != 200) {
		desk_error(d, _("quality : %s"), net_why(res));
		job_part_done(x->job, res->status == 0 ? JOB_UNREACHABLE : JOB_FAILED,
			      _("quality : %s"), net_why(res));
	} else if (!res->body || write_out(x, res->body, &rows) < 0) {
		const char *why = res->body ? strerror(errno) : _("réponse illisible");
		desk_error(d, _("quality : écriture impossible : %s"), why);
		job_part_done(x->job, JOB_FAILED, _("quality : écriture impossible : %s"), why);
	} else {
		if (x->output[0]) {
			desk_say(d, _("résultats qualité : %zu lignes écrites dans %s"), rows,
				 x->output);
			job_set_result(x->job, json_pack("{sssI}", "output", x->output, "rows",
							 (json_int_t)rows));
		} else if (x->job) {
			x->job->printed = true; /* the export is the output */
		}
		job_part_done(x->job, JOB_OK, NULL);
	}
	free(x);
}

/* The value after an option, or NULL with the error said. */
static const char *value_of(struct cmd_ctx *c, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		cmd_fail(c, _("quality : %s attend une valeur"), argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

CMD(cmd_quality)
{
	const char *month = NULL, *service = NULL, *format = "csv", *output = NULL;
	if (strcmp(argv[1], "export") != 0)
		return cmd_fail(c, _("quality : seule « export » est connue, pas « %s »"), argv[1]);
	for (int i = 2; i < argc; i++) {
		const char **slot = strcmp(argv[i], "--month") == 0	? &month
				    : strcmp(argv[i], "--service") == 0 ? &service
				    : strcmp(argv[i], "--format") == 0	? &format
				    : strcmp(argv[i], "--output") == 0	? &output
									: NULL;
		if (!slot)
			return cmd_fail(c, _("quality : option inconnue « %s » (--month, --service, "
					     "--format, --output)"),
					argv[i]);
		if (!(*slot = value_of(c, argc, argv, &i)))
			return -1;
	}
	if (month && !month_ok(month))
		return cmd_fail(c, _("quality : --month attend AAAA-MM, pas « %s »"), month);
	if (service && !model_slug_ok(service))
		return cmd_fail(c, _("quality : --service attend un code de service, pas « %s »"),
				service);
	if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
		return cmd_fail(c, _("quality : --format attend csv ou json, pas « %s »"), format);
	if (!output && c->desk->ui)
		return cmd_fail(c, _("quality : --output FICHIER attendu à l'écran"));
	if (!c->desk->net)
		return cmd_fail(c, _("quality : pas de connexion au serveur"));
	char path[160];
	snprintf(path, sizeof(path), "/public/v1/quality%s%s%s%s%s", month || service ? "?" : "",
		 month ? "month=" : "", month ? month : "", month && service ? "&" : "",
		 service ? "service=" : "");
	if (service)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s", service);
	struct export *x = calloc(1, sizeof(*x));
	if (!x)
		return cmd_fail(c, _("mémoire épuisée"));
	x->d = c->desk;
	x->csv = strcmp(format, "csv") == 0;
	if (output && snprintf(x->output, sizeof(x->output), "%s", output) >=
			      (int)sizeof(x->output)) {
		free(x);
		return cmd_fail(c, _("quality : nom de fichier trop long"));
	}
	/* net_request never calls back before it returns: the part is ours
	 * from here on, given back by on_quality. */
	if (net_request(c->desk->net, "GET", path, NULL, NULL, NULL, on_quality, x) < 0) {
		free(x);
		return cmd_fail(c, _("envoi impossible : %s"), path);
	}
	job_part_begin(c->job);
	x->job = c->job;
	c->desk->pending++;
	return 0;
}
