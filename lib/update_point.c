/* update_point.c — nonstop_update_point() and the registry of the threads
 * that pass update points.
 *
 * The fast path is two loads and a compare: nothing is written while no
 * transition is pending. A thread switches (its view becomes the target
 * generation) only here, so between two of its update points every call
 * it makes sees one version of the program. The first update point of a
 * thread also registers it: it takes a slot, which the tool reads to know
 * who has switched. The slot is given back when the thread exits (a
 * pthread key destructor), and slots are never freed, so reading one is
 * always safe, for the tool and for the runtime.
 *
 * While the tool waits to release a reverted patch's memory, it asks (scan
 * range in the control block) every switching thread to look at its own
 * stack for frames inside that memory: a thread whose update point is
 * called from inside patched code (an event loop that was itself patched)
 * keeps that code alive. The walk uses libgcc's unwinder, in the thread's
 * own context at a point the program chose, so it takes no lock another
 * thread could hold forever.
 *
 * With NONSTOP_UPDATE_POINTS=waits, the wrappers of waits.c make every
 * wait of an event loop an update point: ns_rt_wait_begin() and
 * ns_rt_wait_end() below, around the call. A thread marked waiting in its
 * slot counts for the tool as being at an update point; the ordering that
 * makes this sound is described at ns_rt_wait_end(). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#include "nonstop.h"
#include "nonstop_rt.h"
#include "rt_internal.h"

/* Initial-exec: in the static TLS block, at a fixed offset from %fs that
 * the patch's dispatchers use directly. */
__attribute__((tls_model("initial-exec"), visibility("default")))
__thread uint32_t nonstop__view;
static __attribute__((tls_model("initial-exec")))
__thread struct ns_rt_slot *self;
/* Wrapped waits this thread is in (waits mode): more than one only when a
 * signal handler that interrupted a wait waits in turn. The runtime
 * thread starts at 1 for good: it never passes an update point. */
static __attribute__((tls_model("initial-exec")))
__thread unsigned in_wait;

static pthread_key_t exit_key;

uint64_t ns_rt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int64_t ns_rt_view_tpoff(void)
{
	return (int64_t)((uintptr_t)&nonstop__view -
			 (uintptr_t)__builtin_thread_pointer());
}

