/* runalone.c — a busy thread runs on alone while every other thread stays
 * stopped (runalone.h).
 *
 * A stop-the-world switch that finds a thread executing a function it
 * replaces used to let every thread go and stop them all again later.
 * Against threads that spin through that function, most stops found one
 * of them inside: up to twelve full stops of 64 threads for one apply.
 * The kernel's livepatch lets such a task finish instead; here the one
 * thread runs on, alone, for a few tens of microseconds, is stopped again
 * and checked again, and only it: the others have not moved. A short
 * function is left within a run or two; the attempt gives up after
 * NS_RUN_ALONE_MAX runs (transition.c), as it used to at once.
 *
 * Not single-stepping, which would stop the thread exactly where it
 * leaves: a step sets the trap flag, and should nonstop be killed before
 * the step's trap is taken and the flag cleared by a later resume, the
 * kernel lets the thread go with the flag still set, and its next
 * instruction kills it with SIGTRAP. A plain PTRACE_CONT leaves nothing
 * behind. */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "transition/runalone.h"
#include "util/err.h"
#include "util/clock.h"

/* How long the thread runs at first: long enough to be scheduled and to
 * leave a short function, short against the pause of every other
 * thread. Doubled, up to RUN_MAX_NS, while the thread is found where it
 * was (on a loaded machine it may not have had a core). */
#define RUN_NS     20000
#define RUN_MAX_NS 1000000

int ns_run_alone(struct ns_tracee *tr, struct ns_thread *th, uint64_t *run_ns)
{
	uint64_t until, pc = th->regs.rip, sp = th->regs.rsp;
	bool mark;

	if (*run_ns < RUN_NS)
		*run_ns = RUN_NS;
	if (ns_tracee_resume_one(tr, th) < 0)
		return -1;
	/* Slept, not spun: nonstop holds SCHED_FIFO here (util/sched.h),
	 * and a spin would keep the thread off the core it wakes on, where
	 * it would wait for the balancer to move it (it did, runs on end).
	 * A real-time task's sleep has no timer slack. */
	until = ns_clock_ns() + *run_ns;
	for (uint64_t now; (now = ns_clock_ns()) < until;) {
		struct timespec ts = { 0, (long)(until - now) };

		nanosleep(&ts, NULL);
	}
	mark = ns_err_mark(tr->err);
	if (ns_tracee_stop_one(tr, th) < 0) {
		if (!th->gone)
			return -1;
		ns_err_forget(tr->err, mark);   /* it exited: nothing to check */
		return 0;
	}
	if (th->regs.rip == pc && th->regs.rsp == sp && *run_ns < RUN_MAX_NS)
		*run_ns *= 2;
	return 0;
}
