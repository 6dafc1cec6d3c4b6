/* exec.c — nonstop__rt_exec(): the writes of a per-thread transition, done
 * from inside the process while every other thread runs on.
 *
 * The tool calls it on the runtime thread (runtime.c) with a plan it wrote
 * into the patch's memory. Each write is one store instruction of 1, 2, 4
 * or 8 bytes: another thread fetching that instruction sees it whole, old
 * or new, never half of each — a write through /proc/PID/mem gives no such
 * promise (the kernel copies bytes as it likes). The tool arranges that
 * every write is either to bytes no thread executes yet (a jump placed in
 * the nops before a function) or a single instruction replaced by one of
 * the same length within a cache line (the 2-byte entry jump, the 4-byte
 * target of a jump). After each phase every thread of the process
 * serialises its instruction stream (membarrier SYNC_CORE), so no thread
 * can reach the writes of the next phase with a stale view of the last.
 * Then the target generation moves: threads switch at their next update
 * point (in waits mode, a last serialisation follows: see the generation's
 * store below). The call completes even if the tool is killed meanwhile (the
 * tool's call returns through a signal frame by itself). */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/membarrier.h>

#include "nonstop_rt.h"
#include "rt_internal.h"

#define PAGE 4096UL

static int valid(const struct ns_rt_plan *p)
{
	if (p->magic != NS_RT_PLAN_MAGIC || p->n > NS_RT_WRITES_MAX)
		return 0;
	for (uint32_t i = 0; i < p->n; i++) {
		const struct ns_rt_write *w = &p->w[i];
		if (w->len != 1 && w->len != 2 && w->len != 4 && w->len != 8)
			return 0;
		/* One store within one cache line: atomic on x86-64. */
		if ((w->addr & 63) + w->len > 64)
			return 0;
		if (i && w->phase < p->w[i - 1].phase)
			return 0;
	}
	return 1;
}

static void store(uint64_t addr, uint64_t v, uint32_t len)
{
	void *p = (void *)(uintptr_t)addr;

	switch (len) {
	case 1: __atomic_store_n((uint8_t *)p, (uint8_t)v, __ATOMIC_RELEASE); break;
	case 2: __atomic_store_n((uint16_t *)p, (uint16_t)v, __ATOMIC_RELEASE); break;
	case 4: __atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELEASE); break;
	default: __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE); break;
	}
}

static void serialise(void)
{
	if (nonstop__rt.sync_core)
		syscall(SYS_membarrier,
			MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0);
	else
		/* Without SYNC_CORE (kernels before 4.16), a plain expedited
		 * barrier still makes every thread take an interrupt, which
		 * serialises on x86. */
		syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
}

/* Code pages are not writable: a write to one (NS_RT_W_CODE) is bracketed
 * by mprotect. A private file mapping then gets a private copy of that
 * page (as a debugger's breakpoint would); other threads keep executing
 * it. The protection restored is read+exec, which the tool checked the
 * page had. Data (the patch's own writable memory) is stored as is. */
static int write_one(const struct ns_rt_write *w, uint64_t v)
{
	uint64_t page = w->addr & ~(PAGE - 1);
	int prot = w->flags & NS_RT_W_CODE ? PROT_READ | PROT_EXEC : PROT_READ;

	if (!(w->flags & (NS_RT_W_CODE | NS_RT_W_RO))) {
		store(w->addr, v, w->len);
		return 0;
	}
	if (mprotect((void *)(uintptr_t)page, PAGE, prot | PROT_WRITE) < 0)
		return -errno;
	store(w->addr, v, w->len);
	if (mprotect((void *)(uintptr_t)page, PAGE, prot) < 0)
		return -errno;
	return 0;
}

/* Puts back writes [0, N), newest first, serialising as the plan did. */
static void undo(const struct ns_rt_plan *p, uint32_t n)
{
	while (n-- > 0)
		write_one(&p->w[n], p->w[n].old);
	serialise();
}


__attribute__((visibility("default")))
int nonstop__rt_exec(const struct ns_rt_plan *p)
{
	int rc = 0;

	if (!valid(p)) {
		rc = NS_RT_EPLAN;
		goto out;
	}
	/* What the tool wrote into the patch's memory before calling (the
	 * dispatchers, a pad no thread executes yet) is seen by every thread
	 * before any of it can be reached. */
	serialise();
	for (uint32_t i = 0; i < p->n; i++) {
		rc = write_one(&p->w[i], p->w[i].value);
		if (rc < 0) {
			undo(p, i);
			goto out;
		}
		if (i + 1 == p->n || p->w[i + 1].phase != p->w[i].phase)
			serialise();
	}
	if (p->set_scan) {
		__atomic_store_n(&nonstop__rt.scan_lo, p->scan_lo, __ATOMIC_RELEASE);
		__atomic_store_n(&nonstop__rt.scan_hi, p->scan_hi, __ATOMIC_RELEASE);
	}
	if (p->gen) {
		nonstop__rt.gen_ns = ns_rt_now_ns();
		__atomic_store_n(&nonstop__rt.gen, p->gen, __ATOMIC_RELEASE);
		/* Waits mode: a thread whose slot says it waits is counted
		 * as at an update point from now on; the barrier this puts
		 * into every thread orders its load of the generation after
		 * it clears that word (update_point.c, ns_rt_wait_end). */
		if (nonstop__rt.waits)
			serialise();
	}
out:
	nonstop__rt.execs++;
	nonstop__rt.last_error = rc;
	return rc;
}
