/* The running guichetd: its configuration and the parts every request
 * handler reaches (store, event hub, audit writer, metrics, routing). */
#ifndef GUICHET_SERVER_SERVER_H
#define GUICHET_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct hub;
struct metrics;
struct audit_batch;
struct rate_table;
struct MHD_Daemon;

/* Everything `guichetd serve` can be told; defaults in server_config_init. */
#define SERVER_ORIGINS_MAX 8

struct server_config {
	char data_dir[1024];
	char store[1024];           /* where the data lives: "" (SQLite in data_dir), postgresql://… */
	char listen[256];          /* "127.0.0.1:8443", "[::1]:0", "0.0.0.0:443" */
	char cert_file[1024];      /* PEM chain; empty: data_dir/server.pem */
	char key_file[1024];       /* PEM key; empty: data_dir/server-key.pem */
	char ready_file[1024];     /* written once accepting, may be empty */
	bool plain_http;           /* --insecure-plain-http: loopback only */
	bool demo;                 /* seed demo data into an empty database */
	bool simulate;             /* live simulated traffic */
	int demo_scale;            /* multiplies the demo data */
	long demo_timeline;        /* extra contacts for citizen 1 (benchmarks) */
	char demo_mail[1024];      /* --demo-mail: the demo's notmuch mailbox; empty: none */
	double simulate_rate;      /* simulated events per second */
	unsigned threads;          /* worker threads */
	unsigned timeout_s;        /* idle / slow client cut-off */
	unsigned max_conn_per_ip;
	unsigned max_connections;
	size_t max_body;           /* bytes */
	size_t max_header;         /* bytes: memory for one request's headers */
	unsigned heartbeat_s;      /* event-stream keep-alive period */
	/* Case events to the case's service, its assignee and supervisors
	 * only (--case-events service), not to every agent: for bodies of
	 * thousands of agents, where every desk hearing every note is load
	 * and more than an agent needs to know. */
	bool case_events_by_service;
	unsigned offer_timeout_s;  /* a routed offer not accepted in time moves on */
	unsigned audit_retention_days;
	unsigned events_retention_hours; /* events older are purged; 0: kept forever */
	unsigned session_hours;    /* lifetime of a login token */
	/* The public chat: the web origins that may embed the page or call
	 * the public API (CORS, frame-ancestors), and its rate limits. */
	char chat_origins[SERVER_ORIGINS_MAX][256];
	int nchat_origins;
	unsigned chat_msgs_per_min;   /* per chat; an address may send ten times as many */
	unsigned chat_starts_per_hour; /* new chats per address */
	bool quiet;
};

void server_config_init(struct server_config *c);

struct server {
	struct server_config cfg;
	struct store *store;
	struct hub *hub;
	struct metrics *metrics;
	struct routing *routing;
	struct audit_batch *audit;  /* group commit of read audit records */
	struct MHD_Daemon *daemon;
	struct rate_table *rates;   /* public chat limits (rate.h) */
	unsigned char ticket_key[32]; /* signs event-stream tickets; from the audit key */
	char web_csp[2400];         /* Content-Security-Policy of the chat page */
	uint16_t port;             /* the port actually bound */
	volatile int stopping;
};

/* Run until SIGINT/SIGTERM.  Returns 0 or 1 with a message on stderr. */
int server_run(struct server_config *cfg);

/* Log one line to stderr with a timestamp, unless quiet.  Never logs a
 * secret: callers pass ids and logins only. */
void server_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
