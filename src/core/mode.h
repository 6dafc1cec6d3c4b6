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
#include "core/mode_ops.h"

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
