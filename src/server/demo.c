/* Seeding the demo commune (see demo.h) through the store interface, in
 * write transactions of a few thousand rows each, so that --demo-scale 100
 * (half a million interactions) seeds in seconds and the WAL stays small.
 * Dates spread over the HISTORY_DAYS before `now`; survey answers stop two
 * days before it, so that "today's" figures start from nothing.  For
 * benchmarks, the first citizen can be given a long timeline on top. */
#include "server/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "core/calendar.h"
#include "core/classifier.h"
#include "core/rng.h"
#include "core/sla.h"
#include "core/text.h"
#include "server/auth.h"
#include "server/demo_corpus.h"
#include "server/routing.h"
#include "server/store.h"

#define DAY          86400
#define HISTORY_DAYS 240
#define BATCH        4000
#define MAX_SERVICES 16
#define MAX_STAFF    16

struct seed {
	struct store_tx *tx;
	struct rng rng;
	int64_t now;
	int scale;
	long timeline;                           /* extra contacts of the first citizen */
	unsigned long ops;
	int64_t service_ids[MAX_SERVICES];
	json_t *slas[MAX_SERVICES];              /* owned */
	int64_t staff[MAX_SERVICES][MAX_STAFF];  /* agents (role agent) per service */
	int nstaff[MAX_SERVICES];
	int64_t *citizens;                       /* owned: ids in creation order */
	size_t ncitizens;
	struct classifier *model;                /* owned: learns every case subject */
	char *err;
	size_t errlen;
};

/* Record why seeding stopped; always -1. */
static int fail(struct seed *s, const char *what)
{
	const char *why = s->tx ? store_tx_error(s->tx) : NULL;
	snprintf(s->err, s->errlen, "%s%s%s", what, why && *why ? ": " : "", why ? why : "");
	return -1;
}

/* Count one written row; commit and start a new transaction every BATCH. */
static int tick(struct seed *s)
{
	if (++s->ops % BATCH)
		return 0;
	if (s->tx->ops->commit(s->tx) != STORE_OK || s->tx->ops->begin_write(s->tx) != STORE_OK)
		return fail(s, "commit");
	return 0;
}

static const char *word(struct seed *s, const struct demo_words *w)
{
	return w->w[rng_below(&s->rng, w->n)];
}

/* Percent draw: true with probability pct/100. */
static bool chance(struct seed *s, unsigned pct)
{
	return rng_below(&s->rng, 100) < pct;
}

/* Never after `now`: the demo has no future contacts. */
static int64_t past(const struct seed *s, int64_t t)
{
	return t < s->now - 60 ? t : s->now - 60;
}

static size_t count(const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return n;
}

static int seed_services(struct seed *s)
{
	for (size_t i = 0; i < DEMO_NSERVICES && i < MAX_SERVICES; i++) {
		const struct demo_service *d = &DEMO_SERVICES[i];
		json_t *kw = json_array();
		for (size_t k = 0; d->keywords[k]; k++)
			json_array_append_new(kw, json_string(d->keywords[k]));
		s->slas[i] = d->sla ? json_loads(d->sla, 0, NULL) : json_object();
		json_t *svc = json_pack("{sssssosO}", "slug", d->slug, "name", d->name, "keywords", kw,
					"sla", s->slas[i]);
		int rc = svc ? s->tx->ops->service_create(s->tx, svc, &s->service_ids[i]) : STORE_ERROR;
		json_decref(svc);
		if (rc != STORE_OK)
			return fail(s, d->slug);
	}
	return 0;
}

