/* eintr.c — re-issuing the calls our interrupt failed with EINTR (see
 * eintr.h).
 *
 * Only calls where EINTR means that nothing was done are re-issued (not
 * close(), whose descriptor is gone even when it says EINTR, nor connect(),
 * whose connection goes on). A re-issued call with a timeout starts its
 * timeout over: it may wait longer, never shorter. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "proc/eintr.h"
#include "util/fault.h"

static bool never_restarted(long nr)
{
	switch (nr) {
	case SYS_epoll_wait: case SYS_epoll_pwait:
#ifdef SYS_epoll_pwait2
	case SYS_epoll_pwait2:
#endif
	case SYS_semop: case SYS_semtimedop:
	case SYS_io_getevents: case SYS_io_pgetevents:
	case SYS_read: case SYS_write: case SYS_readv: case SYS_writev:
	case SYS_recvfrom: case SYS_recvmsg: case SYS_sendto: case SYS_sendmsg:
	case SYS_accept: case SYS_accept4:
	case SYS_mq_timedsend: case SYS_mq_timedreceive:
		return true;
	default:
		return false;
	}
}

/* Signals ignored without a handler by default. */
#define DEFAULT_IGNORED ((1ULL << (SIGCHLD - 1)) | (1ULL << (SIGURG - 1)) | \
			 (1ULL << (SIGWINCH - 1)) | (1ULL << (SIGCONT - 1)))

/* Whether a signal is queued for TID (or its process) that would be
 * delivered: pending, not blocked, not ignored. On doubt, true. */
static bool signal_waiting(pid_t pid, pid_t tid)
{
	unsigned long long pnd = 0, shd = 0, blk = 0, ign = 0, cgt = 0;
	char fn[64], line[256];
	int got = 0;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	f = fopen(fn, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		got += sscanf(line, "SigPnd: %llx", &pnd) +
		       sscanf(line, "ShdPnd: %llx", &shd) +
		       sscanf(line, "SigBlk: %llx", &blk) +
		       sscanf(line, "SigIgn: %llx", &ign) +
		       sscanf(line, "SigCgt: %llx", &cgt);
	}
	fclose(f);
	if (got != 5)
		return true;
	return ((pnd | shd) & ~blk & ~ign & ~(DEFAULT_IGNORED & ~cgt)) != 0;
}

int ns_eintr_rewind(pid_t pid, pid_t tid, struct user_regs_struct *regs,
		    struct ns_err *err)
{
	struct user_regs_struct r = *regs;

	if ((int64_t)r.orig_rax < 0 || (int64_t)r.rax != -EINTR ||
	    !never_restarted((long)r.orig_rax) || signal_waiting(pid, tid))
		return 0;
	r.rax = r.orig_rax;
	r.rip -= 2;
	if (ns_fault("re-issue a call our stop interrupted") ||
	    ptrace(PTRACE_SETREGS, tid, 0, &r) < 0) {
		ns_err_set(err, "cannot write registers of thread %d: %s",
			 tid, strerror(errno));
		return -1;
	}
	*regs = r;
	return 0;
}
