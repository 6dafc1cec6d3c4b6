/* remote.c — running system calls inside the target with a borrowed thread.
 *
 * The thread is stopped, its registers saved, and pointed at a
 * `syscall; ret` that already exists in the target (vDSO or libc text), so
 * nothing is written into the target's code. PTRACE_SYSCALL stops it at the
 * entry and at the exit of that one call; at the exit we read the result.
 * Its stack pointer is on a signal frame of its own state whose return
 * address is glibc's signal restorer (sigframe.h): if nonstop dies at any
 * moment, the `ret` after the call leads to rt_sigreturn and the thread is
 * back where it was.
 *
 * Restoring is the delicate part. A thread stopped inside a blocking system
 * call (read, accept, nanosleep...) has rax = -ERESTART* and orig_rax = the
 * call number: the kernel would restart it when the thread resumes from a
 * signal stop, but we resume it from a syscall-exit stop, where it does not.
 * So we restart it ourselves, as the kernel would: back up rip over the
 * two-byte `syscall` and reload rax (restart_syscall for RESTARTBLOCK calls
 * such as nanosleep, which then sleeps only the time that was left). The
 * program sees no EINTR, no short read and no shortened sleep. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <elf.h>

#include "proc/maps.h"
#include "proc/mem.h"
#include "proc/remote.h"
#include "proc/sigframe.h"
#include "registry/registry.h"
#include "util/fault.h"


static const uint8_t SYSCALL_RET[] = { 0x0f, 0x05, 0xc3 };  /* syscall; ret */
/* glibc's __restore_rt: mov $15 (rt_sigreturn), %rax; syscall
 * (NS_RESTORER_LEN bytes) */
static const uint8_t SIGRETURN[] = { 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05 };

/* Mappings a gadget may not come from: nonstop's own (revert unmaps them
 * under the borrowed thread's feet) and the vsyscall page (executing it
 * anywhere but at its entry points faults). */
static bool gadget_source(const struct ns_map *m)
{
	return (m->prot & PROT_EXEC) && !strstr(m->path, NS_REC_MAPNAME) &&
	       strcmp(m->path, "[vsyscall]") && m->end - m->start <= (64u << 20);
}

static void scan(const uint8_t *buf, size_t len, uint64_t at,
		 struct ns_gadgets *g)
{
	const uint8_t *p;

	if (!g->syscall && (p = memmem(buf, len, SYSCALL_RET, 3)))
		g->syscall = at + (uint64_t)(p - buf);
	if (!g->sigreturn && (p = memmem(buf, len, SIGRETURN, sizeof(SIGRETURN))))
		g->sigreturn = at + (uint64_t)(p - buf);
}

/* Finds `syscall; ret` (the vDSO first: it is small) and glibc's signal
 * restorer in the target's executable memory. */
int ns_remote_find_gadgets(struct ns_tracee *tr, struct ns_gadgets *g)
{
	struct ns_maps maps;

	memset(g, 0, sizeof(*g));
	if (ns_maps_read(tr->pid, &maps) < 0) {
		snprintf(tr->err, sizeof(tr->err), "cannot read the maps of "
			 "process %d", tr->pid);
		return -1;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < maps.n; i++) {
			const struct ns_map *m = &maps.v[i];
			bool vdso = !strcmp(m->path, "[vdso]");
			size_t len = m->end - m->start;
			uint8_t *buf;

			if (!gadget_source(m) || vdso != (pass == 0) ||
			    (g->syscall && g->sigreturn))
				continue;
			buf = malloc(len);
			if (!buf)
				break;
			if (ns_mem_read(tr->mem_fd, m->start, buf, len) == 0)
				scan(buf, len, m->start, g);
			free(buf);
		}
	}
	ns_maps_free(&maps);
	if (!g->syscall) {
		snprintf(tr->err, sizeof(tr->err), "no `syscall; ret` "
			 "instruction sequence found in process %d", tr->pid);
		return -1;
	}
	return 0;
}

