/* The two clocks of guichetd: a monotonic one to measure durations
 * (request times, heartbeats, pacing) and the wall clock for what is
 * stored and shown (timestamps, expiries). */
#ifndef GUICHET_SERVER_CLOCK_H
#define GUICHET_SERVER_CLOCK_H

#include <stdint.h>

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

/* Wall clock, seconds since the epoch. */
int64_t now_s(void);

#endif
