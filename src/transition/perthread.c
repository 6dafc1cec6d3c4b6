/* perthread.c — the steps of the per-thread transition (perthread.h): the
 * plans the runtime executes, and the waits for the threads in between.
 *
 * Only one nonstop works on a process at a time: each step borrows the
 * runtime thread with ptrace, which a second tracer cannot. The target
 * generation therefore changes only here, and reading it right before a
 * plan is enough. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include "proc/handler.h"
#include "proc/mem.h"
#include "transition/dispatch.h"
#include "transition/perthread.h"
#include "util/clock.h"

#define GEN_MAX 0xffffffffu
#define POLL_MIN_US 200
#define POLL_MAX_US 20000
/* Seconds libnonstop's executor may take to run a plan: it takes no lock
 * and waits for nothing (a few stores, mprotect, membarrier), so a
 * runtime thread not back by then is stuck, whatever --timeout says
 * (which bounds the waits for the program's threads, and is 0 for a
 * sweep). */
#define EXEC_TIMEOUT 10.0

struct plan {
	struct ns_rt_plan *p;
	uint32_t cap;
};

void ns_pt_syscalls(const struct ns_rt_handle *rt, struct ns_sc_list *l)
{
	/* serialise(): the command the runtime registered for; write_one():
	 * a page made writable and back, code (read+exec) or a record (read
	 * only). Through libc's wrappers: where from, and the registers
	 * beyond the wrapper's arguments, are not known. */
	int cmd = rt->blk.sync_core ? MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
				    : MEMBARRIER_CMD_GLOBAL;
	static const int prot[] = {
		PROT_READ | PROT_EXEC | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE, PROT_READ,
	};

	struct ns_sc_call c = {
		.name = "membarrier", .nr = SYS_membarrier,
		.args = { (uint64_t)cmd },   /* flags 0, cpu 0 */
		.known = NS_SC_ARG(0) | NS_SC_ARG(1) | NS_SC_ARG(2),
	};

	ns_sc_add(l, &c);
	for (size_t i = 0; i < sizeof(prot) / sizeof(*prot); i++) {
		c = (struct ns_sc_call){
			.name = "mprotect", .nr = SYS_mprotect,
			.args = { 0, 4096, (uint64_t)prot[i] },
			.known = NS_SC_ARG(1) | NS_SC_ARG(2),
		};
		ns_sc_add(l, &c);
	}
}

size_t ns_pt_plan_size(uint32_t nfuncs)
{
	/* The largest plan (back, of a completed patch) has 2 writes per
	 * function and a few for the record and the bounds. */
	return sizeof(struct ns_rt_plan) +
	       (2 * (size_t)nfuncs + 8) * sizeof(struct ns_rt_write);
}

static int plan_init(struct plan *pl, const struct ns_rec *rec, uint32_t gen)
{
	size_t size = ns_pt_plan_size(rec->nfuncs);

	pl->p = calloc(1, size);
	if (!pl->p)
		return -1;
	pl->cap = (uint32_t)((size - sizeof(*pl->p)) / sizeof(pl->p->w[0]));
	pl->p->magic = NS_RT_PLAN_MAGIC;
	pl->p->gen = gen;
	return 0;
}

static void add(struct plan *pl, uint16_t phase, uint16_t flags,
		uint64_t addr, uint32_t len, uint64_t value, uint64_t old)
{
	struct ns_rt_write *w;

	if (pl->p->n == pl->cap)
		return;  /* sized for the largest plan: cannot happen */
	w = &pl->p->w[pl->p->n++];
	w->addr = addr;
	w->len = len;
	w->value = value;
	w->old = old;
	w->phase = phase;
	w->flags = flags;
}

/* A 32-bit field of the record (read-only page in the target). */
static void add_rec(struct plan *pl, uint16_t phase, struct ns_pt *x,
		    size_t off, uint32_t value, uint32_t old)
{
	add(pl, phase, NS_RT_W_RO, x->rec_addr + off, 4, value, old);
}

/* Writes the plan into the patch's memory and has the runtime thread
 * execute it. The call returns through the thread's signal frame even if
 * nonstop dies meanwhile (proc/handler.h). */
