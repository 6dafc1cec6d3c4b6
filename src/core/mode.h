/* mode.h — the two ways a patch is switched, behind one table of
 * operations.
 *
 * Stop-the-world (core/stop.c, transition/transition.h) holds every
 * thread: the switch stops them all, checks their stacks and writes the
 * entry jumps behind the commit gate. Per-thread (core/pt.c, pt_apply.c,
 * pt_revert.c, transition/perthread.h) holds only libnonstop's thread:
 * each thread of the program switches by itself at its next update point.
 * apply.c and revert.c are each one sequence of steps; a step that differs
 * by mode is an operation of the table the operation chose at its start
 * (as libdwfl's Dwfl_Thread_Callbacks put live processes and core files
 * behind one unwinder). A process takes patches in one mode at a time. */
#ifndef NONSTOP_CORE_MODE_H
#define NONSTOP_CORE_MODE_H
#include <stddef.h>
#include <stdint.h>

struct ns_session;
struct ns_apply_op;
struct ns_revert_op;

/* Each operation returns 0, or -1 with the result's err, unless it says
 * otherwise. */
struct ns_mode {
	uint32_t rec_mode;            /* enum ns_rec_mode: records, results */

	/* Takes hold of the process: every thread, or libnonstop's alone. */
	int (*attach)(struct ns_session *s);
	/* Before anything changes: the seccomp filters let every system
	 * call of the patch's life through, on the threads that will run
	 * them (core/syscalls.h). */
	int (*check_syscalls)(struct ns_session *s);

	/* ---- apply, in the order apply.c takes them ---- */
	/* What this mode cannot apply, judged from the patch and the
	 * options alone. */
	int (*refuse)(struct ns_apply_op *a);
	/* Reads what the switch needs of each replaced function's entry
	 * (per-thread: that it is patchable). Changes nothing. */
	int (*read_entries)(struct ns_apply_op *a);
	/* The bytes of code and of writable data the image carries for the
	 * switch, beside the patch. */
	void (*extra_sizes)(const struct ns_apply_op *a, size_t *code,
			    size_t *data);
	/* Puts them into the image, placed and relocated, and fills the
	 * record's fields of the mode; stop-the-world also plans the
	 * switch's writes. Reads the target; changes nothing. */
	int (*place)(struct ns_apply_op *a);
	/* Right before the patch is mapped: how the threads are unwound
	 * (s->safety) for the switch's check and to choose the thread a
	 * call runs on (registering frames, the pre-apply hook). */
	int (*prepare_unwind)(struct ns_session *s);
	/* The switch. On success, a->mapped says whether the memory must
	 * still go if what follows fails (no: the patch runs). */
	int (*apply_switch)(struct ns_apply_op *a);
	/* Once switched, the threads the post-apply hook may run on. 0;
	 * 1 if they cannot be had (WHY: the patch is rolled back); -1 with
	 * the result's err (the patch stays). */
	int (*hook_threads)(struct ns_apply_op *a, char *why, size_t len);

	/* ---- revert ---- */
	/* Every thread back on the old code: the record REVERTING (stop-
	 * the-world) or PT_RETIRING (per-thread), whatever the revert began
	 * from. */
	int (*switch_back)(struct ns_revert_op *r);
	/* The post-revert hook, then the patch's memory released (per-
	 * thread: kept while a thread may still run its code, res->retiring). */
	int (*release)(struct ns_revert_op *r);
};

extern const struct ns_mode ns_mode_stop;        /* core/stop.c */
extern const struct ns_mode ns_mode_per_thread;  /* core/pt.c */

/* Chooses the mode of an apply: per-thread if the target runs libnonstop
 * (unless --mode stop), which --mode per-thread requires. Opens
 * s->target and finds libnonstop (s->rt). */
int ns_mode_choose_apply(struct ns_session *s);

/* Chooses the mode of a revert of the patch NAME (NULL: the last): the
 * one it was applied in, read from its record without ptrace (the
 * record is found again once the process is held). */
int ns_mode_choose_revert(struct ns_session *s, const char *name);

/* A process mixes no modes: an apply is refused while a patch of the
 * other mode is applied (the dispatchers choose by each thread's view; a
 * stop-the-world jump over an entry would ignore it). */
int ns_mode_check_mixed(const struct ns_session *s);
#endif
