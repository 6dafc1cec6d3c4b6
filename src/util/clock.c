/* clock.c — CLOCK_MONOTONIC, read in one place (see clock.h). */
#include <time.h>

#include "util/clock.h"

uint64_t ns_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

double ns_clock_s(void)
{
	return (double)ns_clock_ns() / 1e9;
}
