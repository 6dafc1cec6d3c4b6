/* nonstop.h — the public API of libnonstop, the runtime a program links
 * (-lnonstop) or preloads (LD_PRELOAD=libnonstop.so) to be patched without
 * stopping its threads.
 *
 * Programs do not need libnonstop to be patched: the stop-the-world mode
 * works on any program built with `nonstop cflags`. With libnonstop loaded,
 * `nonstop apply` uses the per-thread mode instead: no thread that serves
 * the program is stopped, and each thread moves to the new code by itself
 * at its next update point (docs/per-thread.md).
 *
 * The shadow variables (below) need no library: they are all in this
 * header, for patch code and programs alike.
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
 * wanted. Do not call it from a signal handler.
 *
 * With NONSTOP_UPDATE_POINTS=waits in the program's environment when it
 * starts, every call of poll, ppoll, select, pselect, epoll_wait,
 * epoll_pwait and epoll_pwait2 is an update point too (libnonstop defines
 * them and forwards to the C library's), and a thread asleep in one is at
 * an update point: a program whose threads wait in their event loops
 * needs no call of its own. Every wait then is one, a wait inside a
 * request handler too (docs/per-thread.md).
 *
 * Built with -DNONSTOP_NO_UPDATE_POINTS, every call is compiled out: the
 * program then needs no libnonstop to link, and under the per-thread mode
 * (LD_PRELOAD=libnonstop.so) its threads switch only where nonstop finds
 * them asleep in a system call, or at their waits with
 * NONSTOP_UPDATE_POINTS=waits (docs/per-thread.md): a program as it ships. */
void nonstop_update_point(void);
#ifdef NONSTOP_NO_UPDATE_POINTS
#define nonstop_update_point() ((void)0)
#endif

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
 * that holds none of the locks the hook's code may take (`nonstop build`
 * finds them: malloc's, stdio's ...; `nonstop show` lists them),
 * preferably one asleep in a system call; any thread for a hook that
 * takes none. It runs as a signal handler would, from wherever that thread
 * was: it must not take a lock of the program's that any thread may hold
 * while it calls into a function of the program, nor call
 * nonstop_update_point() (docs/hooks.md).
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

/* ---- Shadow variables ------------------------------------------------
 *
 * A fix sometimes needs a field that existing objects do not have: a
 * request counter per connection, a flag per entry. Their struct cannot
 * grow (the live objects and the old code have the old layout), so the
 * field lives beside the object instead, in a table keyed by the object's
 * address and an id the patch chooses:
 *
 *	#define CONN_REQUESTS 1		// the id of this shadow variable
 *
 *	unsigned long *n = nonstop_shadow_alloc(conn, CONN_REQUESTS, sizeof *n);
 *	if (n)
 *		(*n)++;			// kept from one call to the next
 *
 * All of it is in this header (static inline): patch code brings what it
 * needs, so it works in any program built with `nonstop cflags`, linked
 * with libnonstop or not, and whether the running program included this
 * header or not. The table is one per process: its root is
 * nonstop__shadow_root, defined (weak) by every file that includes this
 * header; `nonstop apply` binds a patch's references to the running
 * program's root, or, if the program has none (its running version never
 * included nonstop.h), to one that nonstop keeps for the process in a
 * mapping named "nonstop:shadow" (docs/data.md). So
 * every patch, and the program itself, see the same shadow variables: a
 * patch stacked on an earlier one carries on with its values, and so does
 * a patch reverted and applied again (unless it freed them).
 *
 * Entries come from the program's malloc (calloc) and free; a spinlock in
 * the root, with atomics, makes every call thread-safe. It is never held
 * across a call: a thread stopped in malloc or in a system call does not
 * hold it. Not async-signal-safe: do not call these from a signal
 * handler. A pointer returned stays valid until that shadow variable is
 * freed; freeing it while another thread still uses it is a race of the
 * caller's, as with free(). The data is zeroed when created and aligned
 * to 16 bytes.
 */
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One shadow variable, in a chain of its bucket. */
struct nonstop__shadow {
	struct nonstop__shadow *next;
	const void *obj;
	unsigned long id;
	size_t size;
	unsigned char data[] __attribute__((aligned(16)));
};

/* The table. Its layout is shared by the program and by every patch, each
 * possibly built with another version of this header: it never changes
 * (new fields go into reserved, whose zero must mean "unused"). All zeros
 * is an empty table. */
