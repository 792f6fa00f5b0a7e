/* The demo's live traffic (see simulate.h).  Each action goes through the
 * same operations as the API (chat.c, telephony.c), in its own write
 * transaction, then wakes the hub and routing like a request would. */
#include "server/simulate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "core/sla.h"
#include "server/chat.h"
#include "server/demo_mail.h"
#include "server/hub.h"
#include "server/routing.h"
#include "server/store.h"

static struct {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool started, stopping;
	struct server *srv;
	struct rng rng;
	unsigned calls;
	unsigned until_mail;     /* actions left before the next citizen mail (--demo-mail) */
	bool mail_failing;       /* logged once until a delivery works again */
} sim = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static uint64_t next(void)
{
	return rng_next(&sim.rng);
}

#define PICK(a) RNG_PICK(&sim.rng, a)

static const char *const names[] = { "Élodie", "Karim", "Anaïs", "Jérôme", "Maëlle", "François",
				     "Hélène", "Loïc", "Zoé", "Noël", "Inès", "Benoît" };
static const struct {
	const char *subject, *text;
} openers[] = {
	{ "Acte de naissance", "Bonjour, je voudrais obtenir une copie intégrale de mon acte de naissance." },
	{ "Nid-de-poule", "Il y a un nid-de-poule énorme devant le 14 rue des Tilleuls, c'est dangereux." },
	{ "Cantine", "Bonjour, comment inscrire ma fille à la cantine pour la rentrée ?" },
	{ "Permis de construire", "Où en est l'instruction de mon permis de construire déposé en mars ?" },
	{ "Éclairage public", "Le lampadaire de l'allée des Érables ne s'allume plus depuis une semaine." },
	{ "Aide sociale", "Je cherche des informations sur l'aide au portage de repas pour ma mère." },
	{ "Livret de famille", "J'ai perdu mon livret de famille, comment en obtenir un duplicata ?" },
	{ "Encombrants", "Quand passe la collecte des encombrants dans le quartier de la Gare ?" },
	{ NULL, "Bonjour, j'ai une question sur une démarche, pouvez-vous m'aider ?" },
};
static const char *const follow_ups[] = {
	"Merci pour votre réponse rapide.", "Est-ce que je dois fournir un justificatif de domicile ?",
	"D'accord, et quel est le délai habituel ?", "Je peux passer en mairie jeudi matin ?",
	"Mon numéro de dossier est sur le courrier reçu la semaine dernière.",
	"Très bien, je vous remercie.",
};
static const char *const services[] = { "etat-civil", "voirie", "urbanisme", "affaires-scolaires",
					"ccas", "accueil" };

static void start_chat(struct store_tx *tx, int64_t now)
{
	size_t i = next() % (sizeof(openers) / sizeof(openers[0]));
	json_t *in = json_pack("{ssss}", "name", PICK(names), "text", openers[i].text);
	if (openers[i].subject)
		json_object_set_new(in, "subject", json_string(openers[i].subject));
	json_t *out = NULL;
	char err[160];
	chat_start(sim.srv, tx, in, now, &out, err, sizeof(err));
	json_decref(in);
	json_decref(out);
}

static void chat_write(struct store_tx *tx, int64_t now)
{
	json_t *chats = NULL, *out = NULL;
	if (tx->ops->chat_list(tx, NULL, 0, &chats) != STORE_OK || !json_array_size(chats)) {
		json_decref(chats);
		start_chat(tx, now);
		return;
	}
	json_t *c = json_array_get(chats, next() % json_array_size(chats));
	char err[160];
	chat_citizen_message(tx, json_integer_value(json_object_get(c, "id")), PICK(follow_ups), now,
			     &out, err, sizeof(err));
	json_decref(out);
	json_decref(chats);
}

static void ring(struct store_tx *tx, int64_t now)
{
	char call_id[48], from[20];
	snprintf(call_id, sizeof(call_id), "sim-%lld-%u", (long long)now, ++sim.calls);
	snprintf(from, sizeof(from), "+336%08u", (unsigned)(next() % 100000000u));
	json_t *in = json_pack("{ssssssss}", "call_id", call_id, "event", "ringing", "from", from,
			       "service", PICK(services)), *out = NULL;
	char err[160];
	telephony_event(tx, in, now, &out, err, sizeof(err));
	json_decref(in);
	json_decref(out);
}