static struct ns_rt_chunk *new_chunk(void)
{
	void *p = mmap(NULL, sizeof(struct ns_rt_chunk), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A free slot, taken for TID: the first chunk with one, or a new chunk
 * appended (lock-free: slots are claimed with a CAS on tid, chunks linked
 * with a CAS on next). NULL if memory runs out. */
static struct ns_rt_slot *take_slot(uint32_t tid)
{
	struct ns_rt_chunk *c = (struct ns_rt_chunk *)(uintptr_t)nonstop__rt.chunks;

	for (;;) {
		for (int i = 0; i < NS_RT_SLOTS; i++) {
			uint32_t free_tid = 0;
			if (__atomic_compare_exchange_n(&c->slot[i].tid, &free_tid,
							tid, false, __ATOMIC_ACQ_REL,
							__ATOMIC_RELAXED))
				return &c->slot[i];
		}
		uint64_t next = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
		if (!next) {
			struct ns_rt_chunk *n = new_chunk();
			uint64_t zero = 0;
			if (!n)
				return NULL;
			if (!__atomic_compare_exchange_n(&c->next, &zero,
							 (uint64_t)(uintptr_t)n, false,
							 __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE)) {
				munmap(n, sizeof(*n));
				next = zero;
			} else {
				next = (uint64_t)(uintptr_t)n;
			}
		}
		c = (struct ns_rt_chunk *)(uintptr_t)next;
	}
}

static void give_back(void *slot)
{
	struct ns_rt_slot *s = slot;

	s->scan_gen = 0;
	__atomic_store_n(&s->wait, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->tid, 0, __ATOMIC_RELEASE);
}

static struct ns_rt_slot *register_self(void)
{
	struct ns_rt_slot *s = take_slot((uint32_t)syscall(SYS_gettid));

	if (!s)
		return NULL;
	s->view = nonstop__view;
	s->passes = 0;
	s->scan_gen = 0;
	__atomic_store_n(&s->wait, 0, __ATOMIC_RELAXED);
	self = s;
	pthread_setspecific(exit_key, s);
	return s;
}

int ns_rt_registry_init(void)
{
	struct ns_rt_chunk *c = new_chunk();

	if (!c || pthread_key_create(&exit_key, give_back))
		return -1;
	nonstop__rt.chunks = (uint64_t)(uintptr_t)c;
	return 0;
}

void ns_rt_registry_after_fork(void)
{
	uint32_t me = (uint32_t)syscall(SYS_gettid);

	for (struct ns_rt_chunk *c = (struct ns_rt_chunk *)(uintptr_t)nonstop__rt.chunks;
	     c; c = (struct ns_rt_chunk *)(uintptr_t)c->next)
		for (int i = 0; i < NS_RT_SLOTS; i++)
			if (&c->slot[i] != self)
				c->slot[i].tid = 0;
	if (self)
		self->tid = me;
}

struct scan {
	uint64_t lo, hi, pc;
	int hit;
};

static _Unwind_Reason_Code scan_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct scan *s = arg;
	int before = 0;
	uint64_t pc = (uint64_t)_Unwind_GetIPInfo(ctx, &before);

	if (!before && pc)
		pc--;          /* a return address: the call is before it */
	if (pc >= s->lo && pc < s->hi) {
		s->hit = 1;
		s->pc = pc;
		return _URC_END_OF_STACK;
	}
	return _URC_NO_REASON;
}

/* Looks for frames in the tool's scan range on this thread's stack. */
static void scan_stack(struct ns_rt_slot *s, uint32_t gen)
{
	struct scan sc = {
		.lo = __atomic_load_n(&nonstop__rt.scan_lo, __ATOMIC_ACQUIRE),
		.hi = __atomic_load_n(&nonstop__rt.scan_hi, __ATOMIC_ACQUIRE),
	};
	_Unwind_Reason_Code rc;

	if (!sc.hi)
		return;
	rc = _Unwind_Backtrace(scan_frame, &sc);
	if (sc.hit) {
		s->scan_pc = sc.pc;
		s->scan_hit = NS_RT_SCAN_HIT;
	} else {
		/* The walk ends at the outermost frame (END_OF_STACK); any
		 * other end means a frame it could not step through. */
		s->scan_hit = rc == _URC_END_OF_STACK ? NS_RT_SCAN_CLEAN
						      : NS_RT_SCAN_UNKNOWN;
	}
	__atomic_store_n(&s->scan_gen, gen, __ATOMIC_RELEASE);
}

static __attribute__((noinline)) void switch_to(uint32_t gen)
{
	struct ns_rt_slot *s = self ? self : register_self();

	if (!s)
		return;  /* unregistered: it stays on its view, and the tool
			    sees a thread it does not know (not switched) */
	scan_stack(s, gen);
	nonstop__view = gen;
	s->outside = 0;
	s->passes++;
	s->switched_ns = ns_rt_now_ns();
	__atomic_store_n(&s->view, gen, __ATOMIC_RELEASE);
}

void ns_rt_thread_start(void)
{
	uint32_t gen = __atomic_load_n(&nonstop__rt.gen, __ATOMIC_ACQUIRE);

	nonstop__view = gen;
	if (register_self())
		self->switched_ns = ns_rt_now_ns();
}

__attribute__((visibility("default")))
void nonstop_update_point(void)
{
	uint32_t gen = __atomic_load_n(&nonstop__rt.gen, __ATOMIC_ACQUIRE);

	if (__builtin_expect(gen == nonstop__view && self != NULL, 1))
		return;
	switch_to(gen);
}

/* ---- waits mode (waits.c) ---------------------------------------------- */

/* An update point for the wrappers: errno is the program's, whatever the
 * switch does (a slot taken, the stack walked). */
static inline void pass(void)
{
	uint32_t gen = __atomic_load_n(&nonstop__rt.gen, __ATOMIC_ACQUIRE);
	int e;

	if (__builtin_expect(gen == nonstop__view && self != NULL, 1))
		return;
	e = errno;
	switch_to(gen);
	errno = e;
}

void ns_rt_wait_exempt(void)
{
	in_wait = 1;
}

void ns_rt_wait_begin(uint32_t kind)
{
	struct ns_rt_slot *s;

	if (in_wait++) {
		/* A signal handler, waiting while its thread waits: code of
		 * the program's runs, on the view of before the wait. No
		 * update point here (it would switch the interrupted code's
		 * view under it), and the thread is no longer at one for the
		 * tool until the first wait ends (the flag stays: the handler
		 * may go on after this call returns). */
		s = self;
		if (s)
			__atomic_store_n(&s->wait, __atomic_load_n(&s->wait,
				__ATOMIC_RELAXED) | NS_RT_WAIT_NESTED,
				__ATOMIC_RELEASE);
		return;
	}
	pass();
	/* Also the stack check a retiring patch asks for: a request always
	 * comes with a new generation, so pass() made it if one is
	 * pending. The word says the view the thread keeps until it is
	 * cleared. */
	s = self;
	if (s)
		__atomic_store_n(&s->wait, NS_RT_WAIT_WORD(kind, nonstop__view),
				 __ATOMIC_RELEASE);
}

/* The tool counts a thread whose word is set as being at an update point:
 * it must pass one, with the newest generation, before it runs any code
 * of the program's. So the word is cleared before the update point, never
 * after, and the generation is loaded after the word is cleared — a store
 * then a load, which x86 may reorder in the processor. The other half is
 * the runtime's: a plan that moves the generation ends with a membarrier
 * (exec.c), which puts a full barrier into every thread of the process
 * before it returns, and the tool reads the slots after the plan. A word
 * it sees set was therefore cleared, if it was, after that barrier in
 * this thread (one cleared before it was visible when the membarrier
 * returned), so the load of the generation that follows the clear comes
 * after the barrier too, and sees the new generation. Here only the
 * compiler must keep the order: a signal fence. */
void ns_rt_wait_end(void)
{
	struct ns_rt_slot *s = self;

	if (--in_wait)
		return;
	if (s)
		__atomic_store_n(&s->wait, 0, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pass();
}
