/* Routing (see routing.h): the classifier behind a lock, and the offer
 * thread that gives each waiting chat or call to an available agent with
 * the skill (longest idle first, chat capacity respected), and moves it on
 * when the agent declines or lets the offer expire. */
#include "server/routing.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "core/classifier.h"
#include "core/json_bounded.h"
#include "server/chat.h"
#include "server/clock.h"
#include "server/hub.h"
#include "server/store.h"
#include "core/json_get.h"



struct routing {
	struct server *srv;
	pthread_rwlock_t lock;      /* guards rules, model, dirty */
	struct classifier *rules;   /* keyword rules only: rebuilt from services */
	struct classifier *model;   /* learnt counts only: saved in the store */
	bool dirty;
	pthread_mutex_t mu;         /* guards kicked, stopping */
	pthread_cond_t cond;
	bool kicked, stopping, started;
	pthread_t thread;
};

static struct classifier *load_rules(struct store_tx *tx)
{
	struct classifier *c = classifier_new();
	json_t *svcs = NULL;
	if (!c || tx->ops->service_list(tx, &svcs) != STORE_OK)
		return c;
	size_t i, k;
	json_t *s, *w;
	json_array_foreach(svcs, i, s) {
		json_array_foreach(json_object_get(s, "keywords"), k, w)
			classifier_add_rule(c, json_string_value(w),
					    json_string_value(json_object_get(s, "slug")));
	}
	json_decref(svcs);
	return c;
}

static struct classifier *load_model(struct store_tx *tx)
{
	char *text = NULL;
	struct classifier *c = NULL;
	if (tx->ops->kv_get(tx, ROUTING_MODEL_KEY, &text) == STORE_OK) {
		struct json_bounds b = JSON_BOUNDS_DEFAULT;
		b.max_bytes = 64u << 20;
		b.max_array = 1000000;
		b.max_nodes = 10000000;
		json_t *j = json_bounded_parse(text, strlen(text), &b, NULL, NULL, 0);
		const char *why = NULL;
		c = j ? classifier_from_json(j, &why) : NULL;
		if (!c)
			fprintf(stderr, "guichetd: routing model unreadable (%s): starting afresh\n",
				why ? why : "bad JSON");
		json_decref(j);
	}
	free(text);
	return c ? c : classifier_new();
}

void routing_classify(struct server *srv, const char *text, char service[65], double *confidence,
		      bool *by_rule)
{
	struct routing *rt = srv->routing;
	struct classifier_result res = { 0 };
	service[0] = '\0';
	*confidence = 0;
	*by_rule = false;
	if (!rt)
		return;
	pthread_rwlock_rdlock(&rt->lock);
	if (classifier_classify(rt->rules, text, &res) == 0 && res.service[0] && res.by_rule) {
		*by_rule = true;
	} else if (classifier_classify(rt->model, text, &res) != 0) {
		res.service[0] = '\0';
	}
	pthread_rwlock_unlock(&rt->lock);
	snprintf(service, 65, "%s", res.service);
	*confidence = res.confidence;
}

void routing_learn(struct server *srv, const char *text, const char *service)
{
	struct routing *rt = srv->routing;
	if (!rt || !text || !service)
		return;
	pthread_rwlock_wrlock(&rt->lock);
	if (classifier_learn(rt->model, text, service) == 0)
		rt->dirty = true;
	pthread_rwlock_unlock(&rt->lock);
}

void routing_reload_rules(struct server *srv)
{
	struct routing *rt = srv->routing;
	struct store_tx *tx = rt ? store_tx_get(srv->store) : NULL;
	if (!tx)
		return;
	struct classifier *fresh = load_rules(tx);
	if (!fresh)
		return;
	pthread_rwlock_wrlock(&rt->lock);
	classifier_free(rt->rules);
	rt->rules = fresh;
	pthread_rwlock_unlock(&rt->lock);
}

void routing_woken(struct server *srv)
{
	struct routing *rt = srv->routing;
	if (!rt)
		return;
	pthread_mutex_lock(&rt->mu);
	rt->kicked = true;
	pthread_cond_signal(&rt->cond);
	pthread_mutex_unlock(&rt->mu);
}

void routing_kick(struct server *srv)
{
	routing_woken(srv);
	store_tell_routing(srv->store);
}

/* --- the offer thread ------------------------------------------------------ */