struct nonstop__shadow_root {
	int lock;                    /* 0 free, 1 held */
	unsigned int layout;         /* 0: this layout */
	size_t count;                /* entries */
	size_t nbuckets;             /* 0 (none yet) or a power of two */
	struct nonstop__shadow **buckets;
	unsigned long reserved[4];
};

/* Every file that includes this header defines it; the linker keeps one.
 * Default visibility: it stays a global symbol (nonstop looks it up) even
 * in a program built with -fvisibility=hidden. */
extern struct nonstop__shadow_root nonstop__shadow_root;
__attribute__((weak, visibility("default")))
struct nonstop__shadow_root nonstop__shadow_root;

#define NONSTOP__SHADOW_INLINE static inline __attribute__((always_inline))

/* The root, through a GOT slot rather than a PC-relative reference: in
 * patch code, the root may be nonstop's mapping, anywhere in the address
 * space, and the slot holds a full address. (Always inlined, as is every
 * function here, so that patch code has no call to a function that only
 * an earlier patch brought.) */
NONSTOP__SHADOW_INLINE struct nonstop__shadow_root *nonstop__shadow_table(void)
{
	struct nonstop__shadow_root *r;
#if defined(__x86_64__)
	__asm__("movq nonstop__shadow_root@GOTPCREL(%%rip), %0" : "=r"(r));
#else
	r = &nonstop__shadow_root;
#endif
	return r;
}

NONSTOP__SHADOW_INLINE void nonstop__shadow_lock(struct nonstop__shadow_root *r)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&r->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&r->lock, __ATOMIC_RELAXED)) {
			/* The holder may be a thread that is not running
			 * (preempted, or stopped by nonstop): yield soon. */
			if (++spins < 100) {
#if defined(__x86_64__)
				__builtin_ia32_pause();
#endif
			} else {
				sched_yield();
			}
		}
}

NONSTOP__SHADOW_INLINE void nonstop__shadow_unlock(struct nonstop__shadow_root *r)
{
	__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
}

NONSTOP__SHADOW_INLINE size_t nonstop__shadow_hash(const void *obj,
						   unsigned long id,
						   size_t nbuckets)
{
	uint64_t h = (uint64_t)(uintptr_t)obj ^ ((uint64_t)id * 0x9e3779b97f4a7c15ULL);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	return (size_t)h & (nbuckets - 1);
}

/* The link that points to OBJ's shadow variable ID, or NULL. Lock held. */
NONSTOP__SHADOW_INLINE struct nonstop__shadow **
nonstop__shadow_find(struct nonstop__shadow_root *r, const void *obj,
		     unsigned long id)
{
	struct nonstop__shadow **p;

	if (!r->nbuckets)
		return NULL;
	for (p = &r->buckets[nonstop__shadow_hash(obj, id, r->nbuckets)]; *p;
	     p = &(*p)->next)
		if ((*p)->obj == obj && (*p)->id == id)
			return p;
	return NULL;
}

/* The number of buckets the table needs for one more entry (doubling,
 * from 64), or 0 if it has enough. Lock held. */
NONSTOP__SHADOW_INLINE size_t
nonstop__shadow_want(const struct nonstop__shadow_root *r)
{
	if (r->count < r->nbuckets)
		return 0;
	return r->nbuckets ? 2 * r->nbuckets : 64;
}

/* Moves every entry into B, of N buckets; returns the old array, to be
 * freed once the lock is released. Lock held. */
NONSTOP__SHADOW_INLINE struct nonstop__shadow **
nonstop__shadow_rehash(struct nonstop__shadow_root *r,
		       struct nonstop__shadow **b, size_t n)
{
	struct nonstop__shadow **old = r->buckets;

	for (size_t i = 0; i < r->nbuckets; i++)
		while (old[i]) {
			struct nonstop__shadow *e = old[i];
			size_t h = nonstop__shadow_hash(e->obj, e->id, n);

			old[i] = e->next;
			e->next = b[h];
			b[h] = e;
		}
	r->buckets = b;
	r->nbuckets = n;
	return old;
}

