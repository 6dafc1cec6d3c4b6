/* seize.c — taking hold of the threads of a target (see tracee.h): all of
 * them, the leader alone, or one thread named by the target.
 *
 * PTRACE_SEIZE stops nothing and sends nothing, so a thread is seized
 * while it runs; threads created meanwhile by seized threads are traced
 * by the kernel (PTRACE_O_TRACECLONE), and /proc/PID/task is read again
 * until a pass finds none that is not held. The memory file is opened
 * once the threads are held (the kernel checks access then). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "util/err.h"
#include "proc/mem.h"
#include "proc/ptrace_why.h"
#include "proc/tracee.h"
#include "util/fault.h"

#define SEIZE_OPTS (PTRACE_O_TRACECLONE | PTRACE_O_TRACESYSGOOD)

/* "cannot attach to thread TID: <E>" and HINT. */
static void attach_err(struct ns_tracee *tr, pid_t tid, int e, const char *hint)
{
	ns_err_set(tr->err, "cannot attach to thread %d: %s%s",
		 (int)tid, strerror(e), hint);
}

/* The tracer of thread TID of PID (0: none), or -1 if the thread is gone. */
static int tracer_of(pid_t pid, pid_t tid)
{
	char fn[64], line[128];
	int tracer = -1;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	f = fopen(fn, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "TracerPid:", 10)) {
			tracer = atoi(line + 10);
			break;
		}
	fclose(f);
	return tracer;
}

static int seize_new_threads(struct ns_tracee *tr, int *added)
{
	char fn[64];
	struct dirent *de;
	DIR *d;

	*added = 0;
	snprintf(fn, sizeof(fn), "/proc/%d/task", (int)tr->pid);
	d = opendir(fn);
	if (!d) {
		ns_err_set(tr->err, "no process %d", (int)tr->pid);
		return -1;
	}
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		if (tid <= 0 || ns_tracee_knows(tr, tid))
			continue;
		if (ns_fault("seize a thread")) {
			attach_err(tr, tid, errno, "");
			closedir(d);
			return -1;
		}
		if (ptrace(PTRACE_SEIZE, tid, 0, (long)SEIZE_OPTS) < 0) {
			if (errno == ESRCH)
				continue; /* exited meanwhile */
			if (errno == EPERM) {
				int tracer = tracer_of(tr->pid, tid);
				if (tracer < 0)
					continue; /* exited meanwhile */
				if (tracer == getpid()) {
					/* Created by a thread we had seized:
					 * already ours (TRACECLONE); its first
					 * stop is on its way. */
					struct ns_thread *th = ns_tracee_add(tr, tid);
					if (!th) {
						closedir(d);
						return -1;
					}
					th->fresh = true;
					(*added)++;
					continue;
				}
				tr->refused = true;
				if (tracer > 0) {
					ns_err_set(tr->err, "thread %d is already traced by "
						 "process %d (a debugger?)", tid,
						 tracer);
					closedir(d);
					return -1;
				}
				errno = EPERM;
			}
			{
				int e = errno;
				char why[256];

				ns_ptrace_why(tr->pid, e, why, sizeof(why));
				attach_err(tr, tid, e, why);
			}
			closedir(d);
			return -1;
		}
		if (!ns_tracee_add(tr, tid)) {
			closedir(d);
			return -1;
		}
		(*added)++;
	}
	closedir(d);
	return 0;
}

/* Whether TID is a thread of process PID now: /proc/PID/task/TID exists
 * only while it is (a thread id names one thread of one process, and the
 * kernel lists it under its own process only). */
static bool is_thread_of(pid_t pid, pid_t tid)
{
	char fn[64];

	if (pid <= 0 || tid <= 0)
		return false;
	snprintf(fn, sizeof(fn), "/proc/%d/task/%d", (int)pid, (int)tid);
	return access(fn, F_OK) == 0;
}

/* Seizes thread TID of PID alone. TID comes from the target (libnonstop's
 * control block names its runtime thread), so it is hostile input: a
 * target could name any process of the host, which root could seize. It
 * is taken only if /proc/PID/task lists it, before the seize and again
 * after it (the thread may have exited and its id gone to another process
 * in between; once seized, its id cannot be reused until we let go). */
static int seize_one(struct ns_tracee *tr, pid_t tid)
{
	static const char *why = "thread %d named by process %d is not one of "
				 "its threads (a forged control block?): refused";

	if (!is_thread_of(tr->pid, tid)) {
		ns_err_set(tr->err, why, (int)tid, (int)tr->pid);
		return -1;
	}
	if (ptrace(PTRACE_SEIZE, tid, 0, (long)PTRACE_O_TRACESYSGOOD) < 0) {
		tr->refused = errno == EPERM;
		attach_err(tr, tid, errno, "");
		return -1;
	}
	if (!ns_tracee_add(tr, tid))
		return -1;
	if (!is_thread_of(tr->pid, tid)) {
		/* Held: the caller's cleanup (ns_tracee_close) lets it go. */
		ns_err_set(tr->err, why, (int)tid, (int)tr->pid);
		return -1;
	}
	return 0;
}

int ns_tracee_seize_thread(struct ns_tracee *tr, pid_t tid,
			   struct ns_thread **out)
{
	*out = NULL;
	if (ns_tracee_knows(tr, tid))
		return ns_err_set(tr->err, "thread %d of process %d is held "
				  "already", (int)tid, (int)tr->pid);
	if (seize_one(tr, tid) < 0) {
		if (tr->n && tr->t[tr->n - 1]->tid == tid)
			ns_tracee_let_go_thread(tr, tr->t[tr->n - 1]);
		return -1;
	}
	*out = tr->t[tr->n - 1];
	return 0;
}

/* Seizes every thread of PID, or only thread ONE if it is not 0. */
static int attach(struct ns_tracee *tr, pid_t pid, pid_t one)
{
	struct ns_err *err = tr->err;   /* the caller's, kept */
	bool all = one == 0;
	int added = 0;

	memset(tr, 0, sizeof(*tr));
	tr->err = err;
	tr->pid = pid;
	tr->mem_fd = -1;
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		ns_err_set(tr->err, "no process %d", (int)pid);
		return -1;
	}
	/* Threads may be created while we seize: repeat until a pass over
	 * /proc/PID/task finds none we do not hold. Threads created by seized
	 * threads are auto-attached (PTRACE_O_TRACECLONE). */
	if (!all && seize_one(tr, one) < 0)
		goto fail;
	while (all) {
		if (seize_new_threads(tr, &added) < 0)
			goto fail;
		if (!added)
			break;
	}
	if (tr->n == 0) {
		ns_err_set(tr->err, "no process %d", (int)pid);
		goto fail;
	}
	tr->mem_fd = ns_mem_open(pid);
	if (tr->mem_fd < 0) {
		ns_err_set(tr->err, "cannot open the memory of "
			 "process %d: %s", (int)pid, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	ns_tracee_close(tr);
	return -1;
}

int ns_tracee_attach_leader(struct ns_tracee *tr, pid_t pid)
{
	return attach(tr, pid, pid);
}

int ns_tracee_attach_thread(struct ns_tracee *tr, pid_t pid, pid_t tid)
{
	return attach(tr, pid, tid);
}

int ns_tracee_attach(struct ns_tracee *tr, pid_t pid)
{
	return attach(tr, pid, 0);
}
