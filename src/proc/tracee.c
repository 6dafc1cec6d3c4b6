/* tracee.c — ptrace control of all threads of a target once seized
 * (seize.c): stop, resume, wait, detach, and the bookkeeping of the events
 * the kernel reports meanwhile.
 *
 * Every thread has a wanted state (stopped or running) and a known state.
 * handle_event() is the one place where kernel reports change the known
 * state; whenever a thread stops that we want running (a signal arriving, a
 * late interrupt, a new thread's first stop), it is resumed at once, with
 * the signal it brought. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc/eintr.h"
#include "proc/pidstat.h"
#include "proc/tracee.h"
#include "util/clock.h"
#include "util/fault.h"

/* Seconds to wait for threads asked to stop: a thread in uninterruptible
 * sleep (or a process dumping core) stops only when it leaves it, and is
 * not waited for longer. */
#define STOP_TIMEOUT 10

static void set_err(struct ns_tracee *tr, const char *fmt, const char *what,
		    int tid, int e)
{
	ns_err_set(tr->err, fmt, what, tid, strerror(e));
}

static struct ns_thread *find_thread(struct ns_tracee *tr, pid_t tid)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->t[i]->tid == tid && !tr->t[i]->gone)
			return tr->t[i];
	return NULL;
}

bool ns_tracee_knows(const struct ns_tracee *tr, pid_t tid)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->t[i]->tid == tid)
			return true;
	return false;
}

struct ns_thread *ns_tracee_add(struct ns_tracee *tr, pid_t tid)
{
	struct ns_thread *th;

	if (tr->n == tr->cap) {
		size_t nc = tr->cap ? tr->cap * 2 : 16;
		struct ns_thread **nt = realloc(tr->t, nc * sizeof(*nt));
		if (!nt)
			return NULL;
		tr->t = nt;
		tr->cap = nc;
	}
	th = calloc(1, sizeof(*th));
	if (!th)
		return NULL;
	th->tid = tid;
	tr->t[tr->n++] = th;
	return th;
}

size_t ns_tracee_live(const struct ns_tracee *tr)
{
	size_t n = 0;

	for (size_t i = 0; i < tr->n; i++)
		n += !tr->t[i]->gone;
	return n;
}

/* Resumes a stopped thread that should run, with the signal it holds. */
static int cont(struct ns_tracee *tr, struct ns_thread *th)
{
	int sig = th->pending_sig;

	th->pending_sig = 0;
	th->fresh = false;
	if (ptrace(PTRACE_CONT, th->tid, 0, (long)sig) < 0) {
		if (errno == ESRCH) { /* died meanwhile: its exit will follow */
			th->stopped = false;
			return 0;
		}
		set_err(tr, "%s thread %d: %s", "cannot resume", th->tid, errno);
		return -1;
	}
	th->stopped = false;
	return 0;
}

/* Records one wait status of TID. */
static void handle_event(struct ns_tracee *tr, pid_t tid, int status)
{
	struct ns_thread *th = find_thread(tr, tid);
	int event = status >> 16;

	if (!th) {
		/* A new thread's first stop can arrive before its parent's
		 * clone event: adopt it. */
		if (!WIFSTOPPED(status))
			return;
		th = ns_tracee_add(tr, tid);
		if (!th)
			return;
		th->fresh = true;
		th->want_stop = true; /* decided below against the others */
		for (size_t i = 0; i < tr->n; i++)
			if (tr->t[i] != th && !tr->t[i]->gone) {
				th->want_stop = tr->t[i]->want_stop;
				break;
			}
	}
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		th->gone = true;
		th->stopped = false;
		/* The leader is reported last, when the whole group is gone. */
		if (tid == tr->pid || ns_tracee_live(tr) == 0)
			tr->exited = true;
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	th->stopped = true;
	if (event == PTRACE_EVENT_CLONE) {
		unsigned long newtid = 0;
		/* The child may have stopped, run and exited before this
		 * event of its parent is read: a thread we know, even gone,
		 * is not added again (we would wait for it forever). */
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &newtid) == 0 &&
		    !ns_tracee_knows(tr, (pid_t)newtid)) {
			struct ns_thread *nt = ns_tracee_add(tr, (pid_t)newtid);
			if (nt) {
				nt->want_stop = th->want_stop;
				nt->fresh = true;
			}
		}
	} else if (event == 0 && WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		/* Signal-delivery stop: keep the signal for the resume. */
		th->pending_sig = WSTOPSIG(status);
	}
	if (!th->want_stop)
		cont(tr, th);
}

