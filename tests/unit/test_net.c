/* Unit tests: the desk's network layer (src/client/net.c) against a real
 * guichetd over verified HTTPS on loopback — login, bearer token, a wrong
 * authority, problem+json, If-Match and 412, Idempotency-Key replays, and
 * the event stream: live events, resuming with Last-Event-ID across a
 * restart of the server on the same port, and a silent (stopped) server
 * taken for dead.  The server is $GUICHETD, else the guichetd next to this
 * test's build directory, else build/guichetd; a missing one fails.
 * Every wait is a loop of net_poll (or of waitpid) with a deadline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "client/net.h"
#include "server/tls_cert.h"

extern char **environ;

#define SECOND 1000

struct server {
	pid_t pid;
	char dir[64];                 /* its data directory (mkdtemp) */
	char url[256], cacert[512];
	int port;
};

/* The group's server and alice's token, made by setup. */
static struct server srv;
static char token[256];
static char exe[1024];            /* the guichetd to run */
static char seen_id[64];          /* an event id from test_events_live */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The short pause between two looks at a condition (not synchronisation:
 * every caller loops until the condition or its deadline). */
static void pause_briefly(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

/* --- the server ---------------------------------------------------------------- */

static void find_guichetd(const char *argv0)
{
	const char *env = getenv("GUICHETD");
	char self[1024];
	snprintf(self, sizeof(self), "%s", argv0);
	if (env && *env)
		snprintf(exe, sizeof(exe), "%s", env);
	else
		snprintf(exe, sizeof(exe), "%s/../guichetd", dirname(self));
	if (access(exe, X_OK) != 0 && !(env && *env))
		snprintf(exe, sizeof(exe), "build/guichetd");
}

/* Read the ready file once the server has written it whole. */
static bool read_ready(struct server *s)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/ready.json", s->dir);
	json_t *j = json_load_file(path, 0, NULL);
	const char *url = json_string_value(json_object_get(j, "url"));
	const char *ca = json_string_value(json_object_get(j, "cacert"));
	bool ok = url && ca && strrchr(url, ':');
	if (ok) {
		snprintf(s->url, sizeof(s->url), "%s", url);
		snprintf(s->cacert, sizeof(s->cacert), "%s", ca);
		s->port = atoi(strrchr(url, ':') + 1);
	}
	json_decref(j);
	return ok;
}

/* Start guichetd --demo on listen (HOST:PORT) over s->dir and wait, at
 * most 20 s, until it says it is ready. */
