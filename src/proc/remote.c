/* remote.c — borrowing a thread of the target, and the system calls it
 * runs for nonstop.
 *
 * The thread is stopped, its registers saved, and pointed at a
 * `syscall; ret` that already exists in the target (gadgets.h), so
 * nothing is written into the target's code. ns_remote_run (run.h) runs
 * it to the exit of that one call, where we read the result. Its stack
 * pointer is on a signal frame of its own state whose return address is
 * glibc's signal restorer (sigframe.h): if nonstop dies at any moment,
 * the `ret` after the call leads to rt_sigreturn and the thread is back
 * where it was. Functions run the same way, as signal handlers on that
 * frame (handler.h).
 *
 * Restoring is the delicate part. A thread stopped inside a blocking system
 * call (read, accept, nanosleep...) has rax = -ERESTART* and orig_rax = the
 * call number: the kernel would restart it when the thread resumes from a
 * signal stop, but we resume it from a syscall-exit stop, where it does not.
 * So we restart it ourselves, as the kernel would: back up rip over the
 * two-byte `syscall` and reload rax (restart_syscall for RESTARTBLOCK calls
 * such as nanosleep, which then sleeps only the time that was left). The
 * program sees no EINTR, no short read and no shortened sleep.
 *
 * The target is not trusted to behave. Each call is judged against the
 * thread's seccomp filter before it runs (seccomp.h), with the
 * rt_sigreturn that would follow it if nonstop died; while the thread
 * runs, ns_remote_run judges every system call it enters and stops the
 * work at a fault; and every wait has a deadline. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <elf.h>

#include "proc/maps.h"
#include "proc/remote.h"
#include "proc/seccomp.h"
#include "proc/sigframe.h"
#include "util/clock.h"
#include "util/fault.h"

static void drop_fpstate(struct ns_remote *rs);

/* Stops TH (not stopped yet) and keeps it if it is not in a
 * nanosleep-like call: 1 kept, 0 not (or gone), -1 error. The first such
 * thread is kept stopped as *SPARE, the last resort: were it put back and
 * no better thread found, it would be stopped again, a round trip to the
 * target for nothing (the usual case: a single thread, asleep in
 * nanosleep). Later ones are put back. */
static int try_thread(struct ns_tracee *tr, struct ns_thread *th, bool mark,
		      struct ns_thread **spare)
{
	if (ns_tracee_stop_one(tr, th) < 0) {
		if (!th->gone)
			return -1;
		ns_err_forget(tr->err, mark);   /* it exited */
		return 0;
	}
	if (!ns_regs_in_restart_block(&th->regs))
		return 1;
	if (!*spare) {
		*spare = th;
		return 0;
	}
	return ns_tracee_resume_one(tr, th) < 0 ? -1 : 0;
}

/* A thread for our system calls: one that is not in a nanosleep-like
 * call, if there is one (see ns_regs_in_restart_block: were nonstop to
 * die while the thread runs our calls, the rt_sigreturn that brings it
 * back would make such a call fail with EINTR). Threads already stopped
 * are looked at first, then threads asleep in the kernel (stopping one
 * costs the program nothing until its call would have returned, where a
 * thread running its code loses the whole time), then any; each is
 * stopped in turn, and put back if it will not do, but the first in a
 * nanosleep-like call, the one returned if no other will do. The one
 * returned may be left stopped. NULL with tr->err if none is left or one could not be
 * stopped. */
static struct ns_thread *pick_thread(struct ns_tracee *tr)
{
	struct ns_thread *first = NULL, *spare = NULL;
	bool mark = ns_err_mark(tr->err);
	size_t i;

	for (i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];

		if (th->gone)
			continue;
		if (!first)
			first = th;
		if (th->stopped && !ns_regs_in_restart_block(&th->regs))
			return th;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < tr->n; i++) {
			struct ns_thread *th = tr->t[i];
			int rc;

			if (th->gone || th->stopped ||
			    (pass == 0 && !ns_tracee_asleep(tr, th)))
				continue;
			rc = try_thread(tr, th, mark, &spare);
			if (rc < 0)
				goto fail;
			if (!rc)
				continue;
			if (spare && ns_tracee_resume_one(tr, spare) < 0)
				return NULL;
			return th;
		}
	}
	if (spare && !spare->gone)
		return spare;
	if (!first || first->gone) {
		ns_err_set(tr->err, "process %d exited", tr->pid);
		return NULL;
	}
	return first;
fail:
	/* Not left stopped for nothing (its failure does not replace the
	 * cause, set already). */
	if (spare && !spare->gone)
		ns_tracee_resume_one(tr, spare);
	return NULL;
}

