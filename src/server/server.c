/* The life of `guichetd serve`: open the store (seeding demo data when
 * asked), start the hub, routing, the HTTP daemon and the background
 * threads, write the ready file, wait for SIGINT/SIGTERM, stop in order. */
#include "server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "core/calendar.h"
#include "server/audit_batch.h"
#include "server/clock.h"
#include "server/demo.h"
#include "server/http.h"
#include "server/hub.h"
#include "server/metrics.h"
#include "server/rate.h"
#include "server/routes.h"
#include "server/routing.h"
#include "server/simulate.h"
#include "server/store.h"
#include "server/store_audit.h"
#include "server/tls_cert.h"
#include "server/web.h"

static bool log_quiet;

void server_config_init(struct server_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8443");
	c->threads = 8;
	c->timeout_s = 30;
	c->max_conn_per_ip = 256;
	c->max_connections = 4096;
	c->max_body = 1 << 20;
	c->max_header = 32 * 1024;
	c->heartbeat_s = 15;
	c->offer_timeout_s = 20;
	c->audit_retention_days = 365;
	c->events_retention_hours = 168;
	c->session_hours = 12;
	c->demo_scale = 1;
	c->simulate_rate = 0.5;
	c->chat_msgs_per_min = 20;
	c->chat_starts_per_hour = 20;
}

void server_log(const char *fmt, ...)
{
	if (log_quiet)
		return;
	char iso[ISO8601_LEN];
	iso8601_format((int64_t)time(NULL), iso);
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s guichetd: ", iso);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* {"url", "cacert", "pid"}, written to a temporary file then renamed, so
 * that a reader never sees half of it. */
static int write_ready_file(const struct server *srv)
{
	const struct server_config *c = &srv->cfg;
	if (!c->ready_file[0])
		return 0;
	bool v6 = c->listen[0] == '[';
	char host[64];
	snprintf(host, sizeof(host), "%s", v6 ? "[::1]" : "127.0.0.1");
	if (!v6 && strncmp(c->listen, "127.", 4) == 0)
		snprintf(host, sizeof(host), "%.*s", (int)(strchr(c->listen, ':') - c->listen), c->listen);
	char tmp[1100];
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->ready_file);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"url\": \"%s://%s:%u\", \"cacert\": \"%s/%s\", \"pid\": %ld}\n",
		c->plain_http ? "http" : "https", host, srv->port, c->data_dir, TLS_CA_CERT,
		(long)getpid());
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 || rename(tmp, c->ready_file) < 0)
		return -1;
	return 0;
}

/* Hourly: audit records and events past retention, idempotency keys past
 * 48 hours. */
static pthread_mutex_t maint_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t maint_cond = PTHREAD_COND_INITIALIZER;

/* Events go in batches, each its own write transaction, so that a large
 * backlog never holds the write lock for long: measured on 1,000,000
 * events, one DELETE held it 1.5 s, a batch of 5,000 holds it about 12 ms
 * (100 ms when a WAL checkpoint falls in it). */
#define EVENTS_PURGE_BATCH 5000

/* One batch of old events; -1 on failure, else how many went. */
static int64_t purge_events_batch(struct store_tx *tx, int64_t before)
{
	int64_t n = 0;
	if (tx->ops->begin_write(tx) != STORE_OK)
		return -1;
	if (tx->ops->events_purge(tx, before, EVENTS_PURGE_BATCH, &n) != STORE_OK ||
	    tx->ops->commit(tx) != STORE_OK) {
		tx->ops->rollback(tx);
		return -1;
	}
	return n;
}

/* Between two batches while serving, leave the write lock free at least as
 * long as the batch held it (10 ms at least): back to back, the batches
 * starved the requests waiting in SQLite's busy handler (1.2 s for one
 * write, against 34 ms with a pause). */
static void pace(uint64_t since_ns)
{
	uint64_t took = now_ns() - since_ns, wait = took > 10000000u ? took : 10000000u;
	struct timespec ts = { .tv_sec = (time_t)(wait / 1000000000u),
			       .tv_nsec = (long)(wait % 1000000000u) };
	nanosleep(&ts, NULL);
}

