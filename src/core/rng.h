/* A small deterministic pseudo-random generator (splitmix64) for demo data
 * and simulated traffic: the same seed gives the same commune on every
 * machine.  Not for secrets: tokens and salts come from libsodium. */
#ifndef GUICHET_CORE_RNG_H
#define GUICHET_CORE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state;
};

/* The next 64 random bits. */
static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n), n > 0 (the modulo bias is negligible for our n). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* Element of a static array, chosen at random. */
#define RNG_PICK(r, a) ((a)[rng_below((r), sizeof(a) / sizeof((a)[0]))])

#endif
