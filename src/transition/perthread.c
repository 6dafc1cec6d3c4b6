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
#include "registry/registry.h"
#include "transition/dispatch.h"
#include "transition/perthread.h"
#include "transition/pt_blocked.h"
#include "util/clock.h"

#define POLL_MIN_US 200
#define POLL_MAX_US 20000
/* A thread asleep in a system call is left this long to pass an update
 * point of its own before nonstop switches it (pt_blocked.h), and is
 * tried again this often when it could not be. */
#define BLOCKED_AFTER_NS  (20 * 1000000ULL)
#define BLOCKED_RETRY_NS  (250 * 1000000ULL)
#define BLOCKED_MAX       64

/* What the wait knows of the threads asleep it tried to switch: when to
 * try again, and why it could not (said with the thread in x->blocker). */
struct tried {
	pid_t    tid;
	uint64_t next_ns;
	char     why[160];
};

struct blocked {
	struct tried t[BLOCKED_MAX];
	size_t n;
	struct ns_rt_thread cand[BLOCKED_MAX];  /* asleep, not done: this look */
	size_t ncand;
};

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

enum done {
	NOT_DONE,
	DONE,
	DONE_WAITING,   /* at an update point in a wait, not yet switched */
};

/* Whether thread T is where W wants it (INSTALLED: the generation P was
 * installed with, 0 if not known); if not, WHY says so. A thread that has
 * a slot has not necessarily passed an update point: threads take theirs
 * when they start (its count of update points says).
 *
 * A thread at an update point in a wait (ns_rt_at_wait: its slot says so,
 * /proc shows it asleep in the call) is done for the switch and for the
 * way back: it passes an update point, with the generation of now, before
 * anything else of the program's runs on it. It has not looked at its
 * stack, though, and has P's code on it if it entered the wait from P's
 * code: for the release, it counts only if it has been in that wait since
 * before P was installed (its word's view is below P's generation): then
 * nothing of P's ever ran on it. A later wait would have a later view, so
 * a word read after /proc showed the thread asleep (rt_read.c reads /proc
 * first) says that the thread was in that wait, not in a signal handler,
 * at that moment; and no handler that starts later can reach P: the
 * release is looked for only once the retire restored P's entries. */
static enum done done(const struct ns_rt_thread *t, const struct ns_rec *r,
		      enum want w, uint32_t installed, char *why, size_t len)
{
	const char *name = t->comm[0] ? t->comm : "?";