static bool in_list(const json_t *list, int64_t id)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) if (json_integer_value(v) == id) return true;
	return false;
}

static bool has_room(const json_t *agent, bool chat)
{
	if (chat)
		return jint(agent, "active_chats") + jint(agent, "offers") < jint(agent, "chat_capacity");
	/* A ringing phone goes before a written chat: a pending chat offer does
	 * not keep a call from an agent who is on no call. */
	return jint(agent, "active_calls") == 0 && jint(agent, "call_offers") == 0;
}

/* The agent to offer to, or 0.  When every agent with the skill has
 * declined, `declined` is emptied so that the request goes round again,
 * but only when may_go_round: an agent who just said no is not asked
 * again the same second (the request waits, as long as an offer lasts). */
static int64_t pick(const json_t *cands, json_t *declined, bool chat, bool may_go_round)
{
	for (int round = 0; round < (may_go_round ? 2 : 1); round++) {
		size_t i;
		json_t *a;
		bool any_left = false;
		json_array_foreach(cands, i, a) {
			if (in_list(declined, jint(a, "id")))
				continue;
			any_left = true;
			if (has_room(a, chat))
				return jint(a, "id");
		}
		if (any_left || !json_array_size(cands))
			return 0;
		json_array_clear(declined);
	}
	return 0;
}

static int set_offer(struct store_tx *tx, const json_t *w, int64_t agent, json_t *declined,
		     int64_t now)
{
	bool chat = strcmp(json_string_value(json_object_get(w, "kind")), "chat") == 0;
	json_t *set = json_object();
	json_object_set_new(set, chat ? "status" : "state",
			    json_string(agent ? (chat ? "offered" : "ringing") : "queued"));
	json_object_set_new(set, "offered_to", agent ? json_integer(agent) : json_null());
	json_object_set_new(set, "offered_at", agent ? json_integer(now) : json_null());
	json_object_set(set, "declined", declined);
	int rc = chat ? tx->ops->chat_set(tx, jint(w, "id"), set)
		      : tx->ops->call_set(tx, jint(w, "id"), set);
	json_decref(set);
	return rc;
}

int routing_emit_offer(struct store_tx *tx, const json_t *w, int64_t agent, int64_t now,
		       unsigned timeout)
{
	const char *kind = json_string_value(json_object_get(w, "kind"));
	json_t *rec = NULL;
	bool chat = strcmp(kind, "chat") == 0;
	int rc = chat ? tx->ops->chat_get(tx, jint(w, "id"), &rec) : tx->ops->call_get(tx, jint(w, "id"), &rec);
	if (rc != STORE_OK)
		return rc;
	char exp[32];
	iso8601_format(now + timeout, exp);
	json_t *ev = json_pack("{sssOsOsOsOsOss}", "kind", kind, "id", json_object_get(rec, "id"),
			       "service", json_object_get(rec, "service"), "citizen_id",
			       json_object_get(rec, "citizen_id"), "subject",
			       chat ? json_object_get(rec, "subject") : json_null(), "from",
			       chat ? json_object_get(rec, "visitor_name") : json_object_get(rec, "from"),
			       "expires_at", exp);
	json_decref(rec);
	struct event_scope scope = { .agent_id = agent };
	return chat_emit(tx, "offer", ev, &scope, now);
}

/* One waiting request: expire a stale offer, then offer to the next agent. */
static int route_one(struct routing *rt, struct store_tx *tx, const json_t *w, int64_t now,
		     bool *emitted)
{
	unsigned timeout = rt->srv->cfg.offer_timeout_s;
	int64_t offered = jint(w, "offered_to");
	if (offered && now - jint(w, "offered_s") < (int64_t)timeout)
		return STORE_OK;
	json_t *declined = json_deep_copy(json_object_get(w, "declined"));
	if (!json_is_array(declined)) {
		json_decref(declined);
		declined = json_array();
	}
	if (offered && !in_list(declined, offered))
		json_array_append_new(declined, json_integer(offered));
	json_t *cands = NULL;
	int rc = jint(w, "service_id") ? tx->ops->routing_candidates(tx, jint(w, "service_id"), &cands)
				     : STORE_OK;
	bool chat = strcmp(json_string_value(json_object_get(w, "kind")), "chat") == 0;
	bool rested = !jint(w, "offered_s") || now - jint(w, "offered_s") >= (int64_t)timeout;
	int64_t agent = rc == STORE_OK && cands ? pick(cands, declined, chat, rested) : 0;
	json_decref(cands);
	if (rc == STORE_OK && (agent || offered))
		rc = set_offer(tx, w, agent, declined, now);
	if (rc == STORE_OK && agent) {
		rc = routing_emit_offer(tx, w, agent, now, timeout);
		*emitted = true;
	}
	json_decref(declined);
	return rc;
}

