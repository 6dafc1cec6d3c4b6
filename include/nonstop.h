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

#ifdef __cplusplus
}
#endif
#endif
