/* The clocks (see clock.h). */
#include "server/clock.h"

#include <time.h>

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t now_s(void)
{
	return (int64_t)time(NULL);
}