static int run(struct ns_pt *x, struct plan *pl)
{
	struct ns_rt_plan *p = pl->p;
	size_t size = sizeof(*p) + p->n * sizeof(p->w[0]);
	struct ns_remote rs;
	uint64_t execs = x->rt->blk.execs;
	int rc;

	if (size > x->rec->pt.plan_cap) {
		snprintf(x->err, sizeof(x->err), "internal: plan of %zu bytes "
			 "does not fit", size);
		return -1;
	}
	if (ns_mem_write(x->tr->mem_fd, x->rec->pt.plan, p, size) < 0) {
		snprintf(x->err, sizeof(x->err), "cannot write to process %d: %s",
			 (int)x->tr->pid, strerror(errno));
		return -1;
	}
	if (ns_remote_begin(&rs, x->tr, x->g) < 0) {
		snprintf(x->err, sizeof(x->err), "%s", x->tr->err);
		return -1;
	}
	rc = ns_remote_call_handler(&rs, x->rt->blk.exec, x->rec->pt.plan, 0,
				    EXEC_TIMEOUT);
	if (rc < 0)
		snprintf(x->err, sizeof(x->err), "%s", x->tr->err);
	if (ns_remote_end(&rs, false) < 0 && rc == 0) {
		snprintf(x->err, sizeof(x->err), "%s", x->tr->err);
		rc = -1;
	}
	if (ns_rt_refresh(x->tr->mem_fd, x->rt) < 0) {
		if (rc == 0)   /* otherwise x->err says why already */
			snprintf(x->err, sizeof(x->err), "cannot read libnonstop's "
				 "state in process %d: %s", (int)x->tr->pid,
				 strerror(errno));
		return -1;
	}
	if (rc == 0 && x->rt->blk.execs == execs) {
		snprintf(x->err, sizeof(x->err), "libnonstop in process %d did "
			 "not run nonstop's plan", (int)x->tr->pid);
		return -1;
	}
	if (rc == 0 && x->rt->blk.last_error) {
		int64_t e = x->rt->blk.last_error;
		snprintf(x->err, sizeof(x->err), "libnonstop in process %d could "
			 "not rewrite the code: %s", (int)x->tr->pid,
			 e == NS_RT_EPLAN ? "malformed plan" : strerror((int)-e));
		return -1;
	}
	return rc;
}

static int run_plan(struct ns_pt *x, struct plan *pl)
{
	int rc = run(x, pl);

	free(pl->p);
	pl->p = NULL;
	return rc;
}

static uint32_t rel_to(const struct ns_rec_func *f, uint64_t to)
{
	struct ns_entry_site s = { .pad = f->old_addr - NS_PAD_LEN };
	uint32_t rel = 0;

	ns_pad_rel(&s, to, &rel);
	return rel;
}

static uint16_t entry_jump(const struct ns_rec_func *f)
{
	struct ns_entry_site s = { .pad = f->old_addr - NS_PAD_LEN,
				   .entry = f->entry };

	return ns_entry_jump(&s);
}

static uint16_t entry_nop(const struct ns_rec_func *f)
{
	return (uint16_t)(f->saved[NS_PAD_LEN] | f->saved[NS_PAD_LEN + 1] << 8);
}

/* Whether the patch is the first to redirect F (its fallback is the old
 * body right after the entry). */
static bool first(const struct ns_rec_func *f)
{
	return f->prev == f->entry + 2;
}

static uint32_t next_gen(struct ns_pt *x)
{
	return x->rt->blk.gen + 1;
}

static int write_gens(struct ns_pt *x, uint32_t from, uint32_t to)
{
	uint32_t g[2] = { from, to };

	if (ns_mem_write(x->tr->mem_fd, x->rec->pt.gens, g, sizeof(g)) < 0) {
		snprintf(x->err, sizeof(x->err), "cannot write to process %d: %s",
			 (int)x->tr->pid, strerror(errno));
		return -1;
	}
	return 0;
}

/* The pads of functions no patch redirects yet: written while nothing
 * executes them (TO_DISP), or put back as the compiler left them. A pad
 * matters only once its entry jumps to it, so a pad left behind by a
 * failure here is harmless; still, every path puts it back. */