/* Delete the events older than the retention (none when it is 0);
 * returns how many went.  paced: other threads are writing too. */
static int64_t purge_events(struct server *srv, bool paced)
{
	struct store_tx *tx = store_tx_get(srv->store);
	unsigned hours = srv->cfg.events_retention_hours;
	if (!tx || hours == 0)
		return 0;
	int64_t before = (int64_t)time(NULL) - (int64_t)hours * 3600, total = 0, n;
	uint64_t t0 = now_ns(), t = t0;
	while (!srv->stopping && (n = purge_events_batch(tx, before)) > 0) {
		total += n;
		if (n < EVENTS_PURGE_BATCH)
			break;
		if (paced)
			pace(t);
		t = now_ns();
	}
	if (total)
		server_log("purged %lld events older than %u hours in %llu ms", (long long)total,
			   hours, (unsigned long long)((now_ns() - t0) / 1000000));
	return total;
}

static void maintain(struct server *srv)
{
	purge_events(srv, true);
	struct store_tx *tx = store_tx_get(srv->store);
	if (!tx || tx->ops->begin_write(tx) != STORE_OK)
		return;
	int64_t now = (int64_t)time(NULL), purged = 0;
	int rc = tx->ops->audit_purge(tx, now - (int64_t)srv->cfg.audit_retention_days * 86400,
				      &purged);
	if (rc == STORE_OK)
		rc = tx->ops->idem_purge(tx, now - 48 * 3600);
	if (rc != STORE_OK || tx->ops->commit(tx) != STORE_OK) {
		tx->ops->rollback(tx);
		return;
	}
	if (purged)
		server_log("purged %lld audit records older than %u days", (long long)purged,
			   srv->cfg.audit_retention_days);
}