/* OBJ's shadow variable ID, of SIZE bytes: created, zeroed, if OBJ has
 * none; the existing one, unchanged, if OBJ already has it with that
 * size. So alloc is also "get or create": two threads that race to
 * create it get the same one, and a patch stacked on another carries on
 * with the other's value. NULL if OBJ has it with another size (two
 * patches disagree on what the id holds), or if memory runs out.
 *
 * The lock is never held across a call (calloc and free run outside it):
 * a thread stopped in malloc or in a system call does not hold it. */
NONSTOP__SHADOW_INLINE void *nonstop_shadow_alloc(void *obj, unsigned long id,
						  size_t size)
{
	struct nonstop__shadow_root *r = nonstop__shadow_table();
	struct nonstop__shadow **p, *e, **b = NULL, **old = NULL;
	void *data = NULL;
	size_t want;

	/* Look first: the common case allocates nothing. */
	nonstop__shadow_lock(r);
	p = nonstop__shadow_find(r, obj, id);
	if (p && (*p)->size == size)
		data = (*p)->data;
	want = nonstop__shadow_want(r);
	nonstop__shadow_unlock(r);
	if (p)
		return data;
	if (size > SIZE_MAX - sizeof(*e))
		return NULL;
	e = (struct nonstop__shadow *)calloc(1, sizeof(*e) + size);
	if (!e)
		return NULL;
	e->obj = obj;
	e->id = id;
	e->size = size;
	if (want)
		b = (struct nonstop__shadow **)calloc(want, sizeof(*b));
	nonstop__shadow_lock(r);
	/* Another thread may have created it, or grown the table,
	 * meanwhile. A table that could not grow still works (longer
	 * chains), once it has buckets at all. */
	p = nonstop__shadow_find(r, obj, id);
	if (p) {
		data = (*p)->size == size ? (*p)->data : NULL;
	} else {
		if (b && want > r->nbuckets && nonstop__shadow_want(r)) {
			old = nonstop__shadow_rehash(r, b, want);
			b = NULL;
		}
		if (r->nbuckets) {
			size_t h = nonstop__shadow_hash(obj, id, r->nbuckets);

			e->next = r->buckets[h];
			r->buckets[h] = e;
			r->count++;
			data = e->data;
			e = NULL;
		}
	}
	nonstop__shadow_unlock(r);
	free(e);
	free(b);
	free(old);
	return data;
}

/* OBJ's shadow variable ID, or NULL if it has none. */
NONSTOP__SHADOW_INLINE void *nonstop_shadow_get(void *obj, unsigned long id)
{
	struct nonstop__shadow_root *r = nonstop__shadow_table();
	struct nonstop__shadow **p;
	void *data;

	nonstop__shadow_lock(r);
	p = nonstop__shadow_find(r, obj, id);
	data = p ? (*p)->data : NULL;
	nonstop__shadow_unlock(r);
	return data;
}

/* Frees OBJ's shadow variable ID, if it has one: typically where the
 * object itself is freed (an object allocated later at the same address
 * would otherwise find it). */
NONSTOP__SHADOW_INLINE void nonstop_shadow_free(void *obj, unsigned long id)
{
	struct nonstop__shadow_root *r = nonstop__shadow_table();
	struct nonstop__shadow **p, *e = NULL;

	nonstop__shadow_lock(r);
	p = nonstop__shadow_find(r, obj, id);
	if (p) {
		e = *p;
		*p = e->next;
		r->count--;
	}
	nonstop__shadow_unlock(r);
	free(e);
}

/* Frees the shadow variable ID of every object: for the revert of the
 * patch that made them (its post-revert hook), after which no code uses
 * them. Shadow variables of other ids stay. */
NONSTOP__SHADOW_INLINE void nonstop_shadow_free_all(unsigned long id)
{
	struct nonstop__shadow_root *r = nonstop__shadow_table();
	struct nonstop__shadow *gone = NULL, *e;

	nonstop__shadow_lock(r);
	for (size_t i = 0; i < r->nbuckets; i++) {
		struct nonstop__shadow **p = &r->buckets[i];

		while ((e = *p))
			if (e->id == id) {
				*p = e->next;
				e->next = gone;
				gone = e;
				r->count--;
			} else {
				p = &e->next;
			}
	}
	nonstop__shadow_unlock(r);
	/* Outside the lock: free() may take its time. */
	while ((e = gone)) {
		gone = e->next;
		free(e);
	}
}
/* ---- end of shadow variables ------------------------------------------ */

#ifdef __cplusplus
}
#endif
#endif