/* A thread for our system calls: one that is not in a nanosleep-like
 * call, if there is one (see ns_regs_in_restart_block: were nonstop to
 * die while the thread runs our calls, the rt_sigreturn that brings it
 * back would make such a call fail with EINTR). Threads already stopped
 * are looked at first; the others are stopped one at a time, and put
 * back if they will not do. The one returned may be left stopped. NULL
 * with tr->err if none is left or one could not be stopped. */
static struct ns_thread *pick_thread(struct ns_tracee *tr)
{
	struct ns_thread *first = NULL;
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
	for (i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];

		if (th->gone || th->stopped)
			continue;
		if (ns_tracee_stop_one(tr, th) < 0) {
			if (th->gone)
				continue;
			return NULL;
		}
		if (!ns_regs_in_restart_block(&th->regs))
			return th;
		if (ns_tracee_resume_one(tr, th) < 0)
			return NULL;
	}
	if (!first || first->gone) {
		snprintf(tr->err, sizeof(tr->err), "process %d exited", tr->pid);
		return NULL;
	}
	return first;
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
		snprintf(rs->tr->err, sizeof(rs->tr->err), "cannot read the "
			 "maps of process %d", rs->tr->pid);
		return -1;
	}
	ns_regs_restart_syscall(&resume, true);
	rc = ns_sigframe_push(rs->tr, rs->th, &maps, &resume,
			      rs->g.sigreturn, 0, &rs->sp);
	ns_maps_free(&maps);
	return rc;
}

/* Keeps the FPU state of a borrowed thread in a nanosleep-like call (see
 * struct ns_remote). */
static int keep_fpstate(struct ns_remote *rs)
{
	struct iovec iov;

	if (!ns_regs_in_restart_block(&rs->saved))
		return 0;
	rs->fpstate = malloc(NS_FPSTATE_MAX);
	if (!rs->fpstate) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "out of memory");
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
	snprintf(rs->tr->err, sizeof(rs->tr->err), "cannot read the FPU state "
		 "of thread %d: %s", rs->th->tid, strerror(errno));
	ns_remote_drop_fpstate(rs);
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
		snprintf(rs->tr->err, sizeof(rs->tr->err), "cannot restore the "
			 "FPU state of thread %d: %s", rs->th->tid, strerror(errno));
		return -1;
	}
	return 0;
}

void ns_remote_drop_fpstate(struct ns_remote *rs)
{
	free(rs->fpstate);
	rs->fpstate = NULL;
	rs->fpstate_len = 0;
	rs->fpstate_legacy = false;
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
	if (keep_fpstate(rs) < 0)
		return -1;
	if (push_frame(rs) < 0) {
		ns_remote_drop_fpstate(rs);
		return -1;
	}
	return 0;
}

/* Resumes with PTRACE_SYSCALL until the next syscall stop of the thread;
 * signals arriving meanwhile are kept for later delivery. */
static int step_to_syscall_stop(struct ns_remote *rs)
{
	struct ns_thread *th = rs->th;

	for (;;) {
		int status;

		if (ptrace(PTRACE_SYSCALL, th->tid, 0, 0) < 0) {
			snprintf(rs->tr->err, sizeof(rs->tr->err),
				 "cannot run a system call in thread %d: %s",
				 th->tid, strerror(errno));
			return -1;
		}
		th->stopped = false;
		status = ns_tracee_wait_one(rs->tr, th);
		if (status < 0)
			return -1;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP)
			th->pending_sig = WSTOPSIG(status);
		/* PTRACE_EVENT_STOP and others: just go on. */
	}
}

/* Steps through syscall stops until the exit of the call made at the
 * gadget. The kernel says which stop is which (PTRACE_GET_SYSCALL_INFO), so
 * a stop we did not expect (a syscall of the thread's own being finished)
 * can never be taken for our result. */
/* Runs the borrowed thread to its next syscall stop and says which
 * (PTRACE_GET_SYSCALL_INFO). 0, or -1 with tr->err. */