static void route_pass(struct routing *rt)
{
	struct store_tx *tx = store_tx_get(rt->srv->store);
	bool leader = false;
	/* Nodes sharing a store route in turn, never together: the one that
	 * holds the lead offers, the others wait for it to die (store.h). */
	if (!tx || tx->ops->lead(tx, &leader) != STORE_OK || !leader ||
	    tx->ops->begin_write(tx) != STORE_OK)
		return;
	json_t *waiting = NULL;
	bool emitted = false;
	int rc = tx->ops->routing_waiting(tx, &waiting);
	int64_t now = now_s();
	size_t i;
	json_t *w;
	json_array_foreach(waiting, i, w) {
		if (rc != STORE_OK)
			break;
		rc = route_one(rt, tx, w, now, &emitted);
	}
	json_decref(waiting);
	if (rc != STORE_OK || tx->ops->commit(tx) != STORE_OK) {
		tx->ops->rollback(tx);
		return;
	}
	if (emitted)
		hub_notify(rt->srv->hub);
}

static void save_model(struct routing *rt)
{
	pthread_rwlock_rdlock(&rt->lock);
	bool dirty = rt->dirty;
	json_t *j = dirty ? classifier_to_json(rt->model) : NULL;
	rt->dirty = false;
	pthread_rwlock_unlock(&rt->lock);
	if (!dirty)
		return;
	char *text = j ? json_bounded_dump(j) : NULL;
	json_decref(j);
	struct store_tx *tx = store_tx_get(rt->srv->store);
	if (text && tx && tx->ops->begin_write(tx) == STORE_OK) {
		if (tx->ops->kv_set(tx, ROUTING_MODEL_KEY, text) != STORE_OK ||
		    tx->ops->commit(tx) != STORE_OK)
			tx->ops->rollback(tx);
	}
	free(text);
}

static void *offer_thread(void *arg)
{
	struct routing *rt = arg;
	pthread_mutex_lock(&rt->mu);
	while (!rt->stopping) {
		if (!rt->kicked) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&rt->cond, &rt->mu, &ts);
		}
		if (rt->stopping)
			break;
		rt->kicked = false;
		pthread_mutex_unlock(&rt->mu);
		route_pass(rt);
		save_model(rt);
		pthread_mutex_lock(&rt->mu);
	}
	pthread_mutex_unlock(&rt->mu);
	save_model(rt);
	return NULL;
}

struct routing *routing_new(struct server *srv)
{
	struct routing *rt = calloc(1, sizeof(*rt));
	struct store_tx *tx = store_tx_get(srv->store);
	if (!rt || !tx) {
		free(rt);
		return NULL;
	}
	rt->srv = srv;
	pthread_rwlock_init(&rt->lock, NULL);
	pthread_mutex_init(&rt->mu, NULL);
	pthread_cond_init(&rt->cond, NULL);
	rt->rules = load_rules(tx);
	rt->model = load_model(tx);
	if (!rt->rules || !rt->model) {
		routing_free(rt);
		return NULL;
	}
	return rt;
}

/* Start the offer thread (after srv->routing is set). */
int routing_start(struct routing *rt)
{
	if (pthread_create(&rt->thread, NULL, offer_thread, rt) != 0)
		return -1;
	rt->started = true;
	return 0;
}

void routing_stop(struct routing *rt)
{
	if (!rt || !rt->started)
		return;
	pthread_mutex_lock(&rt->mu);
	rt->stopping = true;
	pthread_cond_signal(&rt->cond);
	pthread_mutex_unlock(&rt->mu);
	pthread_join(rt->thread, NULL);
	rt->started = false;
}

void routing_free(struct routing *rt)
{
	if (!rt)
		return;
	classifier_free(rt->rules);
	classifier_free(rt->model);
	pthread_rwlock_destroy(&rt->lock);
	pthread_mutex_destroy(&rt->mu);
	pthread_cond_destroy(&rt->cond);
	free(rt);
}
