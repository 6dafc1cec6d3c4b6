/* pt_plan.c — the plans of the per-thread transition (perthread.h): what
 * each step has libnonstop's executor (lib/exec.c) write — install,
 * complete, back, retire, forget — and running a plan on the runtime
 * thread. The record's state moves in the same plan as the code it
 * describes (registry/rec_state.h).
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

#include "proc/handler.h"
#include "proc/mem.h"
#include "registry/rec_state.h"
#include "transition/dispatch.h"
#include "transition/perthread.h"

#define GEN_MAX 0xffffffffu

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

/* The write of the record's state that makes move S (rec_state.h), with
 * what the executor puts back if the plan fails. */
static void add_step(struct plan *pl, uint16_t phase,
		     const struct ns_rec_step *s)
{
	add(pl, phase, NS_RT_W_RO, s->addr, sizeof(s->to), s->to, s->back);
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
		ns_err_set(x->tr->err, "internal: plan of %zu bytes "
			 "does not fit", size);
		return -1;
	}
	if (ns_mem_write(x->tr->mem_fd, x->rec->pt.plan, p, size) < 0) {
		ns_err_set(x->tr->err, "cannot write to process %d: %s",
			 (int)x->tr->pid, strerror(errno));
		return -1;
	}
	if (ns_remote_begin(&rs, x->tr, x->g) < 0)
		return -1;
	rc = ns_remote_call_handler(&rs, x->rt->blk.exec, x->rec->pt.plan, 0,
				    EXEC_TIMEOUT);
	if (ns_remote_end(&rs, false) < 0 && rc == 0)
		rc = -1;
	if (ns_rt_refresh(x->tr->mem_fd, x->rt) < 0) {
		if (rc == 0)   /* otherwise x->tr->err says why already */
			ns_err_set(x->tr->err, "cannot read libnonstop's "
				 "state in process %d: %s", (int)x->tr->pid,
				 strerror(errno));
		return -1;
	}
	if (rc == 0 && x->rt->blk.execs == execs) {
		ns_err_set(x->tr->err, "libnonstop in process %d did "
			 "not run nonstop's plan", (int)x->tr->pid);
		return -1;
	}
	if (rc == 0 && x->rt->blk.last_error) {
		int64_t e = x->rt->blk.last_error;
		ns_err_set(x->tr->err, "libnonstop in process %d could "
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
		ns_err_set(x->tr->err, "cannot write to process %d: %s",
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
			ns_err_set(x->tr->err, "cannot write to process "
				 "%d: %s", (int)x->tr->pid, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Puts the pads back after a failure, whose reason x->tr->err keeps. */
static void undo_pads(struct ns_pt *x)
{
	write_pads(x, false);   /* a failure here does not replace it */
}

int ns_pt_install(struct ns_pt *x)
{
	struct ns_rec *r = x->rec;
	uint32_t g = next_gen(x);
	struct ns_rec_step s;
	struct plan pl;

	if (ns_rec_move_install(r->state, x->rec_addr, &s, x->tr->err) < 0 ||
	    write_gens(x, g, GEN_MAX) < 0)
		return -1;
	if (write_pads(x, true) < 0) {
		undo_pads(x);   /* those already written */
		return -1;
	}
	if (plan_init(&pl, r, g) < 0)
		goto nomem;
	add_rec(&pl, 0, x, offsetof(struct ns_rec, pt.gen), g, 0);
	add(&pl, 0, 0, r->pt.gens + 8, 4, g, 0);  /* kept: perthread.h */
	add_step(&pl, 0, &s);
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
	ns_rec_step_done(r, &s);
	return 0;
nomem:
	ns_err_set(x->tr->err, "out of memory");
	return -1;
}

int ns_pt_complete(struct ns_pt *x)
{
	struct ns_rec *r = x->rec;
	struct plan pl;

	if (plan_init(&pl, r, 0) < 0) {
		ns_err_set(x->tr->err, "out of memory");
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

bool ns_pt_completable(int mem_fd, const struct ns_rec *r)
{
	if (r->mode != NS_MODE_PER_THREAD || r->state != NS_REC_APPLIED ||
	    r->pt.bypassed)
		return false;
	for (uint32_t i = 0; i < r->nfuncs; i++) {
		const struct ns_rec_func *f = &r->funcs[i];
		struct ns_entry_site s;
		char why[256];

		if (ns_entry_site_read(mem_fd, f->old_addr, &s, why,
				       sizeof(why)) < 0 ||
		    !s.redirected || s.entry != f->entry || s.target != f->disp)
			return false;
	}
	return true;
}

int ns_pt_back(struct ns_pt *x)
{
	struct ns_rec *r = x->rec;
	uint32_t g = next_gen(x);
	bool bypassed = r->pt.bypassed;
	struct ns_rec_step s;
	struct plan pl;

	if (ns_rec_move_back(r->state, x->rec_addr, &s, x->tr->err) < 0)
		return -1;
	if (plan_init(&pl, r, g) < 0) {
		ns_err_set(x->tr->err, "out of memory");
		return -1;
	}
	/* Once complete, every thread has run P's code, including any whose
	 * view is below P's generation (a thread created meanwhile by other
	 * means than pthread_create): P's range starts at 0. */
	add(&pl, 0, 0, r->pt.gens + 4, 4, g, GEN_MAX);
	if (bypassed)
		add(&pl, 0, 0, r->pt.gens, 4, 0, r->pt.gen);
	add_rec(&pl, 0, x, offsetof(struct ns_rec, pt.back_gen), g, 0);
	add_step(&pl, 0, &s);
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
	ns_rec_step_done(r, &s);
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
	struct ns_rec_step s;
	struct plan pl;

	if (ns_rec_move_retire(r->state, x->rec_addr, &s, x->tr->err) < 0)
		return -1;
	if (plan_init(&pl, r, g) < 0) {
		ns_err_set(x->tr->err, "out of memory");
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
	add_step(&pl, 0, &s);
	pl.p->set_scan = 1;
	scan_range(x, reg, &pl.p->scan_lo, &pl.p->scan_hi);
	if (run_plan(x, &pl) < 0)
		return -1;
	r->pt.grace_gen = g;
	ns_rec_step_done(r, &s);
	return 0;
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
			ns_err_set(x->tr->err, "cannot write to process "
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
		ns_err_set(x->tr->err, "out of memory");
		return -1;
	}
	pl.p->set_scan = 1;
	return run_plan(x, &pl);
}
