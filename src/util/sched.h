/* sched.h — nonstop's own scheduling: real-time priority while it holds
 * threads of the target stopped, low priority when nothing waits for it. */
#ifndef NONSTOP_SCHED_H
#define NONSTOP_SCHED_H
#include <stdbool.h>

/* While threads of the target are stopped, nonstop must not wait for a
 * CPU behind the target's other threads: where the kernel lets us (root,
 * or CAP_SYS_NICE) this switches to SCHED_FIFO. nonstop never spins while
 * raised (it blocks in waitpid), so it cannot starve the machine. Returns
 * whether the policy was raised. */
bool ns_sched_raise(void);

/* Back to SCHED_OTHER if RAISED. */
void ns_sched_restore(bool raised);

/* For the rest of the process: nothing of the target waits for nonstop
 * (the per-thread mode stops no thread that serves), so nonstop runs at
 * nice 10, taking CPU from the program only when it leaves some, and
 * ns_sched_raise() no longer raises. */
void ns_sched_background(void);

/* For the rest of the process: ns_sched_raise() no longer raises. A job of
 * apply --all-processes works on one process after another: there, the
 * real-time priority that keeps one process's pause short costs the whole
 * command more (the targets, which must run to reach each stop, wait for
 * the CPUs the jobs hold, or are woken on the other one). Measured at 500
 * idle processes, 2 jobs: the command 23 % faster without it, the median
 * pause the same, its 90th percentile 10-40 % longer. */
void ns_sched_never_raise(void);
#endif