	switch (w) {
	case WANT_SWITCHED:
		if (t->registered && t->view >= r->pt.gen)
			return DONE;
		if (ns_rt_at_wait(t))
			return DONE_WAITING;
		snprintf(why, len, "thread %d (%s) has not passed an update point "
			 "%s (%s)", (int)t->tid, name, t->passes ?
			 "since the patch was installed" : "ever", t->where);
		return NOT_DONE;
	case WANT_BACK:
		if (!ns_rt_in(t, r->pt.gen, r->pt.back_gen))
			return DONE;
		if (ns_rt_at_wait(t))
			return DONE_WAITING;
		snprintf(why, len, "thread %d (%s) still runs the new code: it "
			 "has not passed an update point since the revert (%s)",
			 (int)t->tid, name, t->where);
		return NOT_DONE;
	case WANT_GRACE:
		/* A thread that never switched to the patch (its view is
		 * below the patch's range) never ran its code: the
		 * dispatchers sent it to the old code by jumps, which leave
		 * nothing on the stack. Asleep in a system call, it is not
		 * in the middle of one either. */
		if (t->view < r->pt.gen && t->blocked)
			return DONE;
		if (installed && ns_rt_at_wait(t) &&
		    NS_RT_WAIT_SINCE(t->wait) < installed)
			return DONE;
		if (t->registered && t->view < r->pt.grace_gen && ns_rt_at_wait(t))
			snprintf(why, len, "thread %d (%s) is waiting in %s: its "
				 "stack, which may hold the patch's code, is looked "
				 "at when the call returns", (int)t->tid, name,
				 ns_rt_wait_name(t->wait));
		else if (!t->registered || t->view < r->pt.grace_gen ||
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
			return DONE;
		return NOT_DONE;
	}
	return NOT_DONE;
}

bool ns_pt_thread_done(const struct ns_rt_thread *t, const struct ns_rec *r,
		       char *why, size_t len)
{
	if (r->mode != NS_MODE_PER_THREAD)
		return true;
	if (r->state == NS_REC_APPLIED && !r->pt.bypassed)
		return done(t, r, WANT_SWITCHED, 0, why, len) != NOT_DONE;
	if (r->state == NS_REC_PT_BACK)
		return done(t, r, WANT_BACK, 0, why, len) != NOT_DONE;
	return true;
}

/* Whether thread T, not done, sleeps in a wait that waits mode would make
 * an update point (it is not on). */
static bool waits_would(const struct ns_pt *x, const struct ns_rt_thread *t)
{
	return !x->rt->blk.waits && t->blocked && ns_rt_wait_syscall(t->syscall);
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

static const struct tried *tried_of(const struct blocked *b, pid_t tid)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (b->t[i].tid == tid)
			return &b->t[i];
	return NULL;
}

/* The generation P was installed with (perthread.h), as its data keeps
 * it: 0 if it cannot be read or is not one (a patch installed by a
 * nonstop that did not keep it), which counts no thread as clean. */
static uint32_t installed_gen(const struct ns_pt *x)
{
	uint32_t g;

	if (x->rec->pt.gen)
		return x->rec->pt.gen;
	if (ns_mem_read(x->tr->mem_fd, x->rec->pt.gens + 8, &g, sizeof(g)) < 0 ||
	    !g || g >= x->rec->pt.back_gen)
		return 0;
	return g;
}

/* One look at every thread: 1 if all are where W wants them, 0 if not
 * (x->blocker names the first few that are not, with why nonstop could
 * not switch those asleep it tried; B, if given, gets those asleep), -1
 * on error. */
static int check(struct ns_pt *x, enum want w, size_t *pending,
		 struct blocked *b)
{
	struct ns_rt_thread *v;
	size_t n, left = 0, len = 0;
	uint32_t installed = w == WANT_GRACE ? installed_gen(x) : 0;
	bool hint = false;

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
	x->threads = x->waiting = 0;
	x->first_ns = x->switch_ns = 0;
	if (b)
		b->ncand = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tried *tr;
		char why[512];
		if (v[i].runtime)
			continue;
		x->threads++;
		enum done d = done(&v[i], x->rec, w, installed, why,
				   sizeof(why));
		if (d == DONE_WAITING)
			x->waiting++;
		if (d != NOT_DONE) {
			note_switch(x, &v[i]);
			continue;
		}
		if (b && v[i].blocked && b->ncand < BLOCKED_MAX)
			b->cand[b->ncand++] = v[i];
		if ((tr = tried_of(b, v[i].tid)) && tr->why[0]) {
			size_t l = strlen(why);

			snprintf(why + l, sizeof(why) - l, "; nonstop could not "
				 "switch it while asleep: %s", tr->why);
		}
		hint |= w != WANT_GRACE && waits_would(x, &v[i]);
		if (left < 3 && len < sizeof(x->blocker))
			len += (size_t)snprintf(x->blocker + len,
						sizeof(x->blocker) - len, "%s%s",
						left ? "; " : "", why);
		left++;
	}
	if (left > 3 && len < sizeof(x->blocker))
		len += (size_t)snprintf(x->blocker + len, sizeof(x->blocker) - len,
					"; and %zu more", left - 3);
	if (hint && len < sizeof(x->blocker))
		snprintf(x->blocker + len, sizeof(x->blocker) - len, " (a wait in "
			 "poll, select or epoll_wait is an update point only with "
			 "NONSTOP_UPDATE_POINTS=waits in the program's environment)");
	free(v);
	*pending = left;
	return left == 0;
}

/* Polls until W holds, from every 200 us to every 20 ms, up to the
 * timeout. 0 done, 1 timed out, -1 error. */
/* What a thread switched from outside must not have on its stack: for a
 * switch, the functions the patch replaces, as the program has them and
 * as an earlier patch does (any per-thread patch's code: the versions a
 * thread may run); for a switch back, the patch's code. Malloc'd in *R. */
