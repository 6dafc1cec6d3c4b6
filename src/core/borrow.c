/* borrow.c — choosing a thread that may run a function call in the
 * target, and borrowing it (borrow.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/borrow.h"
#include "proc/sigframe.h"
#include "util/clock.h"

/* Functions in whose frames a thread may hold a lock the calls nonstop
 * makes take (by prefix): libgcc's unwinder, the dynamic loader, malloc,
 * fork. */
static const char *const hazards[] = {
	"_Unwind_", "__register_frame", "__deregister_frame", "__frame_state_for",
	"_dl_", "dl_iterate_phdr", "__dl_iterate_phdr", "__libc_dl",
	"malloc", "free", "calloc", "realloc", "memalign", "posix_memalign",
	"aligned_alloc", "valloc", "pvalloc", "__libc_malloc", "__libc_free",
	"__libc_calloc", "__libc_realloc", "__libc_memalign", "_int_",
	"sysmalloc", "systrim", "tcache_", "arena_", "__malloc_",
	"fork", "_Fork", "__libc_fork", "__run_fork_handlers",
};

int ns_borrow_hazard(void *arg, uint64_t pc, const char *func, const char *module)
{
	(void)arg;
	(void)pc;
	if (module && strstr(module, "libgcc_s"))
		return 1;
	for (size_t i = 0; func && i < sizeof(hazards) / sizeof(*hazards); i++)
		if (!strncmp(func, hazards[i], strlen(hazards[i])))
			return 1;
	return 0;
}

/* Whether TH (stopped) may be borrowed in pass PASS: first a thread
 * blocked in a system call, then any; a thread in a nanosleep-like call
 * only in the last pass (were nonstop to die while it runs the call, the
 * rt_sigreturn that brings it back would end that call with EINTR). */
static bool fits_pass(const struct ns_thread *th, int pass)
{
	if (ns_regs_in_restart_block(&th->regs))
		return pass == 2;
	return pass >= 1 || (int64_t)th->regs.orig_rax >= 0;
}

/* Stops threads of TR one at a time until one may run the call (see
 * borrow.h); returns it stopped, or NULL after TIMEOUT. */
static struct ns_thread *choose_thread(struct ns_tracee *tr, struct ns_safety *s,
				       int (*hazard)(void *, uint64_t,
						     const char *, const char *),
				       double timeout)
{
	double deadline = ns_clock_s() + timeout;
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	bool mark = ns_err_mark(tr->err);

	do {
		for (int pass = 0; pass < 3; pass++) {
			for (size_t i = 0; i < tr->n; i++) {
				struct ns_thread *th = tr->t[i];

				if (th->gone || th->fresh)
					continue;
				if (ns_tracee_stop_one(tr, th) < 0) {
					if (!th->gone)
						return NULL;
					ns_err_forget(tr->err, mark);   /* it exited */
					continue;
				}
				if (fits_pass(th, pass) &&
				    ns_safety_frames(s, th, hazard, NULL) == 0)
					return th;
				if (ns_tracee_resume_one(tr, th) < 0)
					return NULL;
			}
		}
		nanosleep(&nap, NULL);
	} while (ns_clock_s() < deadline);
	return NULL;
}

/* The gadgets a call needs; the signal restorer brings the thread back. */
static int gadgets(struct ns_tracee *tr, struct ns_gadgets *g)
{
	struct ns_err *err = tr->err;

	if (ns_remote_find_gadgets(tr, g) < 0)
		return -1;
	if (!g->sigreturn) {
		ns_err_set(err, "process %d has no signal restorer "
			 "(__restore_rt) to bring a borrowed thread back",
			 (int)tr->pid);
		return -1;
	}
	return 0;
}

static int begin(struct ns_borrow *b, struct ns_thread *th,
		 const struct ns_gadgets *g)
{
	if (ns_remote_begin_on(&b->rs, b->tr, th, g) < 0) {
		ns_tracee_resume_one(b->tr, th);
		return -1;
	}
	b->begun = true;
	return 0;
}

int ns_borrow(struct ns_borrow *b, struct ns_tracee *tr, struct ns_safety *s,
	      int (*hazard)(void *, uint64_t, const char *, const char *),
	      double timeout, const char *what)
{
	struct ns_thread *th;
	struct ns_gadgets g;

	memset(b, 0, sizeof(*b));
	b->tr = tr;
	b->safety = s;
	if (gadgets(tr, &g) < 0)
		return -1;
	if (!b->safety) {
		b->safety = ns_safety_new(tr);
		if (!b->safety)
			return -1;
		b->own_safety = true;
	}
	th = choose_thread(tr, b->safety, hazard ? hazard : ns_borrow_hazard,
			   timeout);
	if (!th) {
		ns_err_set(tr->err, "no thread of process %d was at a point "
			 "where it could %s within %.3g s", (int)tr->pid, what,
			 timeout);
		return -1;
	}
	return begin(b, th, &g);
}

int ns_borrow_thread(struct ns_borrow *b, struct ns_tracee *tr,
		     struct ns_thread *th)
{
	struct ns_gadgets g;

	memset(b, 0, sizeof(*b));
	b->tr = tr;
	if (gadgets(tr, &g) < 0)
		return -1;
	return begin(b, th, &g);
}

int ns_unborrow(struct ns_borrow *b)
{
	int rc = 0;

	if (b->begun && !b->rs.th->gone && ns_remote_end(&b->rs, false) < 0) {
		rc = -1;
	} else if (b->begun && b->rs.th->gone) {
		ns_remote_release(&b->rs);   /* exited, or let go */
	}
	if (b->own_safety)
		ns_safety_free(b->safety);
	b->safety = NULL;
	b->begun = false;
	return rc;
}

bool ns_borrow_thread_in(struct ns_tracee *tr, uint64_t at, uint64_t len)
{
	bool mark = ns_err_mark(tr->err);
	bool in = false;

	for (size_t i = 0; i < tr->n && !in; i++) {
		struct ns_thread *th = tr->t[i];

		if (th->gone || th->fresh)
			continue;
		if (ns_tracee_stop_one(tr, th) < 0) {
			ns_err_forget(tr->err, mark);   /* gone: not in it */
			continue;
		}
		in = th->regs.rip >= at && th->regs.rip < at + len;
		ns_tracee_resume_one(tr, th);
	}
	return in;
}