/* waitpid(WHO) until DEADLINE, without spinning: the kernel sends the
 * tracer SIGCHLD at every stop and exit of a tracee, so when nothing is
 * ready SIGCHLD is blocked and waited for between two non-blocking
 * waitpid calls. In slices of at most 5 ms, in case our own parent left
 * SIGCHLD ignored (then it is never sent). The pid, 0 at the deadline,
 * or -1 (errno). */
static pid_t wait_until(pid_t who, int *status, double deadline)
{
	sigset_t chld, old;
	pid_t w;

	do
		w = waitpid(who, status, __WALL | WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w != 0)
		return w;     /* the usual case: what we wait for is there */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	for (;;) {
		double left;
		struct timespec ts;

		w = waitpid(who, status, __WALL | WNOHANG);
		if (w > 0 || (w < 0 && errno != EINTR))
			break;
		left = deadline - ns_clock_s();
		if (left <= 0) {
			w = 0;
			break;
		}
		if (left > 0.005)
			left = 0.005;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		sigtimedwait(&chld, NULL, &ts);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return w;
}

/* Whether process PID is gone or going (a zombie, or dumping core):
 * what the death of one of its threads by a signal usually means.
 * Looked at for up to 50 ms: the leader becomes a zombie right after the
 * others. */
static bool process_going(pid_t pid)
{
	for (int i = 0; i < 10; i++) {
		char fn[64], line[128];
		bool going = false;
		FILE *f;

		snprintf(fn, sizeof(fn), "/proc/%d/status", (int)pid);
		f = fopen(fn, "re");
		if (!f)
			return true;
		while (fgets(line, sizeof(line), f)) {
			char state = 0;

			if ((sscanf(line, "State: %c", &state) == 1 &&
			     (state == 'Z' || state == 'X')) ||
			    !strncmp(line, "CoreDumping:\t1", 14))
				going = true;
		}
		fclose(f);
		if (going)
			return true;
		usleep(5000);
	}
	return false;
}

/* "process N exited (killed by signal SIGSYS)", or the same of a thread
 * that died alone (SECCOMP_RET_KILL_THREAD). */
static void exit_message(struct ns_tracee *tr, pid_t tid, int status)
{
	char how[64];
	const char *sig;

	if (WIFSIGNALED(status)) {
		sig = sigabbrev_np(WTERMSIG(status));
		snprintf(how, sizeof(how), "killed by signal %s%s",
			 sig ? "SIG" : "", sig ? sig : "?");
		if (!sig)
			snprintf(how, sizeof(how), "killed by signal %d",
				 WTERMSIG(status));
	} else {
		snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
	}
	if (tid == tr->pid || tr->exited || WCOREDUMP(status) ||
	    process_going(tr->pid))
		ns_err_set(tr->err, "process %d exited (%s)",
			 (int)tr->pid, how);
	else
		ns_err_set(tr->err, "thread %d of process %d "
			 "exited (%s)", (int)tid, (int)tr->pid, how);
}

/* Waits until TH, asked to stop, has stopped or is gone, or DEADLINE.
 * By its tid: waitpid(-1) looks at every tracee for each status it
 * returns, which made stopping 512 threads take 9 ms (n² looks);
 * waitpid(TID) looks at one. Whatever else happens meanwhile (a new
 * thread, another's exit) stays queued for its own turn — but for the
 * leader's (see below). */
static int wait_thread(struct ns_tracee *tr, struct ns_thread *th,
		       double deadline)
{
	/* The leader's exit is reported only once every other thread's
	 * has been collected: it is waited for with the others' events. */
	pid_t who = th->tid == tr->pid ? -1 : th->tid;

	while (!th->gone && th->want_stop && !th->stopped) {
		int status;
		pid_t w = wait_until(who, &status, deadline);

		if (w < 0 && errno == ECHILD)  /* not ours to wait for alone */
			w = wait_until(-1, &status, deadline);
		if (w == 0) {
			ns_err_set(tr->err, "threads of process "
				 "%d did not stop within %d s%s", (int)tr->pid,
				 STOP_TIMEOUT, process_going(tr->pid) ?
				 " (it is exiting, or dumping core)" : "");
			return -1;
		}
		if (w < 0) {
			tr->exited = true;
			ns_err_set(tr->err, "process %d exited",
				 (int)tr->pid);
			return -1;
		}
		handle_event(tr, w, status);
		if (tr->exited) {
			exit_message(tr, w, status);
			return -1;
		}
	}
	return 0;
}

/* Waits until every thread that should be stopped is, or DEADLINE. */
static int wait_stopped(struct ns_tracee *tr, double deadline)
{
	/* tr->n grows with the threads born meanwhile. */
	for (size_t i = 0; i < tr->n; i++)
		if (wait_thread(tr, tr->t[i], deadline) < 0)
			return -1;
	return 0;
}

int ns_tracee_load_regs(struct ns_tracee *tr, struct ns_thread *th)
{
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &th->regs) < 0) {
		set_err(tr, "%s %d: %s", "cannot read registers of thread",
			th->tid, errno);
		return -1;
	}
	return ns_eintr_rewind(tr->pid, th->tid, &th->regs, tr->err);
}

