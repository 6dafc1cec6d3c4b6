/* pt_apply.c — what the per-thread mode adds to an apply: the entries it
 * reads, the dispatchers and data it puts in the image, and the switch:
 * install, wait for every thread, then complete — or, if a thread does not
 * reach an update point in time, withdraw (or leave it pending: then the
 * sweep of a later apply or revert, or apply --complete, completes it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/hooks.h"
#include "core/pt.h"
#include "transition/dispatch.h"
#include "transition/perthread.h"

#define DISPATCH_SLOT 48          /* NS_DISPATCH_LEN, 16-aligned */
#define PLAN_OFF      64          /* the plan, after the bounds */

int ns_pt_refuse(struct ns_apply_op *a)
{
	if (a->s.o->replace)
		return ns_op_fail(a->s.res, "--replace works in stop-the-world "
				  "mode only (add --mode stop)");
	if (ns_hooks_any(&a->patch) && a->s.o->leave_pending)
		return ns_op_fail(a->s.res, "patch '%s' has hooks: --leave-pending "
				  "cannot be used (its post-apply hook runs once "
				  "every thread has switched)", a->patch.name);
	if (a->nxforms)
		return ns_op_fail(a->s.res, "patch '%s' transforms data (state "
				  "transformers), which the per-thread mode cannot "
				  "do (threads would see two copies): add --mode "
				  "stop", a->patch.name);
	return 0;
}

/* Whether ADDR is in the memory of a patch of REG. */
static bool in_patch(const struct ns_registry *reg, uint64_t addr)
{
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;
		if (addr >= r->base && addr < r->base + r->size)
			return true;
	}
	return false;
}

int ns_pt_read_entries(struct ns_apply_op *a)
{
	struct ns_rec *rec = a->rec;
	const struct ns_registry *reg = &a->s.reg;
	struct ns_err *err = &a->s.res->err;

	for (uint32_t i = 0; i < rec->nfuncs; i++) {
		struct ns_rec_func *f = &rec->funcs[i];
		struct ns_entry_site s;
		char why[256];

		if (ns_entry_site_read(a->s.tr.mem_fd, f->old_addr, &s, why,
				       sizeof(why)) < 0) {
			ns_err_set(err, "function %s %s: it cannot be "
				 "switched per thread (use --mode stop)", f->name,
				 why);
			return -1;
		}
		f->entry = s.entry;
		if (s.redirected) {
			if (!in_patch(reg, s.target)) {
				ns_err_set(err, "function %s: its entry "
					 "jumps to code no applied patch owns "
					 "(0x%llx)", f->name,
					 (unsigned long long)s.target);
				return -1;
			}
			f->prev = s.target;
			f->saved_len = 0;
		} else {
			f->prev = s.body;
			memcpy(f->saved, s.orig, sizeof(s.orig));
			f->saved_len = sizeof(s.orig);
		}
	}
	return 0;
}

void ns_pt_extra_sizes(const struct ns_apply_op *a, size_t *code,
		       size_t *data)
{
	*code = (size_t)a->rec->nfuncs * DISPATCH_SLOT;
	*data = PLAN_OFF + ns_pt_plan_size(a->rec->nfuncs);
}

/* Whether section SEC of P calls nonstop_update_point. */
static bool calls_update_point(const struct ns_patch *p, uint32_t sec)
{
	const struct ns_section *s = &p->sections[sec];

	for (size_t r = 0; r < s->nrelocs; r++) {
		const struct ns_sym *y = &p->syms[s->relocs[r].sym];
		if (y->name && !strcmp(y->name, "nonstop_update_point"))
			return true;
	}
	return false;
}

/* Whether the new code of a replaced function calls nonstop_update_point:
 * a loop function. Fills NOTE with what that means for the user. */
static void loop_note(const struct ns_patch *p, char *note, size_t len)
{
	size_t at = 0;

	note[0] = 0;
	for (size_t i = 0; i < p->nentries && at < len; i++) {
		const struct ns_entry *e = &p->entries[i];
		if (e->kind != NS_ENTRY_REPLACE ||
		    p->syms[e->sym].kind != NS_SYM_DEFINED ||
		    !calls_update_point(p, p->syms[e->sym].section))
			continue;
		at += (size_t)snprintf(note + at, len - at,
			"%s%s contains an update point: a thread already running "
			"it keeps its old version until it returns (at that update "
			"point it switches to the new versions of what it calls); "
			"calls made after the switch run the new %s",
			at ? "\n" : "", e->name, e->name);
	}
}

/* The extra code and data are where the stop-the-world mode has its gate
 * and journal (link.h). */