static void *maintenance_thread(void *arg)
{
	struct server *srv = arg;
	pthread_mutex_lock(&maint_mu);
	while (!srv->stopping) {
		pthread_mutex_unlock(&maint_mu);
		maintain(srv);
		pthread_mutex_lock(&maint_mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 3600;
		while (!srv->stopping &&
		       pthread_cond_timedwait(&maint_cond, &maint_mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&maint_mu);
	return NULL;
}

static int open_store(struct server *srv)
{
	struct server_config *c = &srv->cfg;
	char err[512];
	if (mkdir(c->data_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "guichetd: %s: %s\n", c->data_dir, strerror(errno));
		return -1;
	}
	if (c->demo && !c->cert_file[0] &&
	    tls_cert_ensure(c->data_dir, NULL, 825, err, sizeof(err)) < 0) {
		fprintf(stderr, "guichetd: %s\n", err);
		return -1;
	}
	srv->store = store_open(c->store, c->data_dir, err, sizeof(err));
	if (!srv->store) {
		fprintf(stderr, "guichetd: %s\n", err);
		return -1;
	}
	int missing = store_ops_missing(srv->store);
	if (missing != 0) {
		fprintf(stderr, "guichetd: the %s store %s\n", store_kind(srv->store),
			missing < 0 ? "cannot be reached"
				    : "is not complete in this guichetd yet: serve on SQLite");
		return -1;
	}
	if (c->demo && demo_store_is_empty(srv->store)) {
		server_log("seeding demo data (scale %d, timeline %ld) in %s", c->demo_scale,
			   c->demo_timeline, c->data_dir);
		if (demo_seed(srv->store, c->demo_scale, c->demo_timeline, (int64_t)time(NULL), err,
			      sizeof(err)) < 0) {
			fprintf(stderr, "guichetd: demo data: %s\n", err);
			return -1;
		}
	} else if (c->demo && c->demo_timeline) {
		/* A kept demo directory is served as it is, like its scale. */
		long had = demo_timeline_seeded(srv->store);
		if (had != c->demo_timeline)
			fprintf(stderr, "guichetd: warning: --demo-timeline %ld ignored: %s was seeded"
				" with %ld (give a new --data)\n", c->demo_timeline, c->data_dir, had);
	}
	return 0;
}

/* The hub pauses and wakes its streams' connections through the HTTP
 * glue, which owns them: told here, so that the hub never calls it. */
static const struct hub_conn_ops hub_conns = { .suspend = http_suspend, .resume = http_resume };

/* Another node committed events or changed what routing offers
 * (PostgreSQL's NOTIFY, or the listener's poll): this node's streams load
 * the events, its router looks again. */
static void store_woken(void *arg, unsigned news)
{
	struct server *srv = arg;
	if (news & STORE_NEWS_EVENTS)
		hub_notify(srv->hub);
	if (news & STORE_NEWS_ROUTING)
		routing_woken(srv);
}

static int start_parts(struct server *srv)
{
	/* Derived from the audit key, which every node of a store shares
	 * (store_audit.h): a stream ticket made by one node opens on any. */
	unsigned char audit_key[32];
	char err[512];
	if (store_audit_key_load(srv->cfg.data_dir, audit_key, err, sizeof(err)) < 0) {
		fprintf(stderr, "guichetd: %s\n", err);
		return -1;
	}
	crypto_kdf_derive_from_key(srv->ticket_key, sizeof(srv->ticket_key), 1, "tickets_",
				   audit_key);
	sodium_memzero(audit_key, sizeof(audit_key));
	web_csp(&srv->cfg, srv->web_csp, sizeof(srv->web_csp));
	srv->rates = rate_table_new(4096);
	srv->metrics = srv->rates ? metrics_new(routes_count) : NULL;
	srv->audit = srv->metrics ? audit_batch_new(srv->store) : NULL;
	srv->hub = srv->audit ? hub_new(srv, &hub_conns) : NULL;
	srv->routing = srv->hub ? routing_new(srv) : NULL;
	if (!srv->routing || routing_start(srv->routing) < 0 ||
	    store_listen(srv->store, store_woken, srv) < 0) {
		fprintf(stderr, "guichetd: cannot start (out of memory or threads)\n");
		return -1;
	}
	return http_start(srv);
}

static void stop_parts(struct server *srv, pthread_t *maint)
{
	pthread_mutex_lock(&maint_mu);
	srv->stopping = 1;
	pthread_cond_broadcast(&maint_cond);
	pthread_mutex_unlock(&maint_mu);
	if (maint)
		pthread_join(*maint, NULL);
	simulate_stop();
	store_unlisten(srv->store);
	routing_stop(srv->routing);
	hub_stop(srv->hub);
	http_stop(srv);
	audit_batch_free(srv->audit);
	hub_free(srv->hub);
	routing_free(srv->routing);
	metrics_free(srv->metrics);
	rate_table_free(srv->rates);
	sodium_memzero(srv->ticket_key, sizeof(srv->ticket_key));
	store_close(srv->store);
}

int server_run(struct server_config *cfg)
{
	static struct server srv;
	memset(&srv, 0, sizeof(srv));
	srv.cfg = *cfg;
	log_quiet = cfg->quiet;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread inherits it */
	signal(SIGPIPE, SIG_IGN);
	pthread_t maint;
	bool maint_started = false;
	int status = 1;
	if (open_store(&srv) < 0)
		goto out;
	/* Before the first stream opens: a retention just shortened holds
	 * from the first answer on, and the hub starts from what is kept. */
	purge_events(&srv, false);
	if (start_parts(&srv) < 0)
		goto out;
	maint_started = pthread_create(&maint, NULL, maintenance_thread, &srv) == 0;
	if (cfg->simulate && simulate_start(&srv) < 0)
		goto out;
	if (write_ready_file(&srv) < 0) {
		fprintf(stderr, "guichetd: cannot write %s: %s\n", cfg->ready_file, strerror(errno));
		goto out;
	}
	/* The port actually bound: --listen may have asked for port 0. */
	char host[256];
	snprintf(host, sizeof(host), "%s", cfg->listen);
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = '\0';
	server_log("listening on %s://%s:%u, data in %s", cfg->plain_http ? "http" : "https", host,
		   srv.port, cfg->data_dir);
	int sig = 0;
	sigwait(&set, &sig);
	server_log("stopping (signal %d)", sig);
	status = 0;
out:
	stop_parts(&srv, maint_started ? &maint : NULL);
	return status;
}
