/* nonstop.h — the public API of libnonstop, the runtime a program links
 * (-lnonstop) or preloads (LD_PRELOAD=libnonstop.so) to be patched without
 * stopping its threads.
 *
 * Programs do not need libnonstop to be patched: the stop-the-world mode
 * works on any program built with `nonstop cflags`. With libnonstop loaded,
 * `nonstop apply` uses the per-thread mode instead: no thread that serves
 * the program is stopped, and each thread moves to the new code by itself
 * at its next update point (README: "Per-thread mode").
 */
#ifndef NONSTOP_H
#define NONSTOP_H

#ifdef __cplusplus
extern "C" {
#endif

#define NONSTOP_VERSION_MAJOR 0
#define NONSTOP_VERSION_MINOR 1

/* The version of the libnonstop the program runs with, "MAJOR.MINOR". */
const char *nonstop_version(void);

/* An update point: call it where the calling thread holds no state that a
 * patch could change the meaning of — typically once per iteration of its
 * main loop, between two requests. Only here does the thread move to the
 * newest applied (or reverted) code: between two of its update points,
 * every function it calls is of one version. A thread that has never
 * called it runs the code the program started with.
 *
 * Cheap when nothing is pending (two loads and a compare; nothing is
 * written); thread-safe; may be called from any thread, as often as
 * wanted. Do not call it from a signal handler. */
void nonstop_update_point(void);

/* ---- hooks ---------------------------------------------------------------
 * A patch may bring functions that nonstop runs inside the process when it
 * applies or reverts the patch: to prepare state, check that the moment is
 * right, or undo what the patch did. Put them in the patch's source (a
 * file of the new build, compiled with this header; libnonstop is not
 * needed):
 *
 *     static int drain_queue(void)
 *     {
 *             if (queue_len > 0) {
 *                     snprintf(nonstop_hook_msg, NONSTOP_HOOK_MSG_MAX,
 *                              "%d requests queued", queue_len);
 *                     return 1;             // vetoes the patch
 *             }
 *             return 0;
 *     }
 *     NONSTOP_PRE_APPLY(drain_queue);
 *
 * Each hook is `int fn(void)`: 0 is success. When they run:
 *   NONSTOP_PRE_APPLY    the patch is mapped, nothing switched yet; non-zero
 *                        vetoes the patch (nothing is left of it);
 *   NONSTOP_POST_APPLY   every thread runs the new code; non-zero rolls the
 *                        patch back (then NONSTOP_POST_REVERT runs);
 *   NONSTOP_PRE_REVERT   before the switch back; non-zero refuses the revert;
 *   NONSTOP_POST_REVERT  every thread runs the old code again, before the
 *                        patch's memory is released; non-zero is a warning.
 * Pre-apply pairs with post-revert, post-apply with pre-revert: a hook runs
 * at most once per application, and its pair runs only if it succeeded.
 *
 * A hook runs in a thread of the process that nonstop borrows while every
 * other thread runs (never while threads are stopped): in the per-thread
 * mode libnonstop's own thread, which holds no lock; otherwise a thread
 * found outside malloc, stdio, the dynamic loader and libgcc's unwinder,
 * preferably one asleep in a system call. It runs as a signal handler
 * would, from wherever that thread was: it must not take a lock that any
 * thread may hold while it calls into a function of the program, nor call
 * nonstop_update_point() (README: "Hooks").
 *
 * A failing hook may leave one line of explanation, NUL-terminated, in
 * nonstop_hook_msg: nonstop shows it. The buffer is the patch's own (the
 * patch linker provides it); the program itself never has one. */
#define NONSTOP_HOOK_PRE_APPLY   1
#define NONSTOP_HOOK_POST_APPLY  2
#define NONSTOP_HOOK_PRE_REVERT  3
#define NONSTOP_HOOK_POST_REVERT 4
#define NONSTOP_HOOK_MSG_MAX     256

/* One hook, as the macros lay it out in section ".nonstop.hooks" of the
 * object: the generator reads it there (the section is not data of the
 * patch). */
struct nonstop_hook {
	unsigned int kind;       /* NONSTOP_HOOK_* */
	unsigned int reserved;   /* 0 */
	int (*fn)(void);
};

extern char nonstop_hook_msg[NONSTOP_HOOK_MSG_MAX] __attribute__((weak));

#define NONSTOP__HOOK(kind, stage, fn)                                        \
	static struct nonstop_hook nonstop__hook_##stage##_##fn               \
	__attribute__((used, section(".nonstop.hooks"), aligned(8))) =        \
		{ (kind), 0, (fn) }
#define NONSTOP_PRE_APPLY(fn)   NONSTOP__HOOK(NONSTOP_HOOK_PRE_APPLY, pre_apply, fn)
#define NONSTOP_POST_APPLY(fn)  NONSTOP__HOOK(NONSTOP_HOOK_POST_APPLY, post_apply, fn)
#define NONSTOP_PRE_REVERT(fn)  NONSTOP__HOOK(NONSTOP_HOOK_PRE_REVERT, pre_revert, fn)
#define NONSTOP_POST_REVERT(fn) NONSTOP__HOOK(NONSTOP_HOOK_POST_REVERT, post_revert, fn)
/* ---- end of hooks ------------------------------------------------------- */

#ifdef __cplusplus
}
#endif
#endif
