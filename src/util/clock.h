/* clock.h — the one clock nonstop measures time with: CLOCK_MONOTONIC,
 * which no change of the wall clock moves. Deadlines (ptrace waits,
 * transitions, thread choices) are given in its seconds; pauses and
 * intervals that are reported are measured in its nanoseconds. */
#ifndef NONSTOP_CLOCK_H
#define NONSTOP_CLOCK_H
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ns_clock_ns(void);

/* CLOCK_MONOTONIC in seconds: what deadlines are given in. */
double ns_clock_s(void);
#endif
