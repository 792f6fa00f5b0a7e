/* Demo data: a fictional commune (Saint-Aubin-sur-Loire) with its
 * services, agents, inhabitants, cases, interactions over every channel,
 * survey answers, templates and knowledge articles, generated
 * deterministically so that every machine shows the same demo. */
#ifndef GUICHET_SERVER_DEMO_H
#define GUICHET_SERVER_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* At scale 1: 500 citizens, 1,500 cases, 5,000 interactions; everything
 * multiplies with the scale (100 gives 50,000 and 500,000). */
#define DEMO_CITIZENS     500
#define DEMO_CASES        1500
#define DEMO_INTERACTIONS 5000

/* --demo-timeline: at most this many extra contacts for the first citizen
 * (a benchmark's long timeline); the count seeded is kept under this kv key. */
#define DEMO_TIMELINE_MAX 10000000
#define DEMO_TIMELINE_KEY "demo.timeline"

/* True when the store holds no service and no agent: only such a store is
 * seeded, so a demo data directory is reused as it is. */
bool demo_store_is_empty(struct store *st);

/* Seed the demo commune at `scale` (1..1000), with dates in the months
 * before `now`, and `timeline` (0..DEMO_TIMELINE_MAX) more contacts for the
 * first citizen (id 1 in a new store), for benchmarks.  Demo accounts:
 * alice (agent), sophie (supervisor), admin (admin), and six more agents,
 * all with the password "demo".  Returns 0, or -1 with a message in err
 * (nothing half-seeded is left visible as "empty": the services are
 * written first). */
int demo_seed(struct store *st, int scale, long timeline, int64_t now, char *err,
	      size_t errlen);

/* The `timeline` a demo store was seeded with: 0 when none (or seeded
 * before the option existed), -1 when the store cannot be read. */
long demo_timeline_seeded(struct store *st);

#endif