static void server_start(struct server *s, const char *listen)
{
	char ready[128], log[128];
	snprintf(ready, sizeof(ready), "%s/ready.json", s->dir);
	snprintf(log, sizeof(log), "%s/server.log", s->dir);
	unlink(ready);
	if (access(exe, X_OK) != 0)
		fail_msg("no guichetd at %s (build it, or set GUICHETD)", exe);
	char *argv[] = { exe, "--demo", "--data", s->dir, "--listen", (char *)listen,
			 "--ready-file", ready, "--quiet", "--heartbeat", "1", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	int rc = posix_spawn(&s->pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		fail_msg("cannot start %s: %s", exe, strerror(rc));
	for (int64_t deadline = now_ms() + 20 * SECOND; !read_ready(s); pause_briefly()) {
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			fail_msg("guichetd exited early (status %d, see %s)", status, log);
		}
		if (now_ms() > deadline)
			fail_msg("guichetd not ready after 20 s");
	}
}

/* Stop it (woken first, should a test have left it stopped). */
static void server_stop(struct server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGCONT);
	kill(s->pid, SIGTERM);
	int64_t deadline = now_ms() + 10 * SECOND;
	while (waitpid(s->pid, NULL, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
			break;
		}
		pause_briefly();
	}
	s->pid = 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* --- requests ------------------------------------------------------------------- */

/* What a callback saw, copied out of it. */
struct reply {
	bool done;
	int calls;
	int status;
	json_t *body;
	char etag[64], location[256], error[512];
	bool has_error;
};

static void on_reply(void *arg, const struct net_result *res)
{
	struct reply *r = arg;
	r->done = true;
	r->calls++;
	r->status = res->status;
	json_decref(r->body);
	r->body = json_incref(res->body);
	snprintf(r->etag, sizeof(r->etag), "%s", res->etag ? res->etag : "");
	snprintf(r->location, sizeof(r->location), "%s", res->location ? res->location : "");
	r->has_error = res->error != NULL;
	snprintf(r->error, sizeof(r->error), "%s", res->error ? res->error : "");
}

static void reply_clear(struct reply *r)
{
	json_decref(r->body);
	memset(r, 0, sizeof(*r));
}

typedef bool (*cond_fn)(void *arg);

/* Turn n's loop until cond holds or ms pass. */
static bool wait_until(struct net *n, cond_fn cond, void *arg, int ms)
{
	int64_t deadline = now_ms() + ms;
	while (!cond(arg)) {
		if (now_ms() > deadline)
			return false;
		assert_true(net_poll(n, NULL, 0, 50) >= 0);
	}
	return true;
}

static bool reply_done(void *arg)
{
	return ((struct reply *)arg)->done;
}

static struct net *open_net(const char *cacert, const char *tok)
{
	char err[256] = "";
	struct net_config cfg = { srv.url, cacert, 2 * SECOND, 10 * SECOND, NULL };
	struct net *n = net_new(&cfg, err, sizeof(err));
	if (!n)
		fail_msg("net_new: %s", err);
	if (tok)
		assert_int_equal(net_set_token(n, tok), 0);
	return n;
}

/* One request, waited for; body is the caller's. */
static void call(struct net *n, const char *method, const char *path, json_t *body,
		 const char *if_match, const char *idem, struct reply *r)
{
	reply_clear(r);
	assert_int_equal(net_request(n, method, path, body, if_match, idem, on_reply, r), 0);
	assert_false(r->done); /* never from net_request itself */
	assert_true(wait_until(n, reply_done, r, 15 * SECOND));
	assert_int_equal(r->calls, 1);
}

static int login(struct net *n, const char *password, struct reply *r)
{
	json_t *body = json_pack("{ssss}", "login", "alice", "password", password);
	call(n, "POST", "/api/v1/auth/login", body, NULL, NULL, r);
	json_decref(body);
	return r->status;
}

/* A new citizen; its id, and its ETag in etag. */
static json_int_t new_citizen(struct net *n, const char *family, const char *idem,
			      struct reply *r)
{
	json_t *body = json_pack("{ssss}", "given_name", "Camille", "family_name", family);
	call(n, "POST", "/api/v1/citizens", body, NULL, idem, r);
	json_decref(body);
	assert_int_equal(r->status, 201);
	return json_integer_value(json_object_get(r->body, "id"));
}

/* --- the group ------------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	struct reply r = { 0 };
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/guichet-net-XXXXXX");
	if (!mkdtemp(srv.dir))
		return -1;
	server_start(&srv, "127.0.0.1:0");
	struct net *n = open_net(srv.cacert, NULL);
	int status = login(n, "demo", &r);
	const char *tok = json_string_value(json_object_get(r.body, "token"));
	if (status == 200 && tok)
		snprintf(token, sizeof(token), "%s", tok);
	reply_clear(&r);
	net_free(n);
	return token[0] ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	server_stop(&srv);
	nftw(srv.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* --- requests ---------------------------------------------------------------------- */

static void test_login(void **state)
{
	(void)state;
	struct reply r = { 0 };
	struct net *n = open_net(srv.cacert, NULL);
	assert_int_equal(login(n, "demo", &r), 200);
	assert_false(r.has_error);
	const char *tok = json_string_value(json_object_get(r.body, "token"));
	assert_non_null(tok);
	assert_true(strlen(tok) > 16);
	/* a wrong password: 401, and its problem+json */
	assert_int_equal(login(n, "not-the-password", &r), 401);
	assert_int_equal(json_integer_value(json_object_get(r.body, "status")), 401);
	reply_clear(&r);
	net_free(n);
}

static void test_me(void **state)
{
	(void)state;
	struct reply r = { 0 };
	struct net *n = open_net(srv.cacert, NULL);
	call(n, "GET", "/api/v1/me", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 401); /* no token yet */
	assert_int_equal(net_set_token(n, token), 0);
	call(n, "GET", "/api/v1/me", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.body, "login")), "alice");
	assert_string_equal(json_string_value(json_object_get(r.body, "role")), "agent");
	/* removing the token removes the header */
	assert_int_equal(net_set_token(n, NULL), 0);
	call(n, "GET", "/api/v1/me", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	reply_clear(&r);
	net_free(n);
}