int ns_tracee_stop_each(struct ns_tracee *tr,
			int (*cb)(void *arg, struct ns_thread *th), void *arg)
{
	double deadline = ns_clock_s() + STOP_TIMEOUT;

	if (ns_fault("stop every thread")) {
		set_err(tr, "%s %d: %s", "cannot stop the threads of", tr->pid,
			errno);
		return -1;
	}
	for (size_t i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];
		if (th->gone)
			continue;
		th->want_stop = true;
		if (!th->stopped && ptrace(PTRACE_INTERRUPT, th->tid, 0, 0) < 0 &&
		    errno != ESRCH) {
			set_err(tr, "%s %d: %s", "cannot stop thread", th->tid,
				errno);
			return -1;
		}
	}
	/* In the order asked; tr->n grows with the threads born meanwhile
	 * (stopped at birth). */
	for (size_t i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];

		if (wait_thread(tr, th, deadline) < 0)
			return -1;
		if (th->gone || !th->stopped)
			continue;
		if (ns_tracee_load_regs(tr, th) < 0 || (cb && cb(arg, th) < 0))
			return -1;
	}
	return 0;
}

bool ns_tracee_asleep(const struct ns_tracee *tr, const struct ns_thread *th)
{
	struct ns_pidstat st;

	/* S only: a thread in D (disk, NFS) may not stop for seconds. */
	return ns_pidstat_read(tr->pid, th->tid, &st) == 0 && st.state == 'S';
}

int ns_tracee_stop_all(struct ns_tracee *tr)
{
	return ns_tracee_stop_each(tr, NULL, NULL);
}

int ns_tracee_resume_all(struct ns_tracee *tr)
{
	int rc = 0;

	for (size_t i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];
		if (th->gone)
			continue;
		th->want_stop = false;
		if (th->stopped && cont(tr, th) < 0)
			rc = -1;
	}
	return rc;
}

int ns_tracee_stop_one(struct ns_tracee *tr, struct ns_thread *th)
{
	th->want_stop = true;
	if (!th->stopped && ptrace(PTRACE_INTERRUPT, th->tid, 0, 0) < 0) {
		set_err(tr, "%s %d: %s", "cannot stop thread", th->tid, errno);
		return -1;
	}
	if (wait_stopped(tr, ns_clock_s() + STOP_TIMEOUT) < 0)
		return -1;
	if (th->gone) {
		ns_err_set(tr->err, "thread %d exited", th->tid);
		return -1;
	}
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &th->regs) < 0) {
		set_err(tr, "%s %d: %s", "cannot read registers of thread",
			th->tid, errno);
		return -1;
	}
	return ns_eintr_rewind(tr->pid, th->tid, &th->regs, tr->err);
}