static void hang_up(struct store_tx *tx, int64_t now)
{
	json_t *calls = NULL, *out = NULL;
	if (tx->ops->call_list(tx, &calls) != STORE_OK || !json_array_size(calls)) {
		json_decref(calls);
		return;
	}
	json_t *c = json_array_get(calls, 0); /* the oldest call ends first */
	json_t *in = json_pack("{sOss}", "call_id", json_object_get(c, "call_id"), "event", "ended");
	char err[160];
	telephony_event(tx, in, now, &out, err, sizeof(err));
	json_decref(in);
	json_decref(out);
	json_decref(calls);
}

static void answer_survey(struct store_tx *tx, int64_t now)
{
	json_t *chats = NULL, *out = NULL;
	if (tx->ops->chat_list(tx, "closed", 0, &chats) != STORE_OK || !json_array_size(chats)) {
		json_decref(chats);
		return;
	}
	json_t *c = json_array_get(chats, next() % json_array_size(chats));
	int csat = 3 + (int)(next() % 3), nps = 5 + (int)(next() % 6);
	json_t *in = json_pack("{sisi}", "csat", csat, "nps", nps);
	char err[160];
	chat_survey(tx, json_integer_value(json_object_get(c, "id")), in, now, &out, err, sizeof(err));
	json_decref(in);
	json_decref(out);
	json_decref(chats);
}

static const struct {
	void (*fn)(struct store_tx *, int64_t);
	unsigned weight;
} actions[] = {
	{ start_chat, 3 }, { chat_write, 4 }, { ring, 2 }, { hang_up, 2 }, { answer_survey, 1 },
};

static void act(void)
{
	struct store_tx *tx = store_tx_get(sim.srv->store);
	if (!tx || tx->ops->begin_write(tx) != STORE_OK)
		return;
	unsigned total = 0;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		total += actions[i].weight;
	unsigned r = (unsigned)(next() % total);
	size_t i = 0;
	while (r >= actions[i].weight)
		r -= actions[i++].weight;
	actions[i].fn(tx, (int64_t)time(NULL));
	if (tx->ops->commit(tx) != STORE_OK) {
		tx->ops->rollback(tx);
		return;
	}
	hub_notify(sim.srv->hub);
	routing_kick(sim.srv);
}

/* --demo-mail: every 20 to 40 actions, a citizen writes to the mailbox.
 * A failed delivery is logged once (the message waits in new/ for the next
 * `notmuch new`) and the traffic goes on. */
static void mail_tick(void)
{
	if (!sim.srv->cfg.demo_mail[0] || --sim.until_mail > 0)
		return;
	sim.until_mail = 20 + (unsigned)(next() % 21);
	char err[512];
	if (demo_mail_deliver(sim.srv->cfg.demo_mail, next(), (int64_t)time(NULL), err,
			      sizeof(err)) < 0) {
		if (!sim.mail_failing)
			server_log("simulated mail: %s", err);
		sim.mail_failing = true;
	} else {
		sim.mail_failing = false;
	}
}

static void *run(void *arg)
{
	(void)arg;
	double rate = sim.srv->cfg.simulate_rate > 0 ? sim.srv->cfg.simulate_rate : 0.5;
	long period_ns = (long)(1e9 / rate);
	pthread_mutex_lock(&sim.mu);
	while (!sim.stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += period_ns / 1000000000L;
		ts.tv_nsec += period_ns % 1000000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sim.cond, &sim.mu, &ts);
		if (sim.stopping)
			break;
		pthread_mutex_unlock(&sim.mu);
		act();
		mail_tick();
		pthread_mutex_lock(&sim.mu);
	}
	pthread_mutex_unlock(&sim.mu);
	return NULL;
}

int simulate_start(struct server *srv)
{
	sim.srv = srv;
	sim.rng.state = (uint64_t)time(NULL);
	sim.stopping = false;
	sim.until_mail = 20 + (unsigned)(next() % 21);
	if (pthread_create(&sim.thread, NULL, run, NULL) != 0)
		return -1;
	sim.started = true;
	return 0;
}

void simulate_stop(void)
{
	if (!sim.started)
		return;
	pthread_mutex_lock(&sim.mu);
	sim.stopping = true;
	pthread_cond_signal(&sim.cond);
	pthread_mutex_unlock(&sim.mu);
	pthread_join(sim.thread, NULL);
	sim.started = false;
}