/* Pushes the frame that brings the borrowed thread back if nonstop dies
 * while it runs our calls: registers as they were, with an interrupted
 * system call set up to restart (rt_sigreturn leaves no restart to the
 * kernel). Without glibc's restorer (a static program without signals)
 * there is no frame, and no such guarantee. */
static int push_frame(struct ns_remote *rs)
{
	struct user_regs_struct resume = rs->saved;
	struct ns_maps maps;
	int rc;

	if (!rs->g.sigreturn)
		return 0;
	if (ns_maps_read(rs->tr->pid, &maps) < 0) {
		ns_err_set(rs->tr->err, "cannot read the "
			 "maps of process %d", rs->tr->pid);
		return -1;
	}
	ns_regs_restart_syscall(&resume, true);
	rc = ns_sigframe_push(rs->tr, rs->th, &maps, &resume,
			      rs->g.sigreturn, 0, &rs->sp);
	ns_maps_free(&maps);
	return rc;
}

/* Keeps the FPU state of the borrowed thread (see struct ns_remote). */
int ns_remote_keep_fpstate(struct ns_remote *rs)
{
	struct iovec iov;

	if (rs->fpstate)
		return 0;
	rs->fpstate = malloc(NS_FPSTATE_MAX);
	if (!rs->fpstate) {
		ns_err_set(rs->tr->err, "out of memory");
		return -1;
	}
	iov.iov_base = rs->fpstate;
	iov.iov_len = NS_FPSTATE_MAX;
	if (ptrace(PTRACE_GETREGSET, rs->th->tid, (void *)NT_X86_XSTATE, &iov) == 0) {
		rs->fpstate_len = iov.iov_len;
		return 0;
	}
	if (ptrace(PTRACE_GETFPREGS, rs->th->tid, 0, rs->fpstate) == 0) {
		rs->fpstate_legacy = true;
		return 0;
	}
	ns_err_set(rs->tr->err, "cannot read the FPU state "
		 "of thread %d: %s", rs->th->tid, strerror(errno));
	drop_fpstate(rs);
	return -1;
}

int ns_remote_restore_fpstate(struct ns_remote *rs)
{
	struct iovec iov = { rs->fpstate, rs->fpstate_len };
	long r;

	if (!rs->fpstate)
		return 0;
	if (rs->fpstate_legacy)
		r = ptrace(PTRACE_SETFPREGS, rs->th->tid, 0, rs->fpstate);
	else
		r = ptrace(PTRACE_SETREGSET, rs->th->tid, (void *)NT_X86_XSTATE, &iov);
	if (r < 0) {
		ns_err_set(rs->tr->err, "cannot restore the "
			 "FPU state of thread %d: %s", rs->th->tid, strerror(errno));
		return -1;
	}
	return 0;
}

static void drop_fpstate(struct ns_remote *rs)
{
	free(rs->fpstate);
	rs->fpstate = NULL;
	rs->fpstate_len = 0;
	rs->fpstate_legacy = false;
}

void ns_remote_release(struct ns_remote *rs)
{
	drop_fpstate(rs);
	if (rs->sc) {
		ns_seccomp_free(rs->sc);
		free(rs->sc);
		rs->sc = NULL;
	}
}

int ns_remote_begin(struct ns_remote *rs, struct ns_tracee *tr,
		    const struct ns_gadgets *g)
{
	return ns_remote_begin_on(rs, tr, NULL, g);
}

int ns_remote_begin_on(struct ns_remote *rs, struct ns_tracee *tr,
		       struct ns_thread *th, const struct ns_gadgets *g)
{
	memset(rs, 0, sizeof(*rs));
	rs->tr = tr;
	if (g)
		rs->g = *g;
	else if (ns_remote_find_gadgets(tr, &rs->g) < 0)
		return -1;
	rs->th = th ? th : pick_thread(tr);
	if (!rs->th)
		return -1;      /* tr->err says why */
	if (ns_fault("stop a thread to borrow it") ||
	    ns_tracee_stop_one(tr, rs->th) < 0)
		return -1;
	/* Stopped for a signal: let it be delivered first (resumed from
	 * anywhere else, the signal would be sent anew, without its data). */
	for (int i = 0; rs->th->pending_sig && i < 100; i++)
		if (ns_tracee_resume_one(tr, rs->th) < 0 ||
		    ns_tracee_stop_one(tr, rs->th) < 0)
			return -1;
	rs->saved = rs->th->regs;
	rs->sp = rs->saved.rsp;
	rs->by_hand = ns_regs_in_restart_block(&rs->saved);
	if (rs->by_hand && ns_remote_keep_fpstate(rs) < 0)
		return -1;
	if (push_frame(rs) < 0) {
		drop_fpstate(rs);
		return -1;
	}
	return 0;
}

