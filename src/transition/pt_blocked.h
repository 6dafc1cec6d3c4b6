/* pt_blocked.h — a thread asleep in a system call, switched by nonstop
 * during a per-thread transition (kernel livepatch does the same for the
 * tasks it finds sleeping).
 *
 * A thread that does not pass an update point of its own — blocked in
 * read, futex, epoll_wait, nanosleep, sigwait, accept... — would keep a
 * per-thread transition waiting. When the kernel shows it asleep in a
 * system call, nonstop seizes that thread alone and interrupts it (every
 * other thread runs on), and keeps it only if the stop found it in that
 * call: a thread that was running is let go untouched. Its stack is
 * unwound with the modules' CFI (transition/safety.h): if no frame is in
 * the code the step changes — for a switch, the functions the patch
 * replaces, in the program's version or an earlier patch's; for a switch
 * back, the patch's code; for the release of a reverted patch's memory,
 * that memory — nonstop writes the thread's generation (its
 * slot in libnonstop's registry, then its view in its TLS) while it is
 * stopped, puts it back into its system call (proc/eintr.h: the program
 * sees no EINTR) and lets it go. No code of the target runs for it.
 *
 * The guarantee is stop-the-world's, for that thread: it ran no code
 * between the check and the switch, and none of what changes is on its
 * stack; what it called before it blocked it may call in the new version
 * after. If nonstop dies between the two writes, the slot says switched
 * and the view not yet: libnonstop's registry then errs on the side the
 * tool can check (the revert's release waits for the thread's own next
 * update point, with its stack scanned). */
#ifndef NONSTOP_TRANSITION_PT_BLOCKED_H
#define NONSTOP_TRANSITION_PT_BLOCKED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc/tracee.h"
#include "runtime/rt.h"
#include "transition/safety.h"

/* Tries to switch thread T of TR's process (TR holds libnonstop's thread,
 * RT), seen asleep in a system call, to the
 * runtime's current target generation, if none of its frames is in BUSY
 * (N ranges); with SCANNED, BUSY is the stack-check range of a release
 * (ns_rt.scan_*) and the slot says the thread's stack was found clean of
 * it, as its own update point would. *SAFETY is the unwinder, made here the first time (NULL:
 * none yet; the caller frees it). 1 switched; 0 not now, WHY says why
 * (it was running, its stack holds what changes, it could not be held or
 * unwound): nothing of it changed, and tr->err is as it was. */
int ns_pt_switch_blocked(struct ns_tracee *tr, const struct ns_rt_handle *rt,
			 const struct ns_rt_thread *t,
			 const struct ns_range *busy, size_t n, bool scanned,
			 struct ns_safety **safety, char *why, size_t len);
#endif