static int busy_ranges(struct ns_pt *x, enum want w, struct ns_range **r,
		       size_t *n)
{
	const struct ns_rec *rec = x->rec;
	struct ns_registry reg = { 0 };
	size_t k = 0, cap = rec->nfuncs + 1;

	if (w == WANT_SWITCHED) {
		if (ns_registry_read(x->tr->pid, x->tr->mem_fd, &reg) < 0)
			return ns_err_set(x->tr->err, "cannot read the registry "
					  "of process %d", (int)x->tr->pid);
		cap += reg.n;
	}
	*r = calloc(cap, sizeof(**r));
	if (!*r) {
		ns_registry_free(&reg);
		return ns_err_set(x->tr->err, "out of memory");
	}
	if (w == WANT_SWITCHED) {
		for (uint32_t i = 0; i < rec->nfuncs; i++)
			(*r)[k++] = (struct ns_range){ rec->funcs[i].old_addr,
				rec->funcs[i].old_addr + rec->funcs[i].old_size,
				"the function the patch replaces" };
		for (size_t i = 0; i < reg.n; i++)
			if (reg.v[i].addr != x->rec_addr &&
			    reg.v[i].rec->mode == NS_MODE_PER_THREAD)
				(*r)[k++] = (struct ns_range){
					reg.v[i].rec->code_start,
					reg.v[i].rec->code_end,
					"an earlier patch's code" };
	} else if (w == WANT_BACK) {
		(*r)[k++] = (struct ns_range){ rec->code_start, rec->code_end,
					       "the patch's code" };
	} else {
		/* The range every thread's own update point checks now: this
		 * patch's memory and any other retiring's (pt_plan.c). */
		uint64_t lo_hi[2];

		if (ns_mem_read(x->tr->mem_fd, x->rt->addr +
				offsetof(struct ns_rt, scan_lo), lo_hi,
				sizeof(lo_hi)) < 0) {
			free(*r);
			*r = NULL;
			return ns_err_set(x->tr->err, "cannot read libnonstop's "
					  "control block in process %d",
					  (int)x->tr->pid);
		}
		(*r)[k++] = (struct ns_range){ lo_hi[0], lo_hi[1],
					       "the memory of a reverted patch" };
	}
	ns_registry_free(&reg);
	*n = k;
	return 0;
}

static struct tried *tried_slot(struct blocked *b, pid_t tid)
{
	struct tried *t = (struct tried *)tried_of(b, tid);

	if (t || b->n == BLOCKED_MAX)
		return t;
	t = &b->t[b->n++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

/* Switches from outside the threads asleep that are due (pt_blocked.h).
 * The number switched, or -1 on error. */
static int switch_asleep(struct ns_pt *x, enum want w, struct blocked *b,
			 struct ns_range **busy, size_t *nbusy,
			 struct ns_safety **safety)
{
	uint64_t now = ns_clock_ns();
	int switched = 0;

	for (size_t i = 0; i < b->ncand; i++) {
		const struct ns_rt_thread *t = &b->cand[i];
		struct tried *tr = tried_slot(b, t->tid);

		if (!tr || tr->next_ns > now)
			continue;
		if (!*busy && busy_ranges(x, w, busy, nbusy) < 0)
			return -1;
		tr->next_ns = now + BLOCKED_RETRY_NS;
		if (ns_pt_switch_blocked(x->tr, x->rt, t, *busy, *nbusy,
					 w == WANT_GRACE,
					 safety, tr->why, sizeof(tr->why)) == 1) {
			tr->why[0] = 0;
			x->switched_asleep++;
			switched++;
		}
	}
	return switched;
}

/* Polls until W holds, from every 200 us to every 20 ms, up to the
 * timeout; threads asleep in a system call are switched by nonstop once
 * they have had BLOCKED_AFTER_NS to do it themselves. 0 done, 1 timed
 * out, -1 error. */
static int wait_for(struct ns_pt *x, enum want w)
{
	uint64_t start = ns_clock_ns();
	uint64_t deadline = start + (uint64_t)(x->timeout * 1e9);
	unsigned us = POLL_MIN_US;
	struct blocked *b = calloc(1, sizeof(*b));
	struct ns_safety *own = NULL;
	struct ns_safety **safety = x->unwinder ? x->unwinder : &own;
	struct ns_range *busy = NULL;
	size_t pending, nbusy = 0;
	int rc;

	if (!b)
		return ns_err_set(x->tr->err, "out of memory");
	for (;;) {
		uint64_t t;

		rc = check(x, w, &pending, b);
		t = ns_clock_ns();
		if (rc != 0) {
			rc = rc == 1 ? 0 : -1;   /* all there, or an error */
			break;
		}
		if (b->ncand && t - start >= BLOCKED_AFTER_NS) {
			int k = switch_asleep(x, w, b, &busy, &nbusy, safety);

			if (k < 0) {
				rc = -1;
				break;
			}
			if (k > 0)
				continue;   /* look again at once */
		}
		if (t >= deadline) {
			rc = 1;
			break;
		}
		struct timespec d = { 0, (long)us * 1000 };
		nanosleep(&d, NULL);
		if (us < POLL_MAX_US)
			us *= 2;
	}
	ns_safety_free(own);
	free(busy);
	free(b);
	return rc;
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

	return check(x, WANT_GRACE, &pending, NULL);
}
