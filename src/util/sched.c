/* sched.c — SCHED_FIFO around the moments nonstop holds threads stopped,
 * nice 10 when nothing waits for it (see sched.h). */
#include <sched.h>
#include <sys/resource.h>

#include "util/sched.h"

/* The policy is the process's: one flag for it, set once. */
static bool background, never;

bool ns_sched_raise(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (background || never)
		return false;
	return sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
}

void ns_sched_background(void)
{
	background = true;
	setpriority(PRIO_PROCESS, 0, 10);
}

void ns_sched_never_raise(void)
{
	never = true;
}

void ns_sched_restore(bool raised)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (raised)
		sched_setscheduler(0, SCHED_OTHER, &sp);
}
