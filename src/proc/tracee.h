/* tracee.h — every thread of a target process under ptrace control.
 *
 * A tracee is seized (PTRACE_SEIZE: no signal, nothing a parent's waitpid
 * could see) thread by thread, with PTRACE_O_TRACECLONE so that threads the
 * target creates while we hold it are traced too (seize.c). Threads are then stopped
 * and resumed as a group (stop-the-world) or one at a time (to run remote
 * system calls). Signals that arrive while we hold a thread are kept and
 * delivered when it resumes.
 */
#ifndef NONSTOP_TRACEE_H
#define NONSTOP_TRACEE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct ns_thread {
	pid_t tid;
	bool  want_stop;    /* what we asked for */
	bool  stopped;      /* what the kernel last told us */
	bool  gone;         /* exited */
	int   pending_sig;  /* signal to deliver when resuming */
	bool  fresh;        /* created while traced and never resumed: it has
			       run no code of its own yet */
	bool  clear;        /* stopped, and found clear of the code a
			       stop-the-world switch changes (transition.c) */
	struct user_regs_struct regs; /* valid while stopped */
};

struct ns_tracee {
	pid_t pid;
	int   mem_fd;       /* /proc/PID/mem */
	struct ns_thread **t; /* stable pointers: threads come and go */
	size_t n, cap;
	bool  exited;       /* the whole process is gone */
	bool  refused;      /* the kernel refused the attach (EPERM: another
			       tracer, or not this user's to ptrace) */
	struct ns_err *err; /* the operation's one error value (util/err.h):
			       failures are set there, once */
};

/* Seizes every thread of PID (without stopping them). 0, or -1 with
 * tr->err set. The kernel's ptrace permission check applies. tr->err
 * must point at the operation's error value first (it is kept). */
int ns_tracee_attach(struct ns_tracee *tr, pid_t pid);

/* Seizes only the thread-group leader: enough to borrow it for system
 * calls, and detaching later stops no other thread. */
int ns_tracee_attach_leader(struct ns_tracee *tr, pid_t pid);

/* Seizes only thread TID of PID (the per-thread mode borrows libnonstop's
 * own thread, and no other is ever stopped). */
int ns_tracee_attach_thread(struct ns_tracee *tr, pid_t pid, pid_t tid);

/* Seizes one more thread, TID, of TR's process (checked as seize.c
 * checks every thread: a task of the process before and after), not
 * stopped: *OUT. 0, or -1 with tr->err. */
int ns_tracee_seize_thread(struct ns_tracee *tr, pid_t tid,
			   struct ns_thread **out);

/* Lets thread TH alone go (stopped or not; its kept signal delivered) and
 * forgets it: TR holds what it held before. */
void ns_tracee_let_go_thread(struct ns_tracee *tr, struct ns_thread *th);

/* Stops every live thread and loads its registers. 0, or -1 with tr->err
 * (also if they do not all stop within 10 s: a thread in uninterruptible
 * sleep, a process dumping core). */
int ns_tracee_stop_all(struct ns_tracee *tr);

/* The same, calling CB for each thread as soon as it is stopped and its
 * registers loaded, while the others may still be stopping: what CB does
 * (the safety check unwinds the thread) then overlaps their stop. A
 * negative CB return ends it (-1). */
int ns_tracee_stop_each(struct ns_tracee *tr,
			int (*cb)(void *arg, struct ns_thread *th), void *arg);

/* Resumes every stopped thread, delivering signals kept for it. */
int ns_tracee_resume_all(struct ns_tracee *tr);

/* Loads the registers of the stopped thread TH (an interrupted call
 * that would fail with EINTR set to be issued again: eintr.h). 0, or -1
 * with tr->err. */
int ns_tracee_load_regs(struct ns_tracee *tr, struct ns_thread *th);

/* Stops / resumes one thread. */
int ns_tracee_stop_one(struct ns_tracee *tr, struct ns_thread *th);
int ns_tracee_resume_one(struct ns_tracee *tr, struct ns_thread *th);

/* Handles ptrace events (new threads, signals, exits) for MS milliseconds
 * while the threads run; used between attempts instead of sleeping.
 * Returns after MS however many events come. */
void ns_tracee_pump(struct ns_tracee *tr, int ms);

/* Writes back the registers of a stopped thread. */
int ns_tracee_set_regs(struct ns_tracee *tr, struct ns_thread *th,
		       const struct user_regs_struct *regs);

/* Detaches from every thread, stopped or not; they run on. Idempotent.
 * The memory file stays open (the kernel checked access when it opened). */
void ns_tracee_detach(struct ns_tracee *tr);

/* Detaches and closes the memory file. */
void ns_tracee_close(struct ns_tracee *tr);

/* The thread table, for the code that fills it (seize.c): a new entry
 * for TID (NULL: out of memory), and whether TID was ever one of TR's
 * threads, gone or not. */
struct ns_thread *ns_tracee_add(struct ns_tracee *tr, pid_t tid);
bool ns_tracee_knows(const struct ns_tracee *tr, pid_t tid);

/* Whether thread TH (not stopped) sleeps in the kernel, as its
 * /proc/PID/task/TID/stat says (state S, interruptible): blocked in a
 * system call, not running the program's code. False if that cannot be
 * read. */
bool ns_tracee_asleep(const struct ns_tracee *tr, const struct ns_thread *th);

/* Number of live threads. */
size_t ns_tracee_live(const struct ns_tracee *tr);

/* Waits for the next stop of TH until DEADLINE (ns_clock_s() time) and
 * records it: for run.c alone, whose stepping is the one wait for a
 * syscall stop of a thread, and whose interrupt holds a thread that runs
 * nonstop's work. Returns the raw wait status; -1 with tr->err if TH is
 * gone ("process N exited (killed by signal SIGSYS)") or its process is
 * being killed (dumping core at the deadline); NS_WAIT_TIMEOUT with
 * tr->err at the deadline (TH still runs). Stops and exits of other
 * threads are left queued. */
#define NS_WAIT_TIMEOUT (-2)
int ns_tracee_wait_one(struct ns_tracee *tr, struct ns_thread *th,
		       double deadline);
#endif
