/* runalone.h — letting one busy thread, alone, leave the code a switch is
 * waiting for. */
#ifndef NONSTOP_RUNALONE_H
#define NONSTOP_RUNALONE_H
#include <stdint.h>

#include "proc/tracee.h"

/* Most runs alone in one attempt, all threads together, and most time
 * they may take in all: every other thread is held meanwhile. */
#define NS_RUN_ALONE_MAX 32
#define NS_RUN_ALONE_NS  5000000

/* With every thread of TR stopped, lets TH alone run for *RUN_NS (0 at
 * first: a few tens of microseconds; longer when the thread did not move)
 * and stops it again (its registers reloaded; threads it started are
 * stopped at birth, their registers not loaded). 0 (TH may have exited),
 * or -1 with TR's err. */
int ns_run_alone(struct ns_tracee *tr, struct ns_thread *th,
		 uint64_t *run_ns);
#endif
