/* remote.c — running system calls inside the target with a borrowed thread.
 *
 * The thread is stopped, its registers saved, and pointed at a `syscall`
 * instruction that already exists in the target (vDSO or libc text), so
 * nothing is written into the target's code. PTRACE_SYSCALL stops it at the
 * entry and at the exit of that one call; at the exit we read the result
 * and never let it run the instructions that follow the gadget.
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
#include <sys/wait.h>

#include "proc/maps.h"
#include "proc/mem.h"
#include "proc/remote.h"

#define ERESTARTSYS           512
#define ERESTARTNOINTR        513
#define ERESTARTNOHAND        514
#define ERESTART_RESTARTBLOCK 516

/* Finds the bytes 0f 05 in an executable mapping; prefers the vDSO (small),
 * then any other executable mapping. */
int ns_remote_find_gadget(struct ns_tracee *tr, uint64_t *addr)
{
	struct ns_maps maps;
	int rc = -1;

	if (ns_maps_read(tr->pid, &maps) < 0)
		return -1;
	for (int pass = 0; pass < 2 && rc; pass++) {
		for (size_t i = 0; i < maps.n && rc; i++) {
			const struct ns_map *m = &maps.v[i];
			bool vdso = !strcmp(m->path, "[vdso]");
			size_t len = m->end - m->start;
			uint8_t *buf;

			if (!(m->prot & PROT_EXEC) || vdso != (pass == 0) ||
			    len > (64u << 20))
				continue;
			buf = malloc(len);
			if (!buf)
				break;
			if (ns_mem_read(tr->mem_fd, m->start, buf, len) == 0)
				for (size_t j = 0; j + 1 < len; j++)
					if (buf[j] == 0x0f && buf[j + 1] == 0x05) {
						*addr = m->start + j;
						rc = 0;
						break;
					}
			free(buf);
		}
	}
	ns_maps_free(&maps);
	if (rc)
		snprintf(tr->err, sizeof(tr->err),
			 "no syscall instruction found in process %d", tr->pid);
	return rc;
}

static struct ns_thread *pick_thread(struct ns_tracee *tr)
{
	for (size_t i = 0; i < tr->n; i++)
		if (!tr->t[i]->gone)
			return tr->t[i];
	return NULL;
}

int ns_remote_begin(struct ns_remote *rs, struct ns_tracee *tr, uint64_t gadget)
{
	memset(rs, 0, sizeof(*rs));
	rs->tr = tr;
	rs->gadget = gadget;
	if (!rs->gadget && ns_remote_find_gadget(tr, &rs->gadget) < 0)
		return -1;
	rs->th = pick_thread(tr);
	if (!rs->th) {
		snprintf(tr->err, sizeof(tr->err), "process %d exited", tr->pid);
		return -1;
	}
	if (ns_tracee_stop_one(tr, rs->th) < 0)
		return -1;
	rs->saved = rs->th->regs;
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
static int run_to_exit(struct ns_remote *rs, int64_t *ret)
{
	for (int stops = 0; stops < 8; stops++) {
		struct __ptrace_syscall_info info;

		if (step_to_syscall_stop(rs) < 0)
			return -1;
		if (ptrace(PTRACE_GET_SYSCALL_INFO, rs->th->tid,
			   (void *)sizeof(info), &info) <= 0) {
			snprintf(rs->tr->err, sizeof(rs->tr->err),
				 "cannot inspect the system call of thread %d: "
				 "%s", rs->th->tid, strerror(errno));
			return -1;
		}
		if (info.op == PTRACE_SYSCALL_INFO_EXIT &&
		    info.instruction_pointer == rs->gadget + 2) {
			*ret = info.exit.rval;
			return 0;
		}
	}
	snprintf(rs->tr->err, sizeof(rs->tr->err), "thread %d did not finish "
		 "the system call nonstop asked of it", rs->th->tid);
	return -1;
}

int ns_remote_syscall(struct ns_remote *rs, long nr, int64_t *ret,
		      uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t a5, uint64_t a6)
{
	struct user_regs_struct r = rs->saved;

	r.rip = rs->gadget;
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1; /* no restart logic on the way out */
	r.rdi = a1;
	r.rsi = a2;
	r.rdx = a3;
	r.r10 = a4;
	r.r8 = a5;
	r.r9 = a6;
	if (ns_tracee_set_regs(rs->tr, rs->th, &r) < 0)
		return -1;
	rs->ran = true;
	return run_to_exit(rs, ret);
}

/* Turns saved registers of a thread interrupted in a restartable system
 * call into registers that re-issue that call when it runs again. */
static void restart_interrupted_syscall(struct user_regs_struct *r)
{
	if ((int64_t)r->orig_rax < 0)
		return;
	switch ((int64_t)r->rax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		r->rax = r->orig_rax;
		r->rip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		r->rax = SYS_restart_syscall;
		r->rip -= 2;
		break;
	default:
		return;
	}
	r->orig_rax = (uint64_t)-1;
}

int ns_remote_end(struct ns_remote *rs, bool keep_stopped)
{
	struct user_regs_struct r = rs->saved;
	int rc = 0;

	if (!rs->th || rs->th->gone)
		return -1;
	/* Only a thread we moved off its syscall needs the manual restart;
	 * if no call was run, it still sits in its original stop and the
	 * kernel restarts the call itself. */
	if (rs->ran)
		restart_interrupted_syscall(&r);
	if (ns_tracee_set_regs(rs->tr, rs->th, &r) < 0)
		rc = -1;
	rs->th->regs = r;
	if (!keep_stopped && ns_tracee_resume_one(rs->tr, rs->th) < 0)
		rc = -1;
	return rc;
}
