/* session.h — a live process as one apply or revert holds it: its lock,
 * the threads nonstop holds, its records, libnonstop in it, and the mode
 * the operation switches in (core/mode.h).
 *
 * Both operations open it with the same steps, in the same order: the
 * process exists; its lock is taken (core/lock.h), before anything is
 * read; the mode is chosen (by the operation: mode.h); the process is
 * taken as that mode holds it, and must still be the one whose lock was
 * taken; the seccomp filters let every system call of the operation
 * through (core/syscalls.h) — all before anything changes; then its
 * records are read and what an earlier nonstop left behind is swept. */
#ifndef NONSTOP_CORE_SESSION_H
#define NONSTOP_CORE_SESSION_H
#include "core/core.h"
#include "core/lock.h"
#include "link/target.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "runtime/rt.h"
#include "transition/safety.h"

struct ns_mode;

struct ns_session {
	const struct ns_op_opts *o;
	struct ns_op_result *res;
	const struct ns_mode *mode;   /* chosen by ns_mode_choose_*() */
	struct ns_lock lock;
	struct ns_target target;
	struct ns_tracee tr;
	struct ns_registry reg;
	struct ns_rt_handle rt;       /* libnonstop in the target: rt.addr */
	/* Stop-the-world: the unwinder of every thread, for the switch's
	 * safety check and to choose the thread a call runs on; NULL when
	 * there is none (mode.h: prepare_unwind). */
	struct ns_safety *safety;
};

/* Starts S for options O and result RES (cleared). Cannot fail. */
void ns_session_init(struct ns_session *s, const struct ns_op_opts *o,
		     struct ns_op_result *res);

/* The process exists, and its lock is taken (unless o->locked: the caller
 * holds it). 0, or -1 with res->err. */
int ns_session_lock(struct ns_session *s);

/* Once the mode is chosen: the process held, checked, its records read
 * and swept (above). 0, or -1 with res->err. */
int ns_session_hold(struct ns_session *s);

/* Lets go of the process and frees what S holds; the lock last. */
void ns_session_close(struct ns_session *s);
#endif