static int write_pads(struct ns_pt *x, bool to_disp)
{
	for (uint32_t i = 0; i < x->rec->nfuncs; i++) {
		const struct ns_rec_func *f = &x->rec->funcs[i];
		struct ns_entry_site s = { .pad = f->old_addr - NS_PAD_LEN };
		uint8_t pad[NS_PAD_LEN];

		if (!first(f))
			continue;
		if (to_disp)
			ns_pad_encode(&s, f->disp, pad);
		else
			memcpy(pad, f->saved, NS_PAD_LEN);
		if (ns_mem_write(x->tr->mem_fd, s.pad, pad, NS_PAD_LEN) < 0) {
			snprintf(x->err, sizeof(x->err), "cannot write to process "
				 "%d: %s", (int)x->tr->pid, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Puts the pads back after a failure, whose reason x->err keeps. */
static void undo_pads(struct ns_pt *x)
{
	char why[sizeof(x->err)];

	snprintf(why, sizeof(why), "%s", x->err);
	write_pads(x, false);
	snprintf(x->err, sizeof(x->err), "%s", why);
}

int ns_pt_install(struct ns_pt *x)
{
	struct ns_rec *r = x->rec;
	uint32_t g = next_gen(x);
	struct plan pl;

	if (write_gens(x, g, GEN_MAX) < 0)
		return -1;
	if (write_pads(x, true) < 0) {
		undo_pads(x);   /* those already written */
		return -1;
	}
	if (plan_init(&pl, r, g) < 0)
		goto nomem;
	add_rec(&pl, 0, x, offsetof(struct ns_rec, pt.gen), g, 0);
	add_rec(&pl, 0, x, offsetof(struct ns_rec, state), NS_REC_APPLIED,
		r->state);
	for (uint32_t i = 0; i < r->nfuncs; i++) {
		const struct ns_rec_func *f = &r->funcs[i];
		if (first(f))
			add(&pl, 1, NS_RT_W_CODE, f->entry, 2, entry_jump(f),
			    entry_nop(f));
		else
			add(&pl, 1, NS_RT_W_CODE, f->old_addr - NS_PAD_LEN + 1, 4,
			    rel_to(f, f->disp), rel_to(f, f->prev));
	}
	if (run_plan(x, &pl) < 0) {
		undo_pads(x);
		return -1;
	}
	r->pt.gen = g;
	r->state = NS_REC_APPLIED;
	return 0;
nomem:
	snprintf(x->err, sizeof(x->err), "out of memory");
	return -1;
}

int ns_pt_complete(struct ns_pt *x)
{
	struct ns_rec *r = x->rec;
	struct plan pl;

	if (plan_init(&pl, r, 0) < 0) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		return -1;
	}
	add_rec(&pl, 0, x, offsetof(struct ns_rec, pt.bypassed), 1, 0);
	for (uint32_t i = 0; i < r->nfuncs; i++) {
		const struct ns_rec_func *f = &r->funcs[i];
		add(&pl, 1, NS_RT_W_CODE, f->old_addr - NS_PAD_LEN + 1, 4,
		    rel_to(f, f->new_addr), rel_to(f, f->disp));
	}
	if (run_plan(x, &pl) < 0)
		return -1;
	r->pt.bypassed = 1;
	return 0;
}

int ns_pt_back(struct ns_pt *x)
{
	struct ns_rec *r = x->rec;
	uint32_t g = next_gen(x);
	bool bypassed = r->pt.bypassed;
	struct plan pl;

	if (plan_init(&pl, r, g) < 0) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		return -1;
	}
	/* Once complete, every thread has run P's code, including any whose
	 * view is below P's generation (a thread created meanwhile by other
	 * means than pthread_create): P's range starts at 0. */
	add(&pl, 0, 0, r->pt.gens + 4, 4, g, GEN_MAX);
	if (bypassed)
		add(&pl, 0, 0, r->pt.gens, 4, 0, r->pt.gen);
	add_rec(&pl, 0, x, offsetof(struct ns_rec, pt.back_gen), g, 0);
	add_rec(&pl, 0, x, offsetof(struct ns_rec, state), NS_REC_PT_BACK,
		r->state);
	if (bypassed) {
		add_rec(&pl, 0, x, offsetof(struct ns_rec, pt.gen), 0, r->pt.gen);
		add_rec(&pl, 1, x, offsetof(struct ns_rec, pt.bypassed), 0, 1);
		for (uint32_t i = 0; i < r->nfuncs; i++) {
			const struct ns_rec_func *f = &r->funcs[i];
			add(&pl, 1, NS_RT_W_CODE, f->old_addr - NS_PAD_LEN + 1, 4,
			    rel_to(f, f->disp), rel_to(f, f->new_addr));
		}
	}
	if (run_plan(x, &pl) < 0)
		return -1;
	r->pt.back_gen = g;
	r->state = NS_REC_PT_BACK;
	if (bypassed) {
		r->pt.bypassed = 0;
		r->pt.gen = 0;  /* the range now starts at 0 */
	}
	return 0;
}

/* The scan range: every patch retiring, so that one check at a thread's
 * update point serves all of them (a hit in another's memory only delays
 * the release of this one). */
static void scan_range(struct ns_pt *x, const struct ns_registry *reg,
		       uint64_t *lo, uint64_t *hi)
{
	*lo = x->rec->base;
	*hi = x->rec->base + x->rec->size;
	for (size_t i = 0; reg && i < reg->n; i++) {
		const struct ns_rec *o = reg->v[i].rec;
		if (o->state != NS_REC_PT_RETIRING || o->base == x->rec->base)
			continue;
		if (o->base < *lo)
			*lo = o->base;
		if (o->base + o->size > *hi)
			*hi = o->base + o->size;
	}
}

int ns_pt_retire(struct ns_pt *x, const struct ns_registry *reg)
{
	struct ns_rec *r = x->rec;
	uint32_t g = next_gen(x);
	struct plan pl;

	if (plan_init(&pl, r, g) < 0) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < r->nfuncs; i++) {
		const struct ns_rec_func *f = &r->funcs[i];
		if (first(f))
			add(&pl, 0, NS_RT_W_CODE, f->entry, 2, entry_nop(f),
			    entry_jump(f));
		else
			add(&pl, 0, NS_RT_W_CODE, f->old_addr - NS_PAD_LEN + 1, 4,
			    rel_to(f, f->prev), rel_to(f, f->disp));
	}
	add_rec(&pl, 0, x, offsetof(struct ns_rec, pt.grace_gen), g, 0);
	add_rec(&pl, 0, x, offsetof(struct ns_rec, state), NS_REC_PT_RETIRING,
		r->state);
	pl.p->set_scan = 1;
	scan_range(x, reg, &pl.p->scan_lo, &pl.p->scan_hi);
	if (run_plan(x, &pl) < 0)
		return -1;
	r->pt.grace_gen = g;
	r->state = NS_REC_PT_RETIRING;
	return 0;
}

enum want {
	WANT_SWITCHED,  /* every thread runs P's code */
	WANT_BACK,      /* no thread runs P's code */
	WANT_GRACE,     /* every thread passed the grace generation, its
			   stack clean of P's memory */
};

/* Whether thread T is where W wants it; if not, WHY says so. */
static bool done(const struct ns_rt_thread *t, const struct ns_rec *r,
		 enum want w, char *why, size_t len)
{
	const char *name = t->comm[0] ? t->comm : "?";

	switch (w) {
	case WANT_SWITCHED:
		if (t->registered && t->view >= r->pt.gen)
			return true;
		snprintf(why, len, "thread %d (%s) has not passed an update point "
			 "%s (%s)", (int)t->tid, name, t->registered ?
			 "since the patch was installed" : "ever", t->where);
		return false;
	case WANT_BACK:
		if (!ns_rt_in(t, r->pt.gen, r->pt.back_gen))
			return true;
		snprintf(why, len, "thread %d (%s) still runs the new code: it "
			 "has not passed an update point since the revert (%s)",
			 (int)t->tid, name, t->where);
		return false;
	case WANT_GRACE:
		/* A thread that never switched to the patch (its view is
		 * below the patch's range) never ran its code: the
		 * dispatchers sent it to the old code by jumps, which leave
		 * nothing on the stack. Asleep in a system call, it is not
		 * in the middle of one either. */
		if (t->view < r->pt.gen && t->blocked)
			return true;
		if (!t->registered || t->view < r->pt.grace_gen ||
		    t->scan_gen < r->pt.grace_gen)
			snprintf(why, len, "thread %d (%s) has not passed an update "
				 "point since the revert (%s)", (int)t->tid, name,
				 t->where);
		else if (t->scan_hit == NS_RT_SCAN_HIT)
			snprintf(why, len, "thread %d (%s) has the patch's code on "
				 "its stack (at 0x%llx)", (int)t->tid, name,
				 (unsigned long long)t->scan_pc);
		else if (t->scan_hit != NS_RT_SCAN_CLEAN)
			snprintf(why, len, "thread %d (%s): its stack could not be "
				 "walked to its end at its update point",
				 (int)t->tid, name);
		else
			return true;
		return false;
	}
	return false;
}

bool ns_pt_thread_done(const struct ns_rt_thread *t, const struct ns_rec *r,
		       char *why, size_t len)
{
	if (r->mode != NS_MODE_PER_THREAD)
		return true;
	if (r->state == NS_REC_APPLIED && !r->pt.bypassed)
		return done(t, r, WANT_SWITCHED, why, len);
	if (r->state == NS_REC_PT_BACK)
		return done(t, r, WANT_BACK, why, len);
	return true;
}

/* When thread T switched, after the generation moved (each thread notes
 * the time itself, so this is its own delay, not when we looked): the
 * first and the last such delay. */
static void note_switch(struct ns_pt *x, const struct ns_rt_thread *t)
{
	uint64_t d;

	if (!t->registered || t->switched_ns < x->rt->blk.gen_ns)
		return;   /* did not have to switch */
	d = t->switched_ns - x->rt->blk.gen_ns;
	if (!x->first_ns || d < x->first_ns)
		x->first_ns = d;
	if (d > x->switch_ns)
		x->switch_ns = d;
}

/* One look at every thread: 1 if all are where W wants them, 0 if not
 * (x->blocker names the first few that are not), -1 on error. */
static int check(struct ns_pt *x, enum want w, size_t *pending)
{
	struct ns_rt_thread *v;
	size_t n, left = 0, len = 0;

	if (ns_rt_threads(x->tr->pid, x->tr->mem_fd, x->rt, &v, &n) < 0) {
		if (errno == ENOENT) {
			snprintf(x->err, sizeof(x->err), "process %d exited",
				 (int)x->tr->pid);
			return -1;
		}
		snprintf(x->err, sizeof(x->err), "cannot read the threads of "
			 "process %d: %s", (int)x->tr->pid, strerror(errno));
		return -1;
	}
	x->blocker[0] = 0;
	x->threads = 0;
	x->first_ns = x->switch_ns = 0;
	for (size_t i = 0; i < n; i++) {
		char why[256];
		if (v[i].runtime)
			continue;
		x->threads++;
		if (done(&v[i], x->rec, w, why, sizeof(why))) {
			note_switch(x, &v[i]);
			continue;
		}
		if (left < 3 && len < sizeof(x->blocker))
			len += (size_t)snprintf(x->blocker + len,
						sizeof(x->blocker) - len, "%s%s",
						left ? "; " : "", why);
		left++;
	}
	if (left > 3 && len < sizeof(x->blocker))
		snprintf(x->blocker + len, sizeof(x->blocker) - len,
			 "; and %zu more", left - 3);
	free(v);
	*pending = left;
	return left == 0;
}

/* Polls until W holds, from every 200 us to every 20 ms, up to the
 * timeout. 0 done, 1 timed out, -1 error. */
static int wait_for(struct ns_pt *x, enum want w)
{
	uint64_t deadline = ns_clock_ns() + (uint64_t)(x->timeout * 1e9);
	unsigned us = POLL_MIN_US;
	size_t pending;

	for (;;) {
		int rc = check(x, w, &pending);
		uint64_t t = ns_clock_ns();

		if (rc < 0)
			return -1;
		if (rc == 1)
			return 0;
		if (t >= deadline)
			return 1;
		struct timespec d = { 0, (long)us * 1000 };
		nanosleep(&d, NULL);
		if (us < POLL_MAX_US)
			us *= 2;
	}
}

int ns_pt_wait_switched(struct ns_pt *x)
{
	return wait_for(x, WANT_SWITCHED);
}

int ns_pt_wait_back(struct ns_pt *x)
{
	return wait_for(x, WANT_BACK);
}

int ns_pt_wait_released(struct ns_pt *x)
{
	return wait_for(x, WANT_GRACE);
}

int ns_pt_released(struct ns_pt *x)
{
	size_t pending;

	return check(x, WANT_GRACE, &pending);
}

int ns_pt_forget(struct ns_pt *x, const struct ns_registry *reg)
{
	struct plan pl;
	bool others = false;

	/* Pads back to the compiler's nops, where the entry is still the
	 * compiler's (no later patch took the function): nothing executes
	 * a pad whose entry does not jump to it. */
	for (uint32_t i = 0; i < x->rec->nfuncs; i++) {
		const struct ns_rec_func *f = &x->rec->funcs[i];
		uint16_t e;
		if (!first(f) ||
		    ns_mem_read(x->tr->mem_fd, f->entry, &e, sizeof(e)) < 0 ||
		    e != entry_nop(f))
			continue;
		if (ns_mem_write(x->tr->mem_fd, f->old_addr - NS_PAD_LEN,
				 f->saved, NS_PAD_LEN) < 0) {
			snprintf(x->err, sizeof(x->err), "cannot write to process "
				 "%d: %s", (int)x->tr->pid, strerror(errno));
			return -1;
		}
	}
	/* The stack check stays on only for patches still retiring. */
	for (size_t i = 0; reg && i < reg->n; i++)
		others |= reg->v[i].rec->state == NS_REC_PT_RETIRING &&
			  reg->v[i].rec->base != x->rec->base;
	if (others)
		return 0;
	if (plan_init(&pl, x->rec, 0) < 0) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		return -1;
	}
	pl.p->set_scan = 1;
	return run_plan(x, &pl);
}