/* The request fails before HTTP: status 0, a message on the certificate,
 * and no token in it. */
static void expect_tls_failure(const char *cacert)
{
	struct reply r = { 0 };
	struct net *n = open_net(cacert, token);
	call(n, "GET", "/api/v1/me", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 0);
	assert_null(r.body);
	assert_true(r.has_error);
	assert_non_null(strcasestr(r.error, "certificate")); /* says why */
	assert_null(strstr(r.error, token));
	reply_clear(&r);
	net_free(n);
}

static void test_wrong_ca(void **state)
{
	(void)state;
	char other[128], err[256], ca[160], ready[128];
	/* a real authority, but not the one that signed the server */
	snprintf(other, sizeof(other), "%s/other-ca", srv.dir);
	assert_int_equal(mkdir(other, 0700), 0);
	if (tls_cert_ensure(other, NULL, 1, err, sizeof(err)) < 0)
		fail_msg("tls_cert_ensure: %s", err);
	snprintf(ca, sizeof(ca), "%s/%s", other, TLS_CA_CERT);
	expect_tls_failure(ca);
	/* a file that holds no certificate at all */
	snprintf(ready, sizeof(ready), "%s/ready.json", srv.dir);
	expect_tls_failure(ready);
}

/* Errors come back as HTTP answers with their problem+json parsed. */
static void test_not_found(void **state)
{
	(void)state;
	struct reply r = { 0 };
	struct net *n = open_net(srv.cacert, token);
	call(n, "GET", "/api/v1/no-such-thing", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_false(r.has_error);
	assert_true(json_is_object(r.body));
	assert_int_equal(json_integer_value(json_object_get(r.body, "status")), 404);
	assert_non_null(json_string_value(json_object_get(r.body, "title")));
	/* a write without a body is sent (empty), not read from stdin */
	call(n, "POST", "/api/v1/chats/999999/accept", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(json_string_value(json_object_get(r.body, "instance")),
			    "/api/v1/chats/999999/accept");
	/* an answer that is not JSON: no body, and no error either */
	call(n, "GET", "/metrics", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_null(r.body);
	assert_false(r.has_error);
	reply_clear(&r);
	net_free(n);
}

static void test_if_match(void **state)
{
	(void)state;
	struct reply r = { 0 };
	char path[64];
	struct net *n = open_net(srv.cacert, token);
	json_int_t id = new_citizen(n, "Lefort", NULL, &r);
	assert_string_equal(r.etag, "\"1\"");
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld", (long long)id);
	assert_string_equal(r.location, path);
	json_t *patch = json_pack("{ss}", "given_name", "Camille-Anne");
	call(n, "PATCH", path, patch, "1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.etag, "\"2\"");
	/* the same version again is stale now: 412 with the current record */
	call(n, "PATCH", path, patch, "1", NULL, &r);
	assert_int_equal(r.status, 412);
	assert_string_equal(r.etag, "\"2\"");
	json_t *current = json_object_get(r.body, "current");
	assert_int_equal(json_integer_value(json_object_get(current, "version")), 2);
	/* no If-Match at all on a PATCH: 428 */
	call(n, "PATCH", path, patch, NULL, NULL, &r);
	assert_int_equal(r.status, 428);
	json_decref(patch);
	reply_clear(&r);
	net_free(n);
}

static void test_idempotency(void **state)
{
	(void)state;
	struct reply r = { 0 };
	char key[64];
	snprintf(key, sizeof(key), "test-net-%ld-%lld", (long)getpid(), (long long)now_ms());
	struct net *n = open_net(srv.cacert, token);
	json_int_t first = new_citizen(n, "Idem", key, &r);
	json_int_t again = new_citizen(n, "Idem", key, &r);
	assert_true(first > 0);
	assert_int_equal(again, first);
	/* the same key with another body is refused */
	json_t *other = json_pack("{ssss}", "given_name", "Camille", "family_name", "Autre");
	call(n, "POST", "/api/v1/citizens", other, NULL, key, &r);
	assert_int_equal(r.status, 422);
	json_decref(other);
	reply_clear(&r);
	net_free(n);
}

static void count_call(void *arg, const struct net_result *res)
{
	(void)res;
	(*(int *)arg)++;
}

/* What a header or a URL cannot carry is refused at once, and then the
 * callback is never called. */
static void test_refused_arguments(void **state)
{
	(void)state;
	static const struct {
		const char *method, *path, *if_match, *idem;
	} bad[] = {
		{ "GET", "/api/v1/me", "1\r\nX-Injected: 1", NULL },
		{ "PATCH", "/api/v1/citizens/1", "\"1\"", NULL },
		{ "POST", "/api/v1/citizens", NULL, "a key with spaces" },
		{ "GET", "api/v1/me", NULL, NULL },
		{ "GET", "/api/v1/me\r\nX-Injected: 1", NULL, NULL },
		{ "get", "/api/v1/me", NULL, NULL },
	};
	int calls = 0;
	char err[256] = "";
	struct net_config plain = { "http://127.0.0.1:1", NULL, 0, 0, NULL };
	assert_null(net_new(&plain, err, sizeof(err)));
	assert_true(err[0] != '\0');
	struct net *n = open_net(srv.cacert, token);
	assert_int_equal(net_set_token(n, "abc\r\nX-Injected: 1"), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(net_request(n, bad[i].method, bad[i].path, NULL, bad[i].if_match,
					     bad[i].idem, count_call, &calls), -1);
	assert_int_equal(net_follow_events(n, "1\n2", NULL, NULL, NULL), -1);
	for (int i = 0; i < 3; i++)
		assert_true(net_poll(n, NULL, 0, 10) >= 0);
	assert_int_equal(calls, 0);
	net_free(n);
}

/* net_free cancels: the callback of a request in flight is never called. */
static void test_free_cancels(void **state)
{
	(void)state;
	int calls = 0;
	struct net *n = open_net(srv.cacert, token);
	assert_int_equal(net_request(n, "GET", "/api/v1/me", NULL, NULL, NULL, count_call, &calls),
			 0);
	assert_true(net_poll(n, NULL, 0, 0) >= 0);
	net_free(n);
	assert_int_equal(calls, 0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* The caller's fds wake net_poll, and so does net_wakeup; a signal (the
 * desk's SIGWINCH) interrupts it without an error. */
static void test_poll_wakes(void **state)
{
	(void)state;
	int fds[2];
	struct net *n = open_net(srv.cacert, token);
	assert_int_equal(pipe(fds), 0);
	struct curl_waitfd w = { .fd = fds[0], .events = CURL_WAIT_POLLIN };
	assert_true(net_poll(n, &w, 1, 0) >= 0);
	assert_int_equal(w.revents, 0);
	assert_int_equal(write(fds[1], "k", 1), 1);
	int64_t t = now_ms();
	assert_true(net_poll(n, &w, 1, 10 * SECOND) >= 0);
	assert_true(w.revents & CURL_WAIT_POLLIN);
	assert_true(now_ms() - t < 5 * SECOND);
	net_wakeup(n);
	t = now_ms();
	assert_true(net_poll(n, NULL, 0, 10 * SECOND) >= 0);
	assert_true(now_ms() - t < 5 * SECOND);
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval in_100ms = { { 0, 0 }, { 0, 100 * 1000 } };
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &in_100ms, NULL), 0);
	assert_true(net_poll(n, NULL, 0, 2 * SECOND) >= 0);
	sigaction(SIGALRM, &old, NULL);
	close(fds[0]);
	close(fds[1]);
	net_free(n);
}

/* --- the event stream ------------------------------------------------------------------ */

/* What the stream's callbacks saw. */
struct watch {
	enum net_state states[256];
	int64_t at[256];            /* when each state was heard of */
	size_t nstates;
	size_t nevents;
	long long last_id;
	bool in_order;              /* every id above the one before: no repeat */
	struct {
		json_int_t id;      /* a citizen.created's citizen */
		size_t at_state;    /* nstates when it came */
	} created[256];
	size_t ncreated;
	json_int_t want;            /* the citizen want_seen waits for */
};

static void watch_init(struct watch *w)
{
	memset(w, 0, sizeof(*w));
	w->in_order = true;
	w->last_id = -1;
}

static void on_event(void *arg, const char *type, const char *data, size_t len, const char *id)
{
	struct watch *w = arg;
	long long n = atoll(id);
	if (n <= w->last_id)
		w->in_order = false;
	w->last_id = n;
	w->nevents++;
	if (strcmp(type, "citizen.created") != 0 || w->ncreated >= 256)
		return;
	json_t *j = json_loadb(data, len, 0, NULL);
	w->created[w->ncreated].id = json_integer_value(json_object_get(j, "id"));
	w->created[w->ncreated++].at_state = w->nstates;
	json_decref(j);
}

static void on_state(void *arg, enum net_state st)
{
	struct watch *w = arg;
	if (w->nstates < sizeof(w->states) / sizeof(w->states[0])) {
		w->at[w->nstates] = now_ms();
		w->states[w->nstates++] = st;
	}
}

static enum net_state last_state(const struct watch *w)
{
	return w->nstates ? w->states[w->nstates - 1] : NET_OFFLINE;
}

static bool is_online(void *arg)
{
	return last_state(arg) == NET_ONLINE;
}

static bool is_not_online(void *arg)
{
	return last_state(arg) != NET_ONLINE;
}

/* How many times citizen.created came for id, and when (nstates then). */
static int times_created(const struct watch *w, json_int_t id, size_t *at_state)
{
	int k = 0;
	for (size_t i = 0; i < w->ncreated; i++)
		if (w->created[i].id == id) {
			k++;
			if (at_state)
				*at_state = w->created[i].at_state;
		}
	return k;
}

static bool want_seen(void *arg)
{
	const struct watch *w = arg;
	return times_created(w, w->want, NULL) > 0;
}

static void test_events_live(void **state)
{
	(void)state;
	struct watch w;
	struct reply r = { 0 };
	watch_init(&w);
	struct net *n = open_net(srv.cacert, token);
	assert_int_equal(net_follow_events(n, NULL, on_event, on_state, &w), 0);
	assert_true(wait_until(n, is_online, &w, 10 * SECOND));
	assert_int_equal(w.nstates, 2);
	assert_int_equal(w.states[0], NET_CONNECTING);
	assert_int_equal(net_events_state(n), NET_ONLINE);
	w.want = new_citizen(n, "Direct", NULL, &r);
	assert_true(wait_until(n, want_seen, &w, 10 * SECOND));
	assert_int_equal(times_created(&w, w.want, NULL), 1);
	assert_true(w.in_order);
	/* the id to resume from is the last one seen */
	char last[32];
	snprintf(last, sizeof(last), "%lld", w.last_id);
	assert_string_equal(net_last_event_id(n), last);
	snprintf(seen_id, sizeof(seen_id), "%s", last);
	/* stopped: no callback any more */
	size_t before = w.nstates;
	net_stop_events(n);
	assert_int_equal(net_events_state(n), NET_OFFLINE);
	assert_true(net_poll(n, NULL, 0, 10) >= 0);
	assert_int_equal(w.nstates, before);
	reply_clear(&r);
	net_free(n);
}

/* `after` resumes from an id the desk already had. */
static void test_events_after(void **state)
{
	(void)state;
	struct watch w;
	struct reply r = { 0 };
	watch_init(&w);
	assert_true(seen_id[0] != '\0');
	struct net *n = open_net(srv.cacert, token);
	json_int_t id = new_citizen(n, "Plus-tard", NULL, &r); /* before the stream opens */
	w.want = id;
	assert_int_equal(net_follow_events(n, seen_id, on_event, on_state, &w), 0);
	assert_string_equal(net_last_event_id(n), seen_id);
	assert_true(wait_until(n, want_seen, &w, 10 * SECOND));
	assert_int_equal(times_created(&w, id, NULL), 1);
	assert_true(w.in_order);
	assert_true(w.last_id > atoll(seen_id));
	reply_clear(&r);
	net_free(n);
}

/* The server goes away and comes back on the same port: the stream drops,
 * comes back, and with Last-Event-ID delivers, once, the event made while
 * it was down. */
static void test_events_resume(void **state)
{
	(void)state;
	struct watch w;
	struct reply r = { 0 };
	char listen[64];
	watch_init(&w);
	struct net *n = open_net(srv.cacert, token);
	assert_int_equal(net_follow_events(n, NULL, on_event, on_state, &w), 0);
	assert_true(wait_until(n, is_online, &w, 10 * SECOND));
	w.want = new_citizen(n, "Avant", NULL, &r); /* an id to resume from */
	assert_true(wait_until(n, want_seen, &w, 10 * SECOND));
	size_t online_at = w.nstates;

	server_stop(&srv);
	assert_true(wait_until(n, is_not_online, &w, 10 * SECOND));
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", srv.port);
	server_start(&srv, listen);

	/* Only the second net turns while the citizen is made, so the first
	 * one's stream is certainly still down: the event can reach it only
	 * by Last-Event-ID. */
	struct net *other = open_net(srv.cacert, token);
	w.want = new_citizen(other, "Pendant", NULL, &r);
	assert_int_not_equal(last_state(&w), NET_ONLINE);

	assert_true(wait_until(n, want_seen, &w, 20 * SECOND));
	assert_true(wait_until(n, is_online, &w, 1 * SECOND));
	size_t at_state = 0;
	assert_int_equal(times_created(&w, w.want, &at_state), 1);
	assert_true(w.in_order);
	/* after it was online: down (offline, connecting), then online again */
	assert_true(w.nstates >= online_at + 3);
	assert_int_equal(w.states[online_at], NET_OFFLINE);
	bool connecting = false;
	for (size_t i = online_at; i < at_state; i++)
		connecting |= w.states[i] == NET_CONNECTING;
	assert_true(connecting);
	assert_int_equal(w.states[at_state - 1], NET_ONLINE);
	reply_clear(&r);
	net_free(other);
	net_free(n);
}

/* A server that says nothing (stopped) for three heartbeats is taken for
 * dead; once it runs again the stream comes back, after the server's
 * retry: delay. */
static void test_events_dead(void **state)
{
	(void)state;
	struct watch w;
	watch_init(&w);
	struct net *n = open_net(srv.cacert, token);
	net_set_dead_after(n, 3 * SECOND); /* 3 x --heartbeat 1 */
	assert_int_equal(net_follow_events(n, NULL, on_event, on_state, &w), 0);
	assert_true(wait_until(n, is_online, &w, 10 * SECOND));
	int64_t t = now_ms();
	assert_int_equal(kill(srv.pid, SIGSTOP), 0);
	bool left = wait_until(n, is_not_online, &w, 10 * SECOND);
	int64_t silent = now_ms() - t;
	assert_int_equal(kill(srv.pid, SIGCONT), 0);
	assert_true(left);
	/* not before the silence was long enough (the last keep-alive may have
	 * come up to a heartbeat before the stop) */
	assert_true(silent >= 2 * SECOND - 100);
	size_t down = w.nstates - 1;
	assert_int_equal(w.states[down], NET_OFFLINE);
	assert_true(wait_until(n, is_online, &w, 15 * SECOND));
	/* the next attempt waited at least the server's retry: 2000 */
	assert_int_equal(w.states[down + 1], NET_CONNECTING);
	assert_true(w.at[down + 1] - w.at[down] >= 2 * SECOND - 50);
	net_free(n);
}

int main(int argc, char **argv)
{
	(void)argc;
	find_guichetd(argv[0]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_me),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_if_match),
		cmocka_unit_test(test_idempotency),
		cmocka_unit_test(test_refused_arguments),
		cmocka_unit_test(test_free_cancels),
		cmocka_unit_test(test_poll_wakes),
		cmocka_unit_test(test_events_live),
		cmocka_unit_test(test_events_after),
		cmocka_unit_test(test_events_resume),
		cmocka_unit_test(test_events_dead),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
