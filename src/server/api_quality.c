/* GET /public/v1/quality: the published quality results (la preuve), per
 * month and service, for anyone without a login.  Only aggregates leave:
 * any figure resting on 1 to 4 answers or contacts is hidden (null, and
 * named under "suppressed") so that no single citizen can be recognised. */
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "core/json_get.h"
#include "server/api.h"
#include "server/clock.h"
#include "server/handlers.h"
#include "server/rate.h"
#include "server/server.h"

#define SUPPRESS_UNDER 5
#define DEFAULT_MONTHS 24
/* Per address: a page that reloads is cached (max-age); a robot is not
 * let to make the store add up two years of figures in a loop. */
#define READS_BURST 60
#define READS_EVERY_MS 1000u

/* The instant local Paris midnight begins on y-m-01. */
static int64_t month_start(int y, int m)
{
	int64_t midnight = cal_days_from_civil(y, m, 1) * 86400;
	/* The offset in force just before local midnight (as api_monitor.c). */
	return midnight - cal_paris_offset(midnight - 3600);
}

/* "YYYY-MM" with a month 01..12; 0 or -1. */
static int parse_month(const char *s, int *y, int *m)
{
	int n = 0;
	if (strlen(s) != 7 || sscanf(s, "%4d-%2d%n", y, m, &n) != 2 || n != 7 || s[4] != '-' ||
	    *y < 1970 || *m < 1 || *m > 12)
		return -1;
	return 0;
}

/* Put count under name, or null (and name it in suppressed) when it is 1..4;
 * true when it was shown. */
static bool put_count(json_t *row, json_t *suppressed, const char *name, int64_t n)
{
	if (n > 0 && n < SUPPRESS_UNDER) {
		json_object_set_new(row, name, json_null());
		json_array_append_new(suppressed, json_string(name));
		return false;
	}
	json_object_set_new(row, name, json_integer(n));
	return true;
}

/* A figure resting on `base` items: hidden with its base, null when there
 * is nothing to compute it from. */
static void put_figure(json_t *row, json_t *suppressed, const char *name, bool shown,
		       int64_t base, json_t *value)
{
	if (!shown) {
		json_decref(value);
		json_object_set_new(row, name, json_null());
		json_array_append_new(suppressed, json_string(name));
		return;
	}
	json_object_set_new(row, name, base > 0 ? value : json_null());
	if (base <= 0)
		json_decref(value);
}

/* num / den rounded to 4 decimals (a published figure, not a measure). */
static json_t *ratio(int64_t num, int64_t den)
{
	double v = den > 0 ? (double)num / (double)den : 0.0;
	return json_real((double)(int64_t)(v * 10000.0 + 0.5) / 10000.0);
}

/* The public row of one service from the store's raw counts; NULL when the
 * service had no activity at all that month. */
static json_t *service_row(const json_t *c)
{
	int64_t opened = jint(c, "cases_opened"), closed = jint(c, "cases_closed");
	int64_t calls = jint(c, "calls"), calls_ok = jint(c, "calls_answered");
	int64_t chats = jint(c, "chats"), chats_ok = jint(c, "chats_answered");
	int64_t csat_n = jint(c, "csat_answers"), nps_n = jint(c, "nps_answers");
	if (!opened && !closed && !calls && !chats && !csat_n && !nps_n)
		return NULL;
	int64_t picked = calls_ok + chats_ok;
	json_t *row = json_pack("{sOsO}", "service", json_object_get(c, "service"), "name",
				json_object_get(c, "name"));
	json_t *sup = json_array();
	put_count(row, sup, "cases_opened", opened);
	bool ok = put_count(row, sup, "cases_closed", closed);
	put_figure(row, sup, "answered_in_delay_share", ok, closed,
		   ratio(jint(c, "cases_in_delay"), closed));
	ok = put_count(row, sup, "calls", calls);
	put_figure(row, sup, "calls_picked_up_share", ok, calls, ratio(calls_ok, calls));
	ok = put_count(row, sup, "chats", chats);
	put_figure(row, sup, "chats_answered_share", ok, chats, ratio(chats_ok, chats));
	put_figure(row, sup, "response_time_avg_s", picked == 0 || picked >= SUPPRESS_UNDER, picked,
		   ratio(jint(c, "calls_wait_s") + jint(c, "chats_wait_s"), picked));
	ok = csat_n == 0 || csat_n >= SUPPRESS_UNDER;
	put_figure(row, sup, "csat_avg", ok, csat_n, ratio(jint(c, "csat_sum"), csat_n));
	put_count(row, sup, "csat_answers", csat_n);
	ok = nps_n == 0 || nps_n >= SUPPRESS_UNDER;
	int64_t net = jint(c, "nps_promoters") - jint(c, "nps_detractors");
	put_figure(row, sup, "nps", ok, nps_n,
		   json_integer(nps_n > 0 ? (net * 100 + (net < 0 ? -nps_n : nps_n) / 2) / nps_n
					  : 0));
	put_count(row, sup, "nps_answers", nps_n);
	if (json_array_size(sup))
		json_object_set_new(row, "suppressed", sup);
	else
		json_decref(sup);
	return row;
}