/* Remember agent `id` as staff of each service named in the list. */
static void add_staff(struct seed *s, int64_t id, const char *services)
{
	for (size_t i = 0; i < DEMO_NSERVICES && i < MAX_SERVICES; i++) {
		const char *slug = DEMO_SERVICES[i].slug, *p = strstr(services, slug);
		size_t n = strlen(slug);
		while (p && !((p == services || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')))
			p = strstr(p + 1, slug);
		if (p && s->nstaff[i] < MAX_STAFF)
			s->staff[i][s->nstaff[i]++] = id;
	}
}

static json_t *split_commas(const char *list)
{
	json_t *a = json_array();
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	return a;
}

static int seed_agents(struct seed *s)
{
	/* Every demo account has the password "demo": one Argon2id hash serves
	 * them all, as hashing each would cost seconds at every first start. */
	char hash[AUTH_HASH_LEN];
	if (auth_hash_password("demo", hash) < 0)
		return fail(s, "hashing the demo password");
	for (size_t i = 0; i < DEMO_NAGENTS; i++) {
		const struct demo_agent *d = &DEMO_AGENTS[i];
		json_t *a = json_pack("{sssssssosi}", "login", d->login, "display_name", d->display_name,
				      "role", d->role, "services", split_commas(d->services),
				      "chat_capacity", 3);
		int64_t id = 0;
		const char *pw = strcmp(d->role, "service") == 0 ? NULL : hash;
		int rc = a ? s->tx->ops->agent_create(s->tx, a, pw, &id) : STORE_ERROR;
		json_decref(a);
		if (rc != STORE_OK)
			return fail(s, d->login);
		if (strcmp(d->role, "agent") == 0)
			add_staff(s, id, d->services);
	}
	return 0;
}

/* "Éloïse", "Lœuvre-Çaïd" -> "eloise.loeuvre-caid": ASCII for mail
 * addresses. */
static void mail_local(const char *given, const char *family, char *out, size_t n)
{
	char both[160];
	snprintf(both, sizeof(both), "%s.%s", given, family);
	char *f = text_fold(both, strlen(both));
	size_t o = 0;
	for (const char *p = f ? f : ""; *p && o + 1 < n; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')
			out[o++] = c;
		else if (c == ' ' || c == '\'')
			out[o++] = '-';
	}
	out[o] = '\0';
	free(f);
}

static json_t *citizen_contacts(struct seed *s, size_t i, const char *g, const char *f)
{
	static const char *const domains[] = { "example.org", "example.net", "example.com" };
	json_t *emails = json_array(), *phones = json_array();
	if (chance(s, 85)) {
		char local[128], mail[200];
		mail_local(g, f, local, sizeof(local));
		snprintf(mail, sizeof(mail), "%s%zu@%s", local, i, RNG_PICK(&s->rng, domains));
		json_array_append_new(emails, json_string(mail));
	}
	/* i * 48271 is a bijection modulo 10^8 (48271 is prime to 10): no two
	 * citizens share a number, so a caller's number finds one file. */
	char phone[20];
	if (chance(s, 90)) {
		snprintf(phone, sizeof(phone), "+336%08llu",
			 (unsigned long long)((i * 48271ULL + 1234567) % 100000000ULL));
		json_array_append_new(phones, json_string(phone));
	}
	if (chance(s, 20)) {
		snprintf(phone, sizeof(phone), "+332%08llu",
			 (unsigned long long)((i * 69621ULL + 7654321) % 100000000ULL));
		json_array_append_new(phones, json_string(phone));
	}
	return json_pack("{soso}", "emails", emails, "phones", phones);
}

static json_t *citizen_record(struct seed *s, size_t i, const char *g, const char *f)
{
	static const char *const channels[] = { "email", "email", "phone", "phone", "sms",
						"counter", "letter", "chat" };
	static const char *const consents[] = { "email", "sms", "phone", "survey" };
	char address[200], birth[16];
	snprintf(address, sizeof(address), "%u %s, " DEMO_POSTCODE " " DEMO_COMMUNE,
		 (unsigned)(1 + rng_below(&s->rng, 120)), word(s, &DEMO_STREETS));
	snprintf(birth, sizeof(birth), "%04u-%02u-%02u", (unsigned)(1935 + rng_below(&s->rng, 72)),
		 (unsigned)(1 + rng_below(&s->rng, 12)), (unsigned)(1 + rng_below(&s->rng, 28)));
	json_t *c = citizen_contacts(s, i, g, f), *cons = json_array(), *tags = json_array();
	for (size_t k = 0; k < sizeof(consents) / sizeof(consents[0]); k++)
		if (chance(s, 60))
			json_array_append_new(cons, json_string(consents[k]));
	if (chance(s, 15))
		json_array_append_new(tags, json_string(word(s, &DEMO_TAGS)));
	json_object_set_new(c, "given_name", json_string(g));
	json_object_set_new(c, "family_name", json_string(f));
	json_object_set_new(c, "address", json_string(address));
	json_object_set_new(c, "birth_date", json_string(birth));
	json_object_set_new(c, "preferred_channel", json_string(RNG_PICK(&s->rng, channels)));
	json_object_set_new(c, "consents", cons);
	json_object_set_new(c, "tags", tags);
	return c;
}

static int seed_citizens(struct seed *s)
{
	size_t n = (size_t)DEMO_CITIZENS * (size_t)s->scale;
	s->citizens = malloc(n * sizeof(*s->citizens));
	if (!s->citizens)
		return fail(s, "out of memory");
	const char *g = NULL, *f = NULL;
	for (size_t i = 0; i < n; i++) {
		/* One record in 97 is the same person again, written by someone who
		 * did not find the first: material for the merge command. */
		if (!(i % 97 == 96 && g)) {
			g = word(s, &DEMO_GIVEN);
			f = word(s, &DEMO_FAMILY);
		}
		json_t *c = citizen_record(s, i, g, f);
		int64_t created = s->now - (int64_t)(HISTORY_DAYS + rng_below(&s->rng, 730)) * DAY;
		int rc = c ? s->tx->ops->citizen_create(s->tx, c, created, &s->citizens[i]) : STORE_ERROR;
		json_decref(c);
		if (rc != STORE_OK)
			return fail(s, "citizen");
		s->ncitizens = i + 1;
		if (tick(s) < 0)
			return -1;
	}
	return 0;
}

/* The status a case of this age has reached: most of the old ones are
 * done, a few wait on the citizen, as in a service that keeps up. */
static const char *case_status(struct seed *s, int64_t age)
{
	unsigned r = (unsigned)rng_below(&s->rng, 100);
	if (age > 60 * DAY)
		return r < 60 ? "closed" : r < 98 ? "resolved" : "pending-citizen";
	if (age > 14 * DAY)
		return r < 35   ? "resolved"
		       : r < 60 ? "closed"
		       : r < 80 ? "pending-citizen"
		       : r < 90 ? "pending-internal"
				: "open";
	return r < 35 ? "new" : r < 75 ? "open" : r < 88 ? "pending-citizen" : "pending-internal";
}

static const char *case_priority(struct seed *s)
{
	unsigned r = (unsigned)rng_below(&s->rng, 100);
	return r < 5 ? "urgent" : r < 20 ? "high" : r < 90 ? "normal" : "low";
}

/* One contact of the timeline. */
struct contact {
	int64_t citizen, case_id, agent, at;
	const char *channel, *direction, *summary;
};

static int add_interaction(struct seed *s, const struct contact *c)
{
	char start[ISO8601_LEN], end[ISO8601_LEN], ref[96];
	iso8601_format(c->at, start);
	json_t *i = json_pack("{sIssssssss}", "citizen_id", (json_int_t)c->citizen, "channel",
			      c->channel, "direction", c->direction, "summary", c->summary,
			      "started_at", start);
	if (!i)
		return fail(s, "out of memory");
	if (c->case_id)
		json_object_set_new(i, "case_id", json_integer(c->case_id));
	if (strcmp(c->channel, "phone") == 0) {
		iso8601_format(past(s, c->at + 120 + (int64_t)rng_below(&s->rng, 780)), end);
		snprintf(ref, sizeof(ref), "demo-call-%lu", s->ops);
		json_object_set_new(i, "ended_at", json_string(end));
		json_object_set_new(i, "external_ref", json_string(ref));
		json_object_set_new(i, "wrapup_code", json_string("information"));
	} else if (strcmp(c->channel, "email") == 0) {
		snprintf(ref, sizeof(ref), "<demo.%lu@%s>", s->ops, DEMO_MAIL_DOMAIN);
		json_object_set_new(i, "external_ref", json_string(ref));
	}
	int64_t id;
	int rc = s->tx->ops->interaction_create(s->tx, i, c->agent, c->at, &id);
	json_decref(i);
	if (rc != STORE_OK)
		return fail(s, "interaction");
	return tick(s);
}

/* data is consumed. */
static int add_event(struct seed *s, int64_t case_id, const char *kind, int64_t agent,
		     json_t *data, int64_t at)
{
	if (s->tx->ops->case_event_add(s->tx, case_id, kind, agent, data, at, NULL) != STORE_OK)
		return fail(s, "case event");
	return tick(s);
}

/* The channel and direction each follow-up of DEMO_FOLLOW_UPS went by. */
static const struct {
	const char *channel, *direction;
} follow_up_channels[] = {
	{ "phone", "in" }, { "counter", "in" }, { "letter", "out" }, { "chat", "in" },
	{ "web", "in" },   { "sms", "out" },    { "phone", "out" },  { "email", "out" },
};

/* The three contacts of a case: the request, its acknowledgement, a
 * follow-up (or an internal note). */
static int case_contacts(struct seed *s, const struct contact *first)
{
	if (add_interaction(s, first) < 0)
		return -1;
	struct contact c = *first;
	bool written = strcmp(first->channel, "letter") == 0;
	c.channel = written ? "letter" : strcmp(first->channel, "chat") == 0 ? "sms" : "email";
	c.direction = "out";
	c.summary = word(s, &DEMO_ACKS);
	c.at = past(s, first->at + 3600 + (int64_t)rng_below(&s->rng, 2 * DAY));
	if (add_interaction(s, &c) < 0)
		return -1;
	size_t k = rng_below(&s->rng, DEMO_FOLLOW_UPS.n);
	c.at = past(s, first->at + (int64_t)(1 + rng_below(&s->rng, 20)) * DAY);
	if (chance(s, 10)) {
		c.channel = "note";
		c.direction = "internal";
		c.summary = word(s, &DEMO_NOTES);
	} else {
		c.channel = follow_up_channels[k % 8].channel;
		c.direction = follow_up_channels[k % 8].direction;
		c.summary = DEMO_FOLLOW_UPS.w[k];
	}
	return add_interaction(s, &c);
}

/* created, status changes and maybe a note, as an agent would have left them. */
static int case_history(struct seed *s, int64_t id, size_t svc, int64_t agent, int64_t created,
			const char *status)
{
	if (add_event(s, id, "created", agent, json_pack("{ss}", "service", DEMO_SERVICES[svc].slug),
		      created) < 0)
		return -1;
	if (strcmp(status, "new") == 0)
		return 0;
	if (add_event(s, id, "status", agent, json_pack("{ssss}", "from", "new", "to", "open"),
		      past(s, created + 2 * 3600)) < 0)
		return -1;
	if (strcmp(status, "open") != 0 &&
	    add_event(s, id, "status", agent, json_pack("{ssss}", "from", "open", "to", status),
		      past(s, created + (int64_t)(2 + rng_below(&s->rng, 30)) * DAY)) < 0)
		return -1;
	if (chance(s, 40) &&
	    add_event(s, id, "note", agent, json_pack("{ss}", "text", word(s, &DEMO_NOTES)),
		      past(s, created + DAY)) < 0)
		return -1;
	return 0;
}

/* Satisfaction mostly good, as in the published Services Publics+ results. */
static int case_survey(struct seed *s, int64_t citizen, int64_t case_id, size_t svc,
		       int64_t created)
{
	static const int csat[] = { 5, 5, 5, 4, 4, 4, 3, 2, 1, 5 };
	json_t *a = json_pack("{sisi}", "csat", RNG_PICK(&s->rng, csat), "nps",
			      (int)rng_below(&s->rng, 11));
	if (chance(s, 30))
		json_object_set_new(a, "comment", json_string(word(s, &DEMO_SURVEY_COMMENTS)));
	int64_t at = created + 15 * DAY;
	if (at > s->now - 2 * DAY)
		at = s->now - 2 * DAY;
	int64_t id;
	int rc = s->tx->ops->survey_add(s->tx, a, citizen, 0, case_id, s->service_ids[svc], at, &id);
	json_decref(a);
	return rc == STORE_OK ? tick(s) : fail(s, "survey");
}

static int64_t case_assignee(struct seed *s, size_t svc, const char *status)
{
	if (!s->nstaff[svc] || (strcmp(status, "new") == 0 && chance(s, 50)))
		return 0;
	return s->staff[svc][rng_below(&s->rng, (uint64_t)s->nstaff[svc])];
}

static int seed_case(struct seed *s, size_t k, size_t ncases)
{
	static const char *const channels[] = { "email", "email", "phone", "web",
						"counter", "letter", "chat" };
	const int64_t span = (int64_t)HISTORY_DAYS * DAY;
	int64_t created = past(s, s->now - span + (int64_t)((double)span * (double)k / (double)ncases) +
					  (int64_t)rng_below(&s->rng, 3600));
	size_t svc = rng_below(&s->rng, DEMO_NSERVICES);
	const struct demo_service *d = &DEMO_SERVICES[svc];
	const char *subject = d->subjects[rng_below(&s->rng, count(d->subjects))];
	const char *channel = RNG_PICK(&s->rng, channels), *priority = case_priority(s);
	const char *status = case_status(s, s->now - created);
	int64_t citizen = s->citizens[rng_below(&s->rng, s->ncitizens)];
	int64_t agent = case_assignee(s, svc, status), ack = 0, id;
	int64_t due = sla_due(s->slas[svc], channel, priority, created, &ack);
	json_t *c = json_pack("{sIssssssss}", "citizen_id", (json_int_t)citizen, "subject", subject,
			      "status", status, "priority", priority, "channel", channel);
	int rc = c ? s->tx->ops->case_create(s->tx, c, s->service_ids[svc], agent, due, ack, created,
					     &id)
		   : STORE_ERROR;
	json_decref(c);
	if (rc != STORE_OK)
		return fail(s, "case");
	classifier_learn(s->model, subject, d->slug);
	struct contact first = { citizen, id, agent, created, channel, "in", subject };
	if (tick(s) < 0 || case_history(s, id, svc, agent, created, status) < 0 ||
	    case_contacts(s, &first) < 0)
		return -1;
	bool done = strcmp(status, "resolved") == 0 || strcmp(status, "closed") == 0;
	return done && chance(s, 45) ? case_survey(s, citizen, id, svc, created) : 0;
}

/* Contacts that needed no case: information asked and given at once. */
static int seed_loose_contacts(struct seed *s, size_t n)
{
	static const char *const channels[] = { "phone", "counter", "chat", "email" };
	size_t accueil = 0;
	for (size_t k = 0; k < DEMO_NSERVICES; k++)
		if (strcmp(DEMO_SERVICES[k].slug, "accueil") == 0)
			accueil = k;
	for (size_t i = 0; i < n; i++) {
		int64_t agent = s->nstaff[accueil]
			? s->staff[accueil][rng_below(&s->rng, (uint64_t)s->nstaff[accueil])] : 0;
		struct contact c = {
			s->citizens[rng_below(&s->rng, s->ncitizens)], 0, agent,
			s->now - (int64_t)rng_below(&s->rng, (uint64_t)HISTORY_DAYS * DAY) - 60,
			RNG_PICK(&s->rng, channels), "in", word(s, &DEMO_LOOSE),
		};
		if (add_interaction(s, &c) < 0)
			return -1;
	}
	return 0;
}

/* --demo-timeline: `n` more contacts for the first citizen, evenly spread
 * over the HISTORY_DAYS before `now` (with jitter), each with a summary
 * that fits its channel: requests coming in, follow-ups and
 * acknowledgements going out, internal notes.  Drawn from an rng of their
 * own: the commune stays the same whether or not it is asked for. */
static int seed_timeline(struct seed *s, long n)
{
	static const char *const in_channels[] = { "phone", "phone", "counter", "chat",
						   "email", "email", "web", "letter" };
	static const char *const ack_channels[] = { "email", "sms", "letter" };
	if (n <= 0 || !s->ncitizens)
		return 0;
	struct rng saved = s->rng;
	s->rng = (struct rng){ 20261124 };
	const double span = (double)HISTORY_DAYS * DAY, step = span / (double)n;
	int rc = 0;
	for (long k = 0; k < n && rc == 0; k++) {
		size_t svc = rng_below(&s->rng, DEMO_NSERVICES);
		int64_t agent = s->nstaff[svc]
			? s->staff[svc][rng_below(&s->rng, (uint64_t)s->nstaff[svc])] : 0;
		int64_t at = s->now - (int64_t)span + (int64_t)(step * (double)k) +
			     (int64_t)rng_below(&s->rng, step >= 2 ? (uint64_t)(step / 2) : 1);
		struct contact c = { s->citizens[0], 0, agent, past(s, at), NULL, NULL, NULL };
		unsigned r = (unsigned)rng_below(&s->rng, 100);
		if (r < 45) {
			const struct demo_service *d = &DEMO_SERVICES[svc];
			c.channel = RNG_PICK(&s->rng, in_channels);
			c.direction = "in";
			c.summary = chance(s, 50) ? word(s, &DEMO_LOOSE)
						  : d->subjects[rng_below(&s->rng, count(d->subjects))];
		} else if (r < 75) {
			size_t f = rng_below(&s->rng, DEMO_FOLLOW_UPS.n);
			c.channel = follow_up_channels[f % 8].channel;
			c.direction = follow_up_channels[f % 8].direction;
			c.summary = DEMO_FOLLOW_UPS.w[f];
		} else if (r < 90) {
			c.channel = RNG_PICK(&s->rng, ack_channels);
			c.direction = "out";
			c.summary = word(s, &DEMO_ACKS);
		} else {
			c.channel = "note";
			c.direction = "internal";
			c.summary = word(s, &DEMO_NOTES);
		}
		rc = add_interaction(s, &c);
	}
	s->rng = saved;
	if (rc < 0)
		return -1;
	char v[32];
	snprintf(v, sizeof(v), "%ld", n);
	return s->tx->ops->kv_set(s->tx, DEMO_TIMELINE_KEY, v) == STORE_OK ? 0
									     : fail(s, "timeline marker");
}

static int seed_knowledge(struct seed *s)
{
	for (size_t i = 0; i < DEMO_NTEMPLATES; i++) {
		const struct demo_template *d = &DEMO_TEMPLATES[i];
		int64_t svc = 0, id;
		for (size_t k = 0; d->service && k < DEMO_NSERVICES; k++)
			if (strcmp(DEMO_SERVICES[k].slug, d->service) == 0)
				svc = s->service_ids[k];
		json_t *t = json_pack("{ssssss}", "name", d->name, "title", d->title, "body", d->body);
		int rc = t ? s->tx->ops->template_create(s->tx, t, svc, &id) : STORE_ERROR;
		json_decref(t);
		if (rc != STORE_OK)
			return fail(s, d->name);
	}
	for (size_t i = 0; i < DEMO_NARTICLES; i++) {
		const struct demo_article *d = &DEMO_ARTICLES[i];
		int64_t svc = 0, id;
		for (size_t k = 0; k < DEMO_NSERVICES; k++)
			if (strcmp(DEMO_SERVICES[k].slug, d->service) == 0)
				svc = s->service_ids[k];
		char both[1024];
		snprintf(both, sizeof(both), "%s %s", d->title, d->body);
		char *key = text_fold(both, strlen(both));
		json_t *a = json_pack("{ssss}", "title", d->title, "body", d->body);
		int rc = a && key ? s->tx->ops->kb_create(s->tx, a, svc, key, s->now - 30 * DAY, &id)
				  : STORE_ERROR;
		json_decref(a);
		free(key);
		if (rc != STORE_OK)
			return fail(s, d->title);
	}
	return 0;
}

/* The routing model, trained on every demo case's subject. */
static int save_model(struct seed *s)
{
	json_t *j = classifier_to_json(s->model);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	int rc = text ? s->tx->ops->kv_set(s->tx, ROUTING_MODEL_KEY, text) : STORE_ERROR;
	free(text);
	return rc == STORE_OK ? 0 : fail(s, "routing model");
}

static int seed_all(struct seed *s)
{
	size_t ncases = (size_t)DEMO_CASES * (size_t)s->scale;
	if (seed_services(s) < 0 || seed_agents(s) < 0 || seed_citizens(s) < 0)
		return -1;
	for (size_t k = 0; k < ncases; k++)
		if (seed_case(s, k, ncases) < 0)
			return -1;
	size_t loose = (size_t)(DEMO_INTERACTIONS - 3 * DEMO_CASES) * (size_t)s->scale;
	if (seed_loose_contacts(s, loose) < 0 || seed_knowledge(s) < 0 || save_model(s) < 0)
		return -1;
	return seed_timeline(s, s->timeline);
}

int demo_seed(struct store *st, int scale, long timeline, int64_t now, char *err, size_t errlen)
{
	struct seed s = { .rng = { 20261123 }, .now = now, .scale = scale, .timeline = timeline,
			  .err = err, .errlen = errlen };
	err[0] = '\0';
	if (scale < 1 || scale > 1000) {
		snprintf(err, errlen, "scale %d: give 1 to 1000", scale);
		return -1;
	}
	if (timeline < 0 || timeline > DEMO_TIMELINE_MAX) {
		snprintf(err, errlen, "timeline %ld: give 0 to %d", timeline, DEMO_TIMELINE_MAX);
		return -1;
	}
	s.tx = store_tx_get(st);
	s.model = classifier_new();
	int rc = -1;
	if (!s.tx || !s.model) {
		snprintf(err, errlen, "cannot open the store (out of memory?)");
		goto out;
	}
	if (s.tx->ops->begin_write(s.tx) != STORE_OK) {
		fail(&s, "begin");
		goto out;
	}
	if (seed_all(&s) < 0 || s.tx->ops->commit(s.tx) != STORE_OK) {
		if (!err[0])
			fail(&s, "commit");
		s.tx->ops->rollback(s.tx);
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < MAX_SERVICES; i++)
		json_decref(s.slas[i]);
	classifier_free(s.model);
	free(s.citizens);
	return rc;
}

bool demo_store_is_empty(struct store *st)
{
	struct store_tx *tx = store_tx_get(st);
	json_t *svcs = NULL, *agents = NULL;
	if (!tx || tx->ops->begin_read(tx) != STORE_OK)
		return false;
	bool empty = tx->ops->service_list(tx, &svcs) == STORE_OK &&
		     tx->ops->agent_list(tx, &agents) == STORE_OK && json_array_size(svcs) == 0 &&
		     json_array_size(agents) == 0;
	tx->ops->commit(tx);
	json_decref(svcs);
	json_decref(agents);
	return empty;
}

long demo_timeline_seeded(struct store *st)
{
	struct store_tx *tx = store_tx_get(st);
	char *v = NULL;
	if (!tx || tx->ops->begin_read(tx) != STORE_OK)
		return -1;
	int rc = tx->ops->kv_get(tx, DEMO_TIMELINE_KEY, &v);
	tx->ops->commit(tx);
	long n = rc == STORE_OK && v ? strtol(v, NULL, 10) : rc == STORE_NOT_FOUND ? 0 : -1;
	free(v);
	return n;
}