int ns_pt_place(struct ns_apply_op *a)
{
	struct ns_rec *rec = a->rec;
	struct ns_image *img = &a->img;
	size_t code_off = img->gate_off, data_off = img->journal_off;
	uint64_t gens = img->base + data_off;
	/* FROM, TO: nobody, until installed; the generation installed
	 * with (perthread.h) */
	uint32_t bounds[3] = { 0xffffffffu, 0xffffffffu, 0 };

	rec->mode = NS_MODE_PER_THREAD;
	rec->pt.gens = gens;
	rec->pt.plan = gens + PLAN_OFF;
	rec->pt.plan_cap = ns_pt_plan_size(rec->nfuncs);
	memcpy(img->buf + data_off, bounds, sizeof(bounds));
	for (uint32_t i = 0; i < rec->nfuncs; i++) {
		struct ns_rec_func *f = &rec->funcs[i];
		size_t off = code_off + (size_t)i * DISPATCH_SLOT;

		f->disp = img->base + off;
		if (ns_dispatch_encode(img->buf + off, f->disp,
				       a->s.rt.blk.view_tpoff, gens, gens + 4,
				       f->new_addr, f->prev) < 0)
			return ns_op_fail(a->s.res, "function %s: its dispatcher "
					  "is out of reach", f->name);
	}
	loop_note(&a->patch, a->s.res->note, sizeof(a->s.res->note));
	return 0;
}

/* What gets a patch applied that the per-thread mode could not: said
 * with every such refusal (loading libnonstop must never leave a user
 * with a patch stop-the-world would have applied, and no way to it). */
#define HOW_TO_APPLY "To apply it: --mode stop (every thread paused a moment), " \
	"or NONSTOP_UPDATE_POINTS=waits in the program's environment (its " \
	"epoll_wait, poll and select become update points), or a call of " \
	"nonstop_update_point() in the loop of the threads named"

/* Takes back a patch that not every thread reached: threads that switched
 * go back at their next update point. 0 when no thread can reach its
 * memory any more (the caller removes it); -1 with the reason in the
 * tracee's err
 * (then part of it may still be live). */
static int withdraw(struct ns_pt *x, const struct ns_registry *reg)
{
	int rc;

	if (ns_pt_back(x) < 0)
		return -1;
	rc = ns_pt_wait_back(x);
	if (rc != 0) {
		if (rc == 1)
			ns_err_set(x->tr->err, "it is being withdrawn, "
				 "but %s", x->blocker);
		return -1;
	}
	if (ns_pt_retire(x, reg) < 0)
		return -1;
	rc = ns_pt_wait_released(x);
	if (rc != 0) {
		if (rc == 1)
			ns_err_set(x->tr->err, "its memory stays until "
				 "%s", x->blocker);
		return -1;
	}
	return ns_pt_forget(x, reg);
}

int ns_pt_complete_later(struct ns_pt *x)
{
	int rc;

	x->blocker[0] = 0;
	if (!ns_pt_completable(x->tr->mem_fd, x->rec))
		return 0;
	rc = ns_pt_wait_switched(x);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	/* The plan is one call of libnonstop's executor, the record's flag
	 * in it: done whole or not at all, even if nonstop dies. */
	if (ns_pt_complete(x) < 0)
		return ns_err_wrap(x->tr->err, "cannot retire the dispatchers of "
				   "patch '%s' (every thread has switched)",
				   x->rec->name);
	return 1;
}

int ns_pt_apply_switch(struct ns_apply_op *a)
{
	const struct ns_op_opts *o = a->s.o;
	struct ns_op_result *res = a->s.res;
	struct ns_pt x = {
		.tr = &a->s.tr, .g = NULL, .rt = &a->s.rt, .rec_addr = a->img.base,
		.unwinder = &a->s.safety,
		.rec = a->rec, .timeout = o->timeout,
	};
	char blocker[sizeof(x.blocker)];
	int rc;

	/* Until installed, no thread can reach its memory: it goes if this
	 * fails. */
	if (ns_pt_install(&x) < 0)
		return -1;
	a->mapped = false;
	rc = ns_pt_wait_switched(&x);
	ns_pt_report(&x, res);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		/* The switch stands: a failure now is a warning. */
		bool mark = ns_err_mark(&res->err);

		if (ns_pt_complete(&x) < 0)
			snprintf(res->warn, sizeof(res->warn), "every thread "
				 "switched, but the dispatchers stay: %.900s",
				 ns_err_msg(&res->err));
		ns_err_forget(&res->err, mark);
		return 0;
	}
	if (o->leave_pending) {
		res->pending = true;
		snprintf(res->warn, sizeof(res->warn), "the transition is pending: "
			 "%s", x.blocker);
		return 0;
	}
	snprintf(blocker, sizeof(blocker), "%s", x.blocker);
	if (withdraw(&x, &a->s.reg) == 0) {
		a->mapped = true;   /* no thread can reach it any more */
		return ns_op_fail(res, "refused: %s; no update point within %.3g s "
				  "(--timeout): the patch was withdrawn. %s",
				  blocker, o->timeout, HOW_TO_APPLY);
	}
	return ns_err_replace(&res->err, "refused: %s; no update point within "
			      "%.3g s (--timeout): %s", blocker, o->timeout,
			      ns_err_msg(&res->err));
}