/* What each member means, for whoever reads the published file. */
static const char *const DEFINITIONS[][2] = {
	{ "month", "calendar month, Paris local time" },
	{ "cases_opened", "cases created that month" },
	{ "cases_closed", "cases resolved or closed that month" },
	{ "answered_in_delay_share",
	  "share of the cases closed that month that were resolved or closed no later than the "
	  "delay announced to the citizen when they were opened (due_at)" },
	{ "calls", "calls received that month" },
	{ "calls_picked_up_share", "calls answered by an agent / calls received" },
	{ "chats", "chats started that month" },
	{ "chats_answered_share", "chats accepted by an agent / chats started" },
	{ "response_time_avg_s",
	  "mean wait in seconds, from its start, before a call or chat of that month was picked "
	  "up (those never picked up do not count)" },
	{ "csat_avg", "mean satisfaction mark (1 to 5) of the surveys answered that month" },
	{ "csat_answers", "surveys answered that month with a satisfaction mark" },
	{ "nps", "net promoter score: % of recommendation marks 9-10 minus % of marks 0-6" },
	{ "nps_answers", "surveys answered that month with a recommendation mark (0 to 10)" },
	{ "suppressed_under",
	  "a figure resting on 1 to 4 answers or contacts is null, its count too, and both are "
	  "named in the row's \"suppressed\"" },
};

static json_t *definitions(void)
{
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(DEFINITIONS) / sizeof(DEFINITIONS[0]); i++)
		json_object_set_new(o, DEFINITIONS[i][0], json_string(DEFINITIONS[i][1]));
	return o;
}

/* One month's rows into months, when there were any; -1 with the answer sent. */
static int add_month(struct req *r, struct store_tx *tx, int y, int m, int64_t service_id,
		     bool keep_empty, json_t *months)
{
	json_t *raw = NULL;
	int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
	int rc = tx->ops->quality_period(tx, month_start(y, m), month_start(ny, nm), service_id,
					 &raw);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return -1;
	}
	json_t *rows = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(raw, i, c) {
		json_t *row = service_row(c);
		if (row)
			json_array_append_new(rows, row);
	}
	json_decref(raw);
	if (!json_array_size(rows) && !keep_empty) {
		json_decref(rows);
		return 0;
	}
	char label[16];
	snprintf(label, sizeof(label), "%04d-%02d", y, m);
	json_array_append_new(months, json_pack("{ssso}", "month", label, "services", rows));
	return 0;
}

/* Too many reads from this address: 429 answered. */
static bool limited(struct req *r)
{
	char key[96];
	struct rate_limit l = { READS_BURST, READS_EVERY_MS };
	snprintf(key, sizeof(key), "quality:%s", r->client_addr);
	unsigned wait = rate_take(r->srv->rates, key, &l, now_ns() / 1000000u);
	if (!wait)
		return false;
	snprintf(r->retry_after, sizeof(r->retry_after), "%u", wait);
	reply_problem(r, 429, "Too many requests", "too many reads from your address: try later");
	return true;
}

void api_public_quality(struct req *r)
{
	if (limited(r))
		return;
	const char *month = req_query(r, "month"), *slug = req_query(r, "service");
	int y = 0, m = 0;
	if (month && parse_month(month, &y, &m) < 0) {
		reply_problem(r, 400, "Bad month", "month: expected YYYY-MM");
		return;
	}
	struct store_tx *tx = api_tx(r);
	if (!tx)
		return;
	int64_t service_id = 0;
	if (slug) {
		json_t *s = NULL;
		int rc = tx->ops->service_get(tx, slug, &s);
		if (rc != STORE_OK) {
			if (rc == STORE_NOT_FOUND)
				reply_problem(r, 404, "Unknown service", "service: no such service");
			else
				api_store_error(r, tx, rc);
			return;
		}
		service_id = jint(s, "id");
		json_decref(s);
	}
	json_t *months = json_array();
	if (month) {
		if (add_month(r, tx, y, m, service_id, true, months) < 0)
			goto fail;
	} else {
		/* The last DEFAULT_MONTHS months with data, newest first. */
		int64_t now = now_s();
		int d;
		cal_civil_from_days((now + cal_paris_offset(now)) / 86400, &y, &m, &d);
		for (int k = 0; k < DEFAULT_MONTHS && y >= 1970; k++) {
			if (add_month(r, tx, y, m, service_id, false, months) < 0)
				goto fail;
			if (--m == 0) {
				m = 12;
				y--;
			}
		}
	}
	r->cache_control = "public, max-age=300";
	reply_json(r, 200,
		   json_pack("{sosiso}", "months", months, "suppressed_under", SUPPRESS_UNDER,
			     "definitions", definitions()));
	return;
fail:
	json_decref(months);
}
