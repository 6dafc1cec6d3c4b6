/* sched.c — SCHED_FIFO around the moments nonstop holds threads stopped
 * (see sched.h). */
#include <sched.h>

#include "util/sched.h"

bool ns_sched_raise(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	return sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
}

void ns_sched_restore(bool raised)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (raised)
		sched_setscheduler(0, SCHED_OTHER, &sp);
}