static int next_syscall_stop(struct ns_remote *rs,
			     struct __ptrace_syscall_info *info)
{
	if (step_to_syscall_stop(rs) < 0)
		return -1;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, rs->th->tid, (void *)sizeof(*info),
		   info) <= 0) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "cannot inspect the "
			 "system call of thread %d: %s", rs->th->tid,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int run_to_exit(struct ns_remote *rs, int64_t *ret)
{
	for (int stops = 0; stops < 8; stops++) {
		struct __ptrace_syscall_info info;

		if (next_syscall_stop(rs, &info) < 0)
			return -1;
		if (info.op == PTRACE_SYSCALL_INFO_EXIT &&
		    info.instruction_pointer == rs->g.syscall + 2) {
			*ret = info.exit.rval;
			return 0;
		}
	}
	snprintf(rs->tr->err, sizeof(rs->tr->err), "thread %d did not finish "
		 "the system call nonstop asked of it", rs->th->tid);
	return -1;
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
		snprintf(rs->tr->err, sizeof(rs->tr->err), "cannot set the signal "
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

int ns_remote_syscall(struct ns_remote *rs, long nr, int64_t *ret,
		      uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t a5, uint64_t a6)
{
	struct user_regs_struct r = rs->saved;

	if (ns_fault("run a system call in the target")) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "fault injected");
		return -1;
	}
	r.rip = rs->g.syscall;
	r.rsp = rs->sp;
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1; /* no restart logic on the way out */
	r.rdi = a1;
	r.rsi = a2;
	r.rdx = a3;
	r.r10 = a4;
	r.r8 = a5;
	r.r9 = a6;
	if (ns_remote_set_regs(rs, &r) < 0)
		return -1;
	return run_to_exit(rs, ret);
}

/* Steps through the syscall stops of the handler until the entry of its
 * rt_sigreturn at the restorer, then lets that run: the thread is then
 * back in the registers of its frame, stopped at the exit of the call. */
static int run_to_sigreturn(struct ns_remote *rs)
{
	uint64_t at = rs->g.sigreturn + NS_RESTORER_LEN;

	for (unsigned stops = 0; stops < 1u << 20; stops++) {
		struct __ptrace_syscall_info info;

		if (next_syscall_stop(rs, &info) < 0)
			return -1;
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY &&
		    info.entry.nr == SYS_rt_sigreturn &&
		    info.instruction_pointer == at)
			return step_to_syscall_stop(rs);
	}
	snprintf(rs->tr->err, sizeof(rs->tr->err), "thread %d did not return "
		 "from the function nonstop called", rs->th->tid);
	return -1;
}

int ns_remote_call_handler(struct ns_remote *rs, uint64_t fn, uint64_t a1,
			   uint64_t a2)
{
	struct user_regs_struct r = rs->saved;

	if (!rs->g.sigreturn) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "process %d has no "
			 "signal restorer (__restore_rt) to return through",
			 (int)rs->tr->pid);
		return -1;
	}
	if (ns_fault("call a function in the target")) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "fault injected");
		return -1;
	}
	r.rip = fn;
	r.rsp = rs->sp;     /* [rsp] is the restorer: FN returns into it */
	r.rax = 0;
	r.orig_rax = (uint64_t)-1;
	r.rdi = a1;
	r.rsi = a2;
	if (ns_tracee_set_regs(rs->tr, rs->th, &r) < 0)
		return -1;
	rs->ran = true;
	if (block_signals(rs) < 0 || run_to_sigreturn(rs) < 0)
		return -1;
	/* rt_sigreturn put back the thread's own signal mask, and made the
	 * kernel forget the restart block of its interrupted call. */
	rs->masked = false;
	rs->sigreturned = true;
	return 0;
}

int ns_remote_end(struct ns_remote *rs, bool keep_stopped)
{
	struct user_regs_struct r = rs->saved;
	int rc = 0;

	ns_remote_drop_fpstate(rs);
	if (!rs->th || rs->th->gone)
		return -1;
	/* Only a thread we moved off its syscall needs the manual restart;
	 * if no call was run, it still sits in its original stop and the
	 * kernel restarts the call itself. */
	if (rs->ran)
		ns_regs_restart_syscall(&r, rs->sigreturned);
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