/* ---- seccomp ------------------------------------------------------------- */

/* The borrowed thread's seccomp state, read once (it is stopped). */
struct ns_seccomp *ns_remote_seccomp(struct ns_remote *rs)
{
	if (rs->sc)
		return rs->sc;
	rs->sc = calloc(1, sizeof(*rs->sc));
	if (!rs->sc) {
		ns_err_set(rs->tr->err, "out of memory");
		return NULL;
	}
	if (ns_seccomp_read(rs->sc, rs->tr->pid, rs->th->tid, rs->tr->err) < 0) {
		free(rs->sc);
		rs->sc = NULL;
	}
	return rs->sc;
}

int ns_remote_allowed(struct ns_remote *rs, const struct ns_sc_call *c)
{
	struct ns_seccomp *sc = ns_remote_seccomp(rs);

	if (!sc)
		return -1;
	return ns_seccomp_allows(sc, c, rs->tr->err);
}

void ns_remote_syscalls(struct ns_sc_list *l)
{
	struct ns_sc_call c = { .name = "rt_sigreturn", .nr = SYS_rt_sigreturn };

	ns_sc_add(l, &c);
}

/* Signals for the borrowed thread stay queued while it runs our calls: a
 * signal-delivery stop would otherwise take them from the queue (and keep
 * only one, without its data). Only with a frame: the frame holds the
 * thread's own mask, so rt_sigreturn restores it if nonstop dies; and the
 * mask is blocked only after the registers point at our calls, and
 * restored before they are put back (ns_remote_end). */
static int block_signals(struct ns_remote *rs)
{
	uint64_t all = ~0ULL;

	if (rs->masked || !rs->g.sigreturn)
		return 0;
	if (ptrace(PTRACE_GETSIGMASK, rs->th->tid, (void *)sizeof(rs->mask),
		   &rs->mask) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, rs->th->tid, (void *)sizeof(all), &all) < 0) {
		ns_err_set(rs->tr->err, "cannot set the signal "
			 "mask of thread %d: %s", rs->th->tid, strerror(errno));
		return -1;
	}
	rs->masked = true;
	return 0;
}

int ns_remote_set_regs(struct ns_remote *rs, const struct user_regs_struct *r)
{
	if (ns_tracee_set_regs(rs->tr, rs->th, r) < 0)
		return -1;
	rs->ran = true;
	return block_signals(rs);
}

/* The registers the thread goes back to: an interrupted call re-issued.
 * A nanosleep-like call goes on with restart_syscall, if its filter lets
 * that through; otherwise it starts over (longer, never shorter). */
static struct user_regs_struct home_regs(struct ns_remote *rs)
{
	struct user_regs_struct r = rs->saved;
	bool after_sigreturn = rs->sigreturned;

	if (!after_sigreturn && ns_regs_in_restart_block(&r)) {
		struct ns_sc_call c = {
			.name = "restart_syscall", .nr = SYS_restart_syscall,
			.ip = r.rip, .known = NS_SC_ALL,
			.args = { r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 },
		};
		bool mark = ns_err_mark(rs->tr->err);
		struct ns_seccomp *sc = ns_remote_seccomp(rs);
		struct ns_err refused = { 0 };   /* an answer, not a failure */

		/* A filter that cannot be read is taken as one that refuses:
		 * an answer too, not this thread's failure. */
		after_sigreturn = !sc || ns_seccomp_allows(sc, &c, &refused) < 0;
		ns_err_forget(rs->tr->err, mark);
	}
	ns_regs_restart_syscall(&r, after_sigreturn);
	return r;
}

int ns_remote_end(struct ns_remote *rs, bool keep_stopped)
{
	struct user_regs_struct r = rs->saved;
	int rc = 0;

	if (!rs->th || rs->th->gone) {
		ns_remote_release(rs);
		return -1;
	}
	/* Only a thread we moved off its syscall needs the manual restart;
	 * if no call was run, it still sits in its original stop and the
	 * kernel restarts the call itself. */
	if (rs->ran)
		r = home_regs(rs);
	ns_remote_release(rs);
	if (rs->masked &&
	    ptrace(PTRACE_SETSIGMASK, rs->th->tid, (void *)sizeof(rs->mask),
		   &rs->mask) < 0)
		rc = -1;
	if (ns_tracee_set_regs(rs->tr, rs->th, &r) < 0)
		rc = -1;
	rs->th->regs = r;
	if (!keep_stopped && ns_tracee_resume_one(rs->tr, rs->th) < 0)
		rc = -1;
	return rc;
}
