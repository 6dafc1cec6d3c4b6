/* pt_revert.c — reverting a per-thread patch, and the per-thread part of
 * the leftover sweep.
 *
 * A revert goes through the steps of transition/perthread.h from wherever
 * the patch's record says it stands, so that a revert that timed out, or
 * a nonstop that died, is simply continued by the next `nonstop revert`:
 * APPLIED -> back -> PT_BACK -> retire -> PT_RETIRING (its switch back,
 * mode.h) -> released (its release). The patch's post-revert hook runs
 * once it is PT_RETIRING (core/hooks.h).
 *
 * The sweep that opens every apply and revert (pt_sweep.h) is here too:
 * it completes what an apply left pending, releases what a revert left
 * retiring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hooks.h"
#include "core/mapping.h"
#include "core/pt.h"
#include "proc/mem.h"
#include "transition/dispatch.h"
#include "transition/perthread.h"

/* Drops record E from REG (its memory is gone). */
static void drop(struct ns_registry *reg, const struct ns_rec_entry *e)
{
	size_t i = (size_t)(e - reg->v);

	free(reg->v[i].rec);
	memmove(&reg->v[i], &reg->v[i + 1], (reg->n - i - 1) * sizeof(reg->v[0]));
	reg->n--;
}

/* The patch is released: pads restored, memory unmapped. */
static int release(struct ns_pt *x, const struct ns_gadgets *g,
		   const struct ns_registry *reg)
{
	if (ns_pt_forget(x, reg) < 0)
		return -1;
	return ns_mapping_remove(x->tr, x->rec->base, x->rec->size, g, false);
}

static void init(struct ns_pt *x, struct ns_tracee *tr,
		 const struct ns_gadgets *g, struct ns_rt_handle *rt,
		 struct ns_rec_entry *e, double timeout)
{
	memset(x, 0, sizeof(*x));
	x->tr = tr;
	x->g = g;
	x->rt = rt;
	x->rec = e->rec;
	x->rec_addr = e->addr;
	x->timeout = timeout;
}

/* Every thread back on the old code, the entries restored: the patch's
 * post-revert hook, on libnonstop's thread, whether or not the memory can
 * go yet. Its failure is a warning (the revert stands); one that could
 * not run yet runs at the release of the memory (ns_mapping_remove). */
static void post_revert(struct ns_revert_op *r)
{
	struct ns_op_result *res = r->s.res;
	struct ns_rec_entry *e = r->e;
	struct ns_hook_run *run = &res->hooks[NS_HOOK_POST_REVERT - 1];
	bool mark = ns_err_mark(&res->err);
	char what[600];

	if (!ns_rec_hooks(e->rec))
		return;
	if (ns_hooks_post_revert(&r->s.tr, NULL, e->addr, r->s.o->timeout, run) < 0) {
		snprintf(res->warn, sizeof(res->warn), "patch '%s' is reverted, "
			 "but %.800s", e->rec->name, ns_err_msg(&res->err));
		ns_err_forget(&res->err, mark);
		return;
	}
	if (run->kind && run->ret) {
		ns_hook_describe(run, what, sizeof(what));
		snprintf(res->warn, sizeof(res->warn), "patch '%s' is reverted, "
			 "but %s", e->rec->name, what);
	}
}

int ns_pt_switch_back(struct ns_revert_op *r)
{
	struct ns_op_result *res = r->s.res;
	struct ns_rec *rec = r->e->rec;
	struct ns_pt x;
	int rc;

	init(&x, &r->s.tr, &r->gadgets, &r->s.rt, r->e, r->s.o->timeout);
	x.unwinder = &r->s.safety;   /* built once for both waits */
	if (rec->state == NS_REC_APPLIED && ns_pt_back(&x) < 0)
		return -1;
	if (rec->state == NS_REC_PT_BACK) {
		rc = ns_pt_wait_back(&x);
		ns_pt_report(&x, res);
		if (rc < 0)
			return -1;
		if (rc == 1)
			return ns_op_fail(res, "not finished: %s; no update point "
					  "within %.3g s (--timeout). The threads "
					  "that passed one run the old code; run "
					  "revert again to finish", x.blocker,
					  r->s.o->timeout);
		if (ns_pt_retire(&x, &r->s.reg) < 0)
			return -1;
	}
	if (rec->state != NS_REC_PT_RETIRING)
		return ns_op_fail(res, "patch '%s' is %s: nothing to revert",
				  rec->name, ns_rec_state_name(rec->state));
	return 0;
}

