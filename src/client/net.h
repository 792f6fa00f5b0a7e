/* The desk's network: HTTPS requests to guichetd and its event stream,
 * over libcurl's multi interface, driven from the desk's one loop
 * (net_poll), so that no key ever waits for the network and the client
 * needs no thread.  Certificates are always verified (TLS 1.2 at least);
 * every answer is bounded and parsed with the bounded JSON parser; the
 * token is sent only as an Authorization header, never logged, never put
 * in a URL or a message.
 *
 * Callbacks (net_done_fn, net_event_fn, net_state_fn) are only ever
 * called from a turn of the loop (net_poll or loop_once), outside
 * libcurl's own callbacks.  From a callback
 * the caller may send requests, set the token, and start or stop the
 * stream; it must not call net_poll or net_free on the same net. */
#ifndef GUICHET_CLIENT_NET_H
#define GUICHET_CLIENT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>
#include <jansson.h>

/* The event stream's state.  OFFLINE: no stream (not followed, or waiting
 * for the next attempt); CONNECTING: an attempt is under way; ONLINE: the
 * server answered 200 with an event stream. */
/* NET_REFUSED: the server refused the session (401): the stream is not
 * opened again, a new login is needed. */
enum net_state { NET_OFFLINE, NET_CONNECTING, NET_ONLINE, NET_REFUSED };

struct net_config {
	const char *base_url;         /* "https://host:port", no path; required */
	const char *cacert;           /* a PEM file of authorities; NULL: the system's */
	long connect_timeout_ms;      /* TCP and TLS set-up; <= 0: 10 s */
	long request_timeout_ms;      /* a whole request (not the stream); <= 0: 30 s */
	struct loop *loop;            /* the loop the net runs on (borrowed, must
					 outlive the net); NULL: a private one */
};

struct net;
struct loop;

/* A new network.  cfg and its strings stay the caller's: what is needed is
 * copied.  Only https:// URLs are accepted.  Returns a net the caller
 * releases with net_free, or NULL with a message in err (errlen bytes). */
struct net *net_new(const struct net_config *cfg, char *err, size_t errlen);

/* Release n: every request and the stream are cancelled and none of their
 * callbacks is called (what their arg points to stays the caller's to
 * free); the token is wiped.  NULL is fine. */
void net_free(struct net *n);

/* The bearer token sent with every later request and stream connection
 * (copied into n; the old one is wiped; NULL or "" removes it).  Returns 0,
 * or -1 when the token is over 512 bytes or holds a byte outside printable
 * ASCII (a header cannot carry it): then no token is set. */
int net_set_token(struct net *n, const char *token);

/* How long the stream may stay silent (keep-alive comments count) before
 * it is taken for dead and reconnected: three of the server's heartbeats,
 * 45 s by default; ms <= 0 restores the default. */
void net_set_dead_after(struct net *n, long ms);

/* One turn of the loop: wait at most timeout_ms (negative: no limit) for
 * network activity or for one of the caller's nextra extra fds (extra may
 * be NULL when nextra is 0; they stay the caller's; their revents are set,
 * 0 when nothing happened), then move the transfers on and call the
 * callbacks of what ended or arrived.  Returns earlier when a stream
 * deadline (reconnect, silence) falls first.  Returns how many of the
 * loop's callbacks ran (0: the wait ended with nothing), or -1 on a fatal
 * error of the multi handle. */
int net_poll(struct net *n, struct curl_waitfd *extra, unsigned nextra, int timeout_ms);

/* Make a net_poll in progress (or the next one) return at once. */
void net_wakeup(struct net *n);

/* The loop n runs on (its own when the config gave none): whoever drives
 * it with loop_once drives the network too, and net_poll is one turn of
 * it with the caller's fds added for that turn. */
struct loop *net_loop(struct net *n);

/* What a request came back with.  Every pointer is owned by n and valid
 * only during the callback: copy (or json_incref) what must outlive it. */
struct net_result {
	int status;              /* HTTP status; 0 when no answer came */
	json_t *body;            /* borrowed: the parsed JSON answer (also a
				    problem+json); NULL when there was none or
				    it was not JSON */
	const char *etag;        /* the ETag header as sent ("\"7\""), or NULL */
	const char *location;    /* the Location header, or NULL */
	const char *error;       /* NULL after any HTTP answer that parsed; else
				    why: curl's message (TLS, refused, timeout,
				    status 0), the answer was too large (status
				    0), or its JSON was invalid (status kept) */
};

/* Why a request did not succeed, in words: the problem's detail (or its
 * title), else the network's message (borrowed from res). */
const char *net_why(const struct net_result *res);

/* Called exactly once per queued request, from net_poll. */
typedef void (*net_done_fn)(void *arg, const struct net_result *res);

/* Queue a request: method ("GET", "POST", "PATCH"…), path from the base URL
 * ("/api/v1/me", query included, already percent-encoded), a JSON body
 * (borrowed: serialised before this returns; may be NULL), if_match (the
 * version, sent as If-Match: "N"; may be NULL), idem_key (an
 * Idempotency-Key, 1 to 128 printable ASCII bytes; may be NULL).  Every
 * string is copied.  done(arg, res) is called exactly once, from a later
 * net_poll, never from here, also on failure (status 0 and an error); arg
 * stays the caller's.  Returns 0, or -1 when nothing was queued (an
 * argument a header or URL cannot carry, or memory ran out): then done is
 * never called. */
int net_request(struct net *n, const char *method, const char *path, const json_t *body,
		const char *if_match, const char *idem_key, net_done_fn done, void *arg);

/* Called for every event of the stream, in order: type ("message" when the
 * server named none), data (data_len bytes, NUL-terminated), id (the last
 * event id, "" when none).  All borrowed, valid during the call only. */
typedef void (*net_event_fn)(void *arg, const char *type, const char *data, size_t len,
			     const char *id);
/* Called on every change of the stream's state, in order. */
typedef void (*net_state_fn)(void *arg, enum net_state st);

/* Follow GET /api/v1/events for the life of n (starting over when already
 * following): the first connection is made by the next net_poll; a stream
 * that ends, fails or stays silent past net_set_dead_after is opened again
 * after a backoff (0.5 s doubling up to 30 s, never shorter than the
 * server's retry:, plus up to a quarter of jitter; back to 0.5 s once a
 * connection is answered), resuming with Last-Event-ID from the last event
 * seen.  after: the id of the last event already seen (copied; NULL or "":
 * from now).  on_event and on_state may be NULL; arg stays the caller's.
 * Returns 0, or -1 when after cannot be sent as a header or memory ran
 * out (then nothing changes). */
int net_follow_events(struct net *n, const char *after, net_event_fn on_event,
		      net_state_fn on_state, void *arg);

/* Stop following: the connection is closed, events not yet delivered are
 * dropped, and no stream callback is called any more (the state becomes
 * OFFLINE without on_state). */
void net_stop_events(struct net *n);

/* The stream's state as of now (on_state may not have heard of it yet). */
enum net_state net_events_state(const struct net *n);

/* The id to resume from ("" when none): owned by n, valid until the next
 * net_poll, net_follow_events or net_free. */
const char *net_last_event_id(const struct net *n);

/* Did the server say (410) that the events after the last one received
 * are purged, since the last call?  The stream then starts again from
 * now, and the caller reads again everything it holds.  Resets the flag. */
bool net_events_reset(struct net *n);

#endif
