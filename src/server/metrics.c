/* Request counters and latency histogram for /metrics (see metrics.h). */
#include "server/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statuses the API answers with; anything else counts as "other". */
static const int statuses[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405, 409,
				412, 413, 415, 422, 428, 429, 431, 500, 503 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Latency bucket bounds in seconds. */
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
				  0.5, 1, 2.5 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct metrics {
	size_t nroutes;
	atomic_ulong *requests;            /* [nroutes + 1][NSTATUS] */
	atomic_ulong hist[NBUCKETS + 1];   /* last: +Inf */
	atomic_ulong sum_us;
	atomic_long connections;
	atomic_long streams;
};

struct metrics *metrics_new(size_t nroutes)
{
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->nroutes = nroutes;
	m->requests = calloc((nroutes + 1) * NSTATUS, sizeof(*m->requests));
	if (!m->requests) {
		free(m);
		return NULL;
	}
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->requests);
	free(m);
}

static size_t status_index(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 1;
}

void metrics_request(struct metrics *m, size_t route, int status, uint64_t ns)
{
	if (!m)
		return;
	if (route > m->nroutes)
		route = m->nroutes;
	atomic_fetch_add(&m->requests[route * NSTATUS + status_index(status)], 1);
	double s = (double)ns / 1e9;
	size_t b = 0;
	while (b < NBUCKETS && s > buckets[b])
		b++;
	atomic_fetch_add(&m->hist[b], 1);
	atomic_fetch_add(&m->sum_us, ns / 1000);
}

void metrics_connections(struct metrics *m, int delta)
{
	if (m)
		atomic_fetch_add(&m->connections, delta);
}

void metrics_streams(struct metrics *m, int delta)
{
	if (m)
		atomic_fetch_add(&m->streams, delta);
}

long metrics_open_streams(struct metrics *m)
{
	return m ? atomic_load(&m->streams) : 0;
}

struct out {
	char *buf;
	size_t len, cap;
	int failed;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void outf(struct out *o, const char *fmt, ...)
{
	if (o->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = 1;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = o->cap * 2 + (size_t)n;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->failed = 1;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
}

char *metrics_render(struct metrics *m, const char *(*route_name)(size_t i, char *buf, size_t n))
{
	struct out o = { .buf = malloc(8192), .cap = 8192 };
	if (!o.buf)
		return NULL;
	o.buf[0] = '\0';
	outf(&o, "# HELP guichetd_requests_total HTTP requests by route and status.\n"
		 "# TYPE guichetd_requests_total counter\n");
	for (size_t r = 0; r <= m->nroutes; r++) {
		char name[128];
		for (size_t s = 0; s < NSTATUS; s++) {
			unsigned long v = atomic_load(&m->requests[r * NSTATUS + s]);
			if (!v)
				continue;
			char code[8];
			snprintf(code, sizeof(code), "%d", s < NSTATUS - 1 ? statuses[s] : 0);
			outf(&o, "guichetd_requests_total{route=\"%s\",status=\"%s\"} %lu\n",
			     route_name(r, name, sizeof(name)), s < NSTATUS - 1 ? code : "other", v);
		}
	}
	outf(&o, "# HELP guichetd_request_duration_seconds Time to answer a request.\n"
		 "# TYPE guichetd_request_duration_seconds histogram\n");
	unsigned long cum = 0;
	for (size_t b = 0; b <= NBUCKETS; b++) {
		cum += atomic_load(&m->hist[b]);
		if (b < NBUCKETS)
			outf(&o, "guichetd_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[b], cum);
		else
			outf(&o, "guichetd_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
	}
	outf(&o, "guichetd_request_duration_seconds_sum %.6f\n",
	     (double)atomic_load(&m->sum_us) / 1e6);
	outf(&o, "guichetd_request_duration_seconds_count %lu\n", cum);
	outf(&o, "# HELP guichetd_open_connections Open HTTP connections.\n"
		 "# TYPE guichetd_open_connections gauge\nguichetd_open_connections %ld\n",
	     atomic_load(&m->connections));
	outf(&o, "# HELP guichetd_open_event_streams Open event streams.\n"
		 "# TYPE guichetd_open_event_streams gauge\nguichetd_open_event_streams %ld\n",
	     atomic_load(&m->streams));
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
