/* syscalls.h — the system calls the life of a patch makes threads of the
 * target run, judged against their seccomp filters (proc/seccomp.h)
 * before an apply or a revert changes anything.
 *
 * nonstop judges each call it runs itself right before it runs it; but a
 * filter that refuses a call halfway through an apply would leave the
 * work half done, and some calls run when nonstop is not watching (the
 * commit gate's, if nonstop dies mid-switch; libnonstop's executor; the
 * rt_sigreturn that brings a borrowed thread back). So apply and revert
 * first judge every call a patch needs from its mapping to its unmapping
 * — revert's munmap too: nobody may be left with a patch that cannot be
 * reverted — with the values known so far. */
#ifndef NONSTOP_CORE_SYSCALLS_H
#define NONSTOP_CORE_SYSCALLS_H
#include <stddef.h>
#include "util/err.h"

#include "proc/tracee.h"
#include "runtime/rt.h"

/* Judges the calls for every thread TR holds: in the stop-the-world mode
 * (RT NULL), every thread, which may be borrowed or run the commit gate;
 * in the per-thread mode, libnonstop's thread (RT), the only one TR
 * holds, which runs every call and the plans. 0 if the filters let them
 * all through, or -1 with tr->err naming the first refused, the process and
 * the filter's action. */
int ns_syscalls_check(struct ns_tracee *tr, const struct ns_rt_handle *rt);
#endif
