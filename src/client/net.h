/* The desk's network: HTTPS requests to guichetd and its event stream,
 * over libcurl's multi interface, driven from the desk's one loop
 * (net_poll), so that no key ever waits for the network and the client
 * needs no thread.  Certificates are verified; answers are bounded and
 * parsed with the bounded JSON parser; the token is never logged. */
#ifndef GUICHET_CLIENT_NET_H
#define GUICHET_CLIENT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>
#include <jansson.h>

enum net_state { NET_OFFLINE, NET_CONNECTING, NET_ONLINE };

struct net_config {
	const char *base_url;         /* "https://host:port" */
	const char *cacert;           /* NULL: the system's authorities */
	long connect_timeout_ms;
	long request_timeout_ms;
};

struct net;

/* A new network (copies what it needs from cfg); NULL with a message in
 * err.  Free with net_free: transfers are cancelled and their callbacks
 * are not called. */
struct net *net_new(const struct net_config *cfg, char *err, size_t errlen);
void net_free(struct net *n);

/* The bearer token sent from now on (copied; wiped when replaced or
 * freed). */
void net_set_token(struct net *n, const char *token);

/* One turn of the loop: wait at most timeout_ms for the network or one of
 * the caller's extra fds (their revents are filled in), then move the
 * transfers on and call the callbacks of those that ended.  Returns 0, or
 * -1 on a fatal error of the multi handle. */
int net_poll(struct net *n, struct curl_waitfd *extra, unsigned nextra, int timeout_ms);

/* What a request came back with, valid during the callback only. */
struct net_result {
	int status;              /* HTTP status; 0 when no answer came */
	json_t *body;            /* borrowed: the parsed JSON answer, or NULL */
	const char *etag;        /* "" when none */
	const char *location;    /* "" when none */
	const char *error;       /* why there is no answer (TLS, refused, timeout), or NULL */
};
typedef void (*net_done_fn)(void *arg, const struct net_result *res);

/* Send a request: method, path (from the base URL), a JSON body (borrowed,
 * serialised at once; may be NULL), If-Match (the version, may be NULL),
 * Idempotency-Key (may be NULL).  done is called exactly once, from
 * net_poll, never from here.  Returns 0, or -1 when it could not be queued
 * (then done is not called). */
int net_request(struct net *n, const char *method, const char *path, const json_t *body,
		const char *if_match, const char *idem_key, net_done_fn done, void *arg);

/* Follow GET /api/v1/events for the life of n: reconnects with backoff
 * (0.5 s doubling to 30 s, with jitter; the server's retry: honoured),
 * resumes with Last-Event-ID, and treats a stream silent for
 * dead_after_ms (keep-alives count) as dead.  on_event gets every event;
 * on_state every change of state.  after: the last event already seen
 * (NULL: from now). */
typedef void (*net_event_fn)(void *arg, const char *type, const char *data, size_t len,
			     const char *id);
typedef void (*net_state_fn)(void *arg, enum net_state st);
int net_follow_events(struct net *n, const char *after, net_event_fn on_event,
		      net_state_fn on_state, void *arg);
void net_stop_events(struct net *n);
enum net_state net_events_state(const struct net *n);
const char *net_last_event_id(const struct net *n);

/* How long a silent stream is trusted (default 45 s: three server
 * heartbeats). */
void net_set_dead_after(struct net *n, long ms);

#endif
