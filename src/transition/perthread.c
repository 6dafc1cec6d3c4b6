/* perthread.c — the waits of the per-thread transition (perthread.h):
 * where each thread stands, looked at until every one is where the step
 * just made (pt_plan.c) needs it; and the system calls libnonstop's
 * executor makes for those steps. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include "proc/mem.h"
#include "transition/dispatch.h"
#include "transition/perthread.h"
#include "util/clock.h"

#define POLL_MIN_US 200
#define POLL_MAX_US 20000

void ns_pt_syscalls(const struct ns_rt_handle *rt, struct ns_sc_list *l)
{
	/* serialise(): the command the runtime registered for; write_one():
	 * a page made writable and back, code (read+exec) or a record (read
	 * only). Through libc's wrappers: where from, and the registers
	 * beyond the wrapper's arguments, are not known. */
	int cmd = rt->blk.sync_core ? MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
				    : MEMBARRIER_CMD_GLOBAL;
	static const int prot[] = {
		PROT_READ | PROT_EXEC | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE, PROT_READ,
	};

	struct ns_sc_call c = {
		.name = "membarrier", .nr = SYS_membarrier,
		.args = { (uint64_t)cmd },   /* flags 0, cpu 0 */
		.known = NS_SC_ARG(0) | NS_SC_ARG(1) | NS_SC_ARG(2),
	};

	ns_sc_add(l, &c);
	for (size_t i = 0; i < sizeof(prot) / sizeof(*prot); i++) {
		c = (struct ns_sc_call){
			.name = "mprotect", .nr = SYS_mprotect,
			.args = { 0, 4096, (uint64_t)prot[i] },
			.known = NS_SC_ARG(1) | NS_SC_ARG(2),
		};
		ns_sc_add(l, &c);
	}
}

enum want {
	WANT_SWITCHED,  /* every thread runs P's code */
	WANT_BACK,      /* no thread runs P's code */
	WANT_GRACE,     /* every thread passed the grace generation, its
			   stack clean of P's memory */
};

/* Whether thread T is where W wants it; if not, WHY says so. */
static bool done(const struct ns_rt_thread *t, const struct ns_rec *r,
		 enum want w, char *why, size_t len)
{
	const char *name = t->comm[0] ? t->comm : "?";

	switch (w) {
	case WANT_SWITCHED:
		if (t->registered && t->view >= r->pt.gen)
			return true;
		snprintf(why, len, "thread %d (%s) has not passed an update point "
			 "%s (%s)", (int)t->tid, name, t->registered ?
			 "since the patch was installed" : "ever", t->where);
		return false;
	case WANT_BACK:
		if (!ns_rt_in(t, r->pt.gen, r->pt.back_gen))
			return true;
		snprintf(why, len, "thread %d (%s) still runs the new code: it "
			 "has not passed an update point since the revert (%s)",
			 (int)t->tid, name, t->where);
		return false;
	case WANT_GRACE:
		/* A thread that never switched to the patch (its view is
		 * below the patch's range) never ran its code: the
		 * dispatchers sent it to the old code by jumps, which leave
		 * nothing on the stack. Asleep in a system call, it is not
		 * in the middle of one either. */
		if (t->view < r->pt.gen && t->blocked)
			return true;
		if (!t->registered || t->view < r->pt.grace_gen ||
		    t->scan_gen < r->pt.grace_gen)
			snprintf(why, len, "thread %d (%s) has not passed an update "
				 "point since the revert (%s)", (int)t->tid, name,
				 t->where);
		else if (t->scan_hit == NS_RT_SCAN_HIT)
			snprintf(why, len, "thread %d (%s) has the patch's code on "
				 "its stack (at 0x%llx)", (int)t->tid, name,
				 (unsigned long long)t->scan_pc);
		else if (t->scan_hit != NS_RT_SCAN_CLEAN)
			snprintf(why, len, "thread %d (%s): its stack could not be "
				 "walked to its end at its update point",
				 (int)t->tid, name);
		else
			return true;
		return false;
	}
	return false;
}

