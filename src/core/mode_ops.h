/* mode_ops.h — the table of operations each transition mode provides
 * (see mode.h, which chooses the mode and names the two tables). A header
 * of its own, needing no other, so that what calls through the table
 * (core/session.c) depends on the interface and not on the modes. */
#ifndef NONSTOP_CORE_MODE_OPS_H
#define NONSTOP_CORE_MODE_OPS_H
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
	 * 1 if they cannot be had (res->err says why: the patch is rolled
	 * back); -1 with res->err (the patch stays). */
	int (*hook_threads)(struct ns_apply_op *a);

	/* ---- revert ---- */
	/* Every thread back on the old code: the record REVERTING (stop-
	 * the-world) or PT_RETIRING (per-thread), whatever the revert began
	 * from. */
	int (*switch_back)(struct ns_revert_op *r);
	/* The post-revert hook, then the patch's memory released (per-
	 * thread: kept while a thread may still run its code, res->retiring). */
	int (*release)(struct ns_revert_op *r);
};
#endif