int ns_tracee_resume_one(struct ns_tracee *tr, struct ns_thread *th)
{
	th->want_stop = false;
	return th->stopped && !th->gone ? cont(tr, th) : 0;
}

int ns_tracee_set_regs(struct ns_tracee *tr, struct ns_thread *th,
		       const struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_SETREGS, th->tid, 0, regs) < 0) {
		set_err(tr, "%s %d: %s", "cannot write registers of thread",
			th->tid, errno);
		return -1;
	}
	return 0;
}

int ns_tracee_wait_one(struct ns_tracee *tr, struct ns_thread *th,
		       double deadline)
{
	int status;
	pid_t w = wait_until(th->tid, &status, deadline);

	if (w == 0 && process_going(tr->pid)) {
		/* Killed, and still dumping core: its exit status comes only
		 * when the dump is written, which may take any time. */
		tr->exited = true;
		ns_err_set(tr->err, "process %d exited (killed "
			 "by a signal; it is still dumping core)", (int)tr->pid);
		return -1;
	}
	if (w == 0) {
		ns_err_set(tr->err, "thread %d of process %d did "
			 "not stop in time", th->tid, (int)tr->pid);
		return NS_WAIT_TIMEOUT;
	}
	if (w < 0) {
		th->gone = true;
		th->stopped = false;
		ns_err_set(tr->err, "thread %d of process %d "
			 "vanished", th->tid, (int)tr->pid);
		return -1;
	}
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		handle_event(tr, w, status);
		exit_message(tr, w, status);
		return -1;
	}
	th->stopped = true;
	return status;
}

/* Handles the events that come for MS milliseconds, however many (a
 * thread that stops again and again cannot hold us here). */
void ns_tracee_pump(struct ns_tracee *tr, int ms)
{
	double deadline = ns_clock_s() + ms / 1000.0;

	for (;;) {
		int status;
		pid_t w = wait_until(-1, &status, deadline);

		if (w > 0) {
			handle_event(tr, w, status);
			continue;
		}
		if (w < 0 && errno == ECHILD)
			tr->exited = true;
		return;
	}
}

void ns_tracee_close(struct ns_tracee *tr)
{
	ns_tracee_detach(tr);
	if (tr->mem_fd >= 0)
		close(tr->mem_fd);
	tr->mem_fd = -1;
}

void ns_tracee_let_go_thread(struct ns_tracee *tr, struct ns_thread *th)
{
	size_t i;

	if (!th->gone && !th->stopped) {
		/* PTRACE_DETACH needs it stopped; a failure to stop it is
		 * not the caller's (it is let go all the same). */
		bool mark = ns_err_mark(tr->err);

		ns_tracee_stop_one(tr, th);
		ns_err_forget(tr->err, mark);
	}
	if (!th->gone)
		ptrace(PTRACE_DETACH, th->tid, 0, (long)th->pending_sig);
	for (i = 0; i < tr->n && tr->t[i] != th; i++)
		;
	if (i == tr->n)
		return;
	memmove(&tr->t[i], &tr->t[i + 1], (tr->n - i - 1) * sizeof(tr->t[0]));
	tr->n--;
	free(th);
}

void ns_tracee_detach(struct ns_tracee *tr)
{
	bool any_running = false;

	for (size_t i = 0; i < tr->n; i++)
		if (!tr->t[i]->gone && !tr->t[i]->stopped)
			any_running = true;
	/* PTRACE_DETACH needs a stopped tracee. A stop that fails is no
	 * failure of the caller's (a detach cannot fail): forgotten. */
	if (any_running && !tr->exited) {
		bool mark = ns_err_mark(tr->err);

		(void)ns_tracee_stop_all(tr);
		ns_err_forget(tr->err, mark);
	}
	for (size_t i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];
		if (!th->gone)
			ptrace(PTRACE_DETACH, th->tid, 0, (long)th->pending_sig);
		free(th);
	}
	free(tr->t);
	tr->t = NULL;
	tr->n = tr->cap = 0;
}