bool ns_pt_thread_done(const struct ns_rt_thread *t, const struct ns_rec *r,
		       char *why, size_t len)
{
	if (r->mode != NS_MODE_PER_THREAD)
		return true;
	if (r->state == NS_REC_APPLIED && !r->pt.bypassed)
		return done(t, r, WANT_SWITCHED, why, len);
	if (r->state == NS_REC_PT_BACK)
		return done(t, r, WANT_BACK, why, len);
	return true;
}

/* When thread T switched, after the generation moved (each thread notes
 * the time itself, so this is its own delay, not when we looked): the
 * first and the last such delay. */
static void note_switch(struct ns_pt *x, const struct ns_rt_thread *t)
{
	uint64_t d;

	if (!t->registered || t->switched_ns < x->rt->blk.gen_ns)
		return;   /* did not have to switch */
	d = t->switched_ns - x->rt->blk.gen_ns;
	if (!x->first_ns || d < x->first_ns)
		x->first_ns = d;
	if (d > x->switch_ns)
		x->switch_ns = d;
}

/* One look at every thread: 1 if all are where W wants them, 0 if not
 * (x->blocker names the first few that are not), -1 on error. */
static int check(struct ns_pt *x, enum want w, size_t *pending)
{
	struct ns_rt_thread *v;
	size_t n, left = 0, len = 0;

	if (ns_rt_threads(x->tr->pid, x->tr->mem_fd, x->rt, &v, &n) < 0) {
		if (errno == ENOENT) {
			ns_err_set(x->tr->err, "process %d exited",
				 (int)x->tr->pid);
			return -1;
		}
		ns_err_set(x->tr->err, "cannot read the threads of "
			 "process %d: %s", (int)x->tr->pid, strerror(errno));
		return -1;
	}
	x->blocker[0] = 0;
	x->threads = 0;
	x->first_ns = x->switch_ns = 0;
	for (size_t i = 0; i < n; i++) {
		char why[256];
		if (v[i].runtime)
			continue;
		x->threads++;
		if (done(&v[i], x->rec, w, why, sizeof(why))) {
			note_switch(x, &v[i]);
			continue;
		}
		if (left < 3 && len < sizeof(x->blocker))
			len += (size_t)snprintf(x->blocker + len,
						sizeof(x->blocker) - len, "%s%s",
						left ? "; " : "", why);
		left++;
	}
	if (left > 3 && len < sizeof(x->blocker))
		snprintf(x->blocker + len, sizeof(x->blocker) - len,
			 "; and %zu more", left - 3);
	free(v);
	*pending = left;
	return left == 0;
}

/* Polls until W holds, from every 200 us to every 20 ms, up to the
 * timeout. 0 done, 1 timed out, -1 error. */
static int wait_for(struct ns_pt *x, enum want w)
{
	uint64_t deadline = ns_clock_ns() + (uint64_t)(x->timeout * 1e9);
	unsigned us = POLL_MIN_US;
	size_t pending;

	for (;;) {
		int rc = check(x, w, &pending);
		uint64_t t = ns_clock_ns();

		if (rc < 0)
			return -1;
		if (rc == 1)
			return 0;
		if (t >= deadline)
			return 1;
		struct timespec d = { 0, (long)us * 1000 };
		nanosleep(&d, NULL);
		if (us < POLL_MAX_US)
			us *= 2;
	}
}

int ns_pt_wait_switched(struct ns_pt *x)
{
	return wait_for(x, WANT_SWITCHED);
}

int ns_pt_wait_back(struct ns_pt *x)
{
	return wait_for(x, WANT_BACK);
}

int ns_pt_wait_released(struct ns_pt *x)
{
	return wait_for(x, WANT_GRACE);
}

int ns_pt_released(struct ns_pt *x)
{
	size_t pending;

	return check(x, WANT_GRACE, &pending);
}
