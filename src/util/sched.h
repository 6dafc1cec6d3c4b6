/* sched.h — running nonstop at real-time priority while it holds threads
 * of the target stopped. */
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
#endif