int ns_pt_release(struct ns_revert_op *r)
{
	struct ns_op_result *res = r->s.res;
	struct ns_pt x;
	int rc;

	init(&x, &r->s.tr, &r->gadgets, &r->s.rt, r->e, r->s.o->timeout);
	x.unwinder = &r->s.safety;   /* built once for both waits */
	post_revert(r);
	rc = ns_pt_wait_released(&x);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		res->retiring = true;
		snprintf(res->note, sizeof(res->note), "its memory is kept until "
			 "%s (the next nonstop apply or revert releases it then)",
			 x.blocker);
		return 0;
	}
	if (release(&x, &r->gadgets, &r->s.reg) < 0)
		return -1;
	drop(&r->s.reg, r->e);
	r->e = NULL;   /* its record is gone */
	return 0;
}

/* A patch mapped but never installed: its pads may hold jumps to its
 * dispatchers (written before the install), which no entry leads to. Put
 * back the compiler's nops where the entry is still the compiler's. */
static int restore_pads(struct ns_tracee *tr, const struct ns_rec *r)
{
	struct ns_err *err = tr->err;

	for (uint32_t i = 0; i < r->nfuncs; i++) {
		const struct ns_rec_func *f = &r->funcs[i];
		uint8_t now[NS_PAD_LEN + 2];
		uint64_t pad = f->old_addr - NS_PAD_LEN;

		if (f->saved_len != NS_PAD_LEN + 2 || f->prev != f->entry + 2 ||
		    ns_mem_read(tr->mem_fd, pad, now, NS_PAD_LEN) < 0 ||
		    ns_mem_read(tr->mem_fd, f->entry, now + NS_PAD_LEN, 2) < 0 ||
		    memcmp(now + NS_PAD_LEN, f->saved + NS_PAD_LEN, 2))
			continue;
		if (ns_mem_write(tr->mem_fd, pad, f->saved, NS_PAD_LEN) < 0) {
			ns_err_set(err, "cannot write to process %d",
				 (int)tr->pid);
			return -1;
		}
	}
	return 0;
}

int ns_pt_sweep(struct ns_tracee *tr, const struct ns_gadgets *g,
		struct ns_rt_handle *rt, struct ns_registry *reg,
		bool complete_switched)
{
	for (size_t i = 0; i < reg->n;) {
		struct ns_rec_entry *e = &reg->v[i];
		struct ns_pt x;

		if (complete_switched && e->rec->mode == NS_MODE_PER_THREAD &&
		    e->rec->state == NS_REC_APPLIED) {
			/* Left switching by an apply: completed if every
			 * thread has switched now (one look). */
			init(&x, tr, g, rt, e, 0);
			if (ns_pt_complete_later(&x) < 0)
				return -1;
			i++;
			continue;
		}
		if (e->rec->mode != NS_MODE_PER_THREAD ||
		    (e->rec->state != NS_REC_LOADED &&
		     e->rec->state != NS_REC_PT_RETIRING)) {
			i++;
			continue;
		}
		if (e->rec->state == NS_REC_LOADED) {
			/* Unmapped by ns_mapping_sweep, which follows. */
			if (restore_pads(tr, e->rec) < 0)
				return -1;
			i++;
			continue;
		}
		init(&x, tr, g, rt, e, 0);
		int rc = ns_pt_released(&x);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			i++;
			continue;
		}
		if (release(&x, g, reg) < 0)
			return -1;
		drop(reg, e);
	}
	return 0;
}
