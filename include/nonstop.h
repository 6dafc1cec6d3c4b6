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

/* ---- state transformers ------------------------------------------------
 *
 * For patch sources (the new build given to `nonstop build`); they need no
 * libnonstop. When a variable that lives on in the process (a global, a
 * file static, a static local) changes its type, `nonstop build` refuses
 * the patch unless the new build gives a transformer for it:
 *
 *     NONSTOP_TRANSFORM(var, fn);      void fn(const void *old, void *new)
 *     NONSTOP_UNTRANSFORM(var, fn);    void fn(const void *new, void *old)
 *
 * written where VAR is visible: after its definition, or inside the
 * function after the declaration of a static local. The patch then brings
 * a new VAR (with the new build's initial value) instead of binding to the
 * live one, carries every function that uses VAR, and `nonstop apply`
 * calls fn(&live VAR, &new VAR) inside the process during the switch, with
 * every thread stopped and none in a function that uses VAR (stop-the-world
 * mode only). FN must not take locks, allocate memory or block. The
 * untransformer, optional, is what `nonstop revert` calls to put the state
 * back into the old VAR: without one, the patch cannot be reverted.
 * `nonstop build --emit-transformer FILE` writes a transformer to start
 * from. Each macro leaves a record in the section ".nonstop.transform",
 * which nonstop reads and which the program itself never uses. */
struct nonstop__transform {
	const void *var;
	void (*fn)(const void *from, void *to);
	unsigned long kind;          /* 1 transform, 2 untransform */
};

#define NONSTOP__CAT2(a, b) a##b
#define NONSTOP__CAT(a, b) NONSTOP__CAT2(a, b)
#define NONSTOP__TRANSFORM_RECORD(var, fn, kind)                             \
	void fn(const void *, void *);                                       \
	static struct nonstop__transform                                     \
	NONSTOP__CAT(nonstop__transform_, __COUNTER__)                       \
	__attribute__((used, aligned(8), section(".nonstop.transform"))) =   \
		{ &(var), fn, kind }
#define NONSTOP_TRANSFORM(var, fn)   NONSTOP__TRANSFORM_RECORD(var, fn, 1)
#define NONSTOP_UNTRANSFORM(var, fn) NONSTOP__TRANSFORM_RECORD(var, fn, 2)
/* ---- end of state transformers ---------------------------------------- */

#ifdef __cplusplus
}
#endif
#endif
