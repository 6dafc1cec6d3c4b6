/* stop.c — the stop-the-world mode (mode.h): every thread is held, and the
 * switch, of an apply or of a revert, is made while every thread is
 * stopped and none is in — or will return into — code that changes
 * (transition/transition.h).
 *
 * An apply's switch writes one plan (transition/plan.h): its record
 * APPLYING, the entry jumps, what --replace adds (core/replace.c), its
 * record APPLIED. A revert's writes its record REVERTING, then the bytes
 * the jumps overwrote. Both run behind the patch's commit gate, so that
 * nonstop dying in the middle leaves the program on the old code, whole
 * (transition/gate.h); both let go of every thread, so what follows (a
 * hook, releasing memory) takes the process again and reads the record
 * again first (core/recheck.h). Once a revert has switched back, nothing
 * can enter the patch's code, and its memory is released outside the
 * pause; should nonstop die in between, the next sweep finds the record
 * REVERTING and only removes the memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apply_op.h"
#include "core/hooks.h"
#include "core/mapping.h"
#include "core/mode.h"
#include "core/recheck.h"
#include "core/revert_op.h"
#include "core/syscalls.h"
#include "core/xform.h"
#include "proc/mem.h"
#include "registry/rec_state.h"
#include "transition/redirect.h"
#include "transition/transition.h"

static int attach(struct ns_session *s)
{
	if (ns_tracee_attach(&s->tr, s->o->pid) < 0)
		return -1;
	return 0;
}

/* Every thread may be borrowed, or run the commit gate. */
static int check_syscalls(struct ns_session *s)
{
	return ns_syscalls_check(&s->tr, NULL);
}

static int prepare_unwind(struct ns_session *s)
{
	s->safety = ns_safety_new(&s->tr);
	return s->safety ? 0 : -1;
}

/* Takes the process again after a switch let go of it: every thread, or
 * the leader alone (to borrow it for a munmap: attaching to all would
 * mean stopping all again to detach). 0, or -1 with res->err. */
static int retake(struct ns_session *s, bool all)
{
	ns_tracee_close(&s->tr);
	return all ? ns_tracee_attach(&s->tr, s->o->pid)
		   : ns_tracee_attach_leader(&s->tr, s->o->pid);
}

/* Every thread stopped and none in the code that changes: commit() of X
 * writes the switch (undone on a failed write). The statistics of the
 * switch go to the result here, and only here. */
static int run(struct ns_session *s, struct ns_transition *x)
{
	struct ns_op_result *res = s->res;
	int rc = ns_transition_run(x);

	res->pause_ns = x->pause_ns;
	res->max_pause_ns = x->max_pause_ns;
	res->attempts = x->attempts;
	res->ran_alone = x->ran_alone;
	memcpy(res->phase_ns, x->phase_ns, sizeof(x->phase_ns));
	res->threads = x->threads;
	if (x->warn[0] && !res->warn[0])
		snprintf(res->warn, sizeof(res->warn), "%s", x->warn);
	if (rc == 1)
		return ns_op_fail(res, "refused: %s; no safe moment within %.3g s "
				  "(--timeout)", x->blocker.what, s->o->timeout);
	if (rc < 0)
		return -1;
	return 0;
}

/* ---- apply --------------------------------------------------------------- */

/* How many places the switch writes (build_plan): the record's state
 * twice, every entry, and what replacing adds. The journal is laid out
 * for them. */
static size_t plan_size(const struct ns_apply_op *a)
{
	return (size_t)a->rec->nfuncs + 2 + ns_replace_nplaces(&a->rp);
}

static int refuse(struct ns_apply_op *a)
{
	(void)a;
	return 0;
}

static int read_entries(struct ns_apply_op *a)
{
	(void)a;   /* build_plan reads them, right before the switch is planned */
	return 0;
}

/* The commit gate and its journal. */
static void extra_sizes(const struct ns_apply_op *a, size_t *code, size_t *data)
{
	ns_gate_code(code);
	*data = NS_GATE_JOURNAL_SIZE(plan_size(a));
}

/* The commit gate's code and journal, in the image and in the record (so
 * that revert finds them). */
static void place_gate(struct ns_apply_op *a)
{
	size_t len;
	const uint8_t *code = ns_gate_code(&len);

	memcpy(a->img.buf + a->img.gate_off, code, len);
	a->rec->gate = a->img.base + a->img.gate_off;
	a->rec->journal = a->img.base + a->img.journal_off;
	a->rec->journal_cap = NS_GATE_JOURNAL_SIZE(plan_size(a));
}

/* The places the switch writes, in order: the record APPLYING, the entry
 * jumps (over what is there now: the program's entry, or an earlier
 * patch's jump), what replacing adds, the record APPLIED. The record is
 * never LOADED (which a later nonstop would sweep away) while a jump to its
 * code is in place. */
static int build_plan(struct ns_apply_op *a)
{
	struct ns_op_result *res = a->s.res;
	struct ns_rec_step begin, commit;

	ns_plan_free(&a->plan);   /* of an earlier placement (apply.c) */
	if (ns_rec_move_begin(a->rec->state, a->img.base, &begin, &res->err) < 0 ||
	    ns_rec_move_commit(begin.to, a->img.base, &commit, &res->err) < 0)
		return -1;
	if (ns_plan_init(&a->plan, plan_size(a)) < 0)
		return ns_op_fail(res, "out of memory");
	if (ns_plan_add_step(&a->plan, &begin) < 0)
		goto full;
	for (uint32_t i = 0; i < a->rec->nfuncs; i++) {
		struct ns_rec_func *f = &a->rec->funcs[i];
		uint8_t jmp[NS_JMP_LEN], now[NS_JMP_LEN];

		if (ns_redirect_encode(f->old_addr, f->new_addr, jmp) < 0)
			return ns_op_fail(res, "function %s: new code out of reach",
					  f->name);
		if (ns_mem_read(a->s.tr.mem_fd, f->old_addr, now, NS_JMP_LEN) < 0)
			return ns_op_fail(res, "function %s: cannot read it in "
					  "process %d: %s", f->name, (int)a->s.o->pid,
					  strerror(errno));
		if (ns_plan_add(&a->plan, f->old_addr, now, jmp, NS_JMP_LEN) < 0)
			goto full;
	}
	if (ns_replace_add_places(&a->rp, &a->plan, &res->err) < 0)
		return -1;
	if (ns_plan_add_step(&a->plan, &commit) < 0)
		goto full;
	return 0;
full:
	return ns_op_fail(res, "internal error: the switch has more places "
			  "than its journal");
}

static int place(struct ns_apply_op *a)
{
	place_gate(a);
	return build_plan(a);
}

/* Every thread is stopped and none is in the old functions: writes the
 * plan (undone on a failed write). */
static int commit_apply(void *arg, struct ns_err *err)
{
	struct ns_apply_op *a = arg;

	if (ns_plan_write(&a->plan, a->s.tr.mem_fd) < 0) {
		ns_err_set(err, "cannot write to process %d: %s",
			 (int)a->s.tr.pid, strerror(errno));
		return -1;
	}
	return 0;
}

/* The ranges of busy_ranges() into OUT (NULL: only counted); how many. A
 * function may match several record entries (an alias of it, one name of
 * two at one address, is replaced as well), so they are counted, not
 * bounded by the records' sizes. */
static size_t fill_busy(const struct ns_apply_op *a, struct ns_range *out)
{
	const struct ns_registry *reg = &a->s.reg;
	size_t k = 0;

	for (uint32_t i = 0; i < a->rec->nfuncs; i++) {
		const struct ns_rec_func *f = &a->rec->funcs[i];

		if (out)
			out[k] = (struct ns_range) { f->old_addr, f->old_addr + f->old_size,
						     f->name };
		k++;
		for (size_t r = 0; r < reg->n; r++) {
			const struct ns_rec *o = reg->v[r].rec;

			if (o->state != NS_REC_APPLIED)
				continue;
			for (uint32_t j = 0; j < o->nfuncs; j++) {
				if (o->funcs[j].old_addr != f->old_addr)
					continue;
				if (out)
					out[k] = (struct ns_range) { o->funcs[j].new_addr,
						o->funcs[j].new_addr + o->funcs[j].new_size,
						f->name };
				k++;
			}
		}
	}
	return k;
}

/* The code no thread may be in, or return into, during the switch: each
 * replaced function's own bytes, the copy of it that every applied patch
 * redirecting it brought (a thread returning into an earlier patch's copy
 * would mix versions as one returning into the original would; the
 * safety check unwinds through patches' frames, and names such a frame by
 * its patch), and what replacing adds. */
static int busy_ranges(struct ns_apply_op *a, size_t *n)
{
	size_t k = fill_busy(a, NULL);

	a->busy = calloc(k + ns_replace_nbusy(&a->rp) + 1, sizeof(*a->busy));
	if (!a->busy)
		return -1;
	k = fill_busy(a, a->busy);
	ns_replace_busy(&a->rp, a->busy + k);
	*n = k + ns_replace_nbusy(&a->rp);
	return 0;
}

/* Every thread stopped, none in a function that uses a transformed
 * variable: fills the new variables from the live ones. */
static int transform(void *arg, struct ns_err *err)
{
	struct ns_apply_op *a = arg;
	int let_go;

	(void)err;   /* the tracee's: ns_xform_run reports there */
	return ns_xform_run(&a->s.tr, &a->gadgets, a->img.base, a->rec,
			    (const struct ns_rec_xform *)(a->img.buf + a->xform_off),
			    a->nxforms, 0, a->s.o->timeout, &let_go);
}

static int apply_switch(struct ns_apply_op *a)
{
	struct ns_transition x = {
		.tr = &a->s.tr, .timeout = a->s.o->timeout, .safety = a->s.safety,
		.commit = commit_apply, .arg = a,
		.before_commit = a->nxforms ? transform : NULL,
	};
	struct ns_gate gate = {
		.code = a->rec->gate, .journal = a->rec->journal,
		.n = (uint32_t)a->plan.n,
	};

	if (busy_ranges(a, &x.nbusy) < 0)
		return ns_op_fail(a->s.res, "out of memory");
	x.busy = a->busy;
	gate.e = a->undo = ns_plan_undo(&a->plan);
	if (!gate.e)
		return ns_op_fail(a->s.res, "out of memory");
	x.gate = &gate;
	if (run(&a->s, &x) < 0)
		return -1;
	a->mapped = false; /* it stays: it is applied */
	return 0;
}

/* The switch let go of every thread: they are taken again, to choose the
 * one the hook runs on. */
static int hook_threads(struct ns_apply_op *a)
{
	struct ns_err *err = &a->s.res->err;

	if (retake(&a->s, true) < 0) {
		ns_err_wrap(err, "cannot run the post-apply hook");
		return 1;
	}
	if (ns_rec_recheck(a->s.tr.mem_fd, a->s.o->pid, a->rec, NS_REC_APPLIED,
			   err) < 0)
		return ns_err_replace(err, "patch '%s' is applied, but its "
				      "post-apply hook was not run: %.800s",
				      a->patch.name, ns_err_msg(err));
	return 0;
}

/* ---- revert -------------------------------------------------------------- */

/* Every thread stopped, none in the patch: the record REVERTING, the
 * entries restored (undone on a failed write). */
static int commit_revert(void *arg, struct ns_err *err)
{
	struct ns_revert_op *r = arg;
	struct ns_rec *rec = r->e->rec;
	int fd = r->s.tr.mem_fd;
	uint32_t i;

	if (ns_rec_step_write(fd, &r->step) < 0)
		goto fail;
	for (i = 0; i < rec->nfuncs; i++)
		if (ns_mem_write(fd, rec->funcs[i].old_addr, rec->funcs[i].saved,
				 rec->funcs[i].saved_len) < 0)
			goto undo;
	return 0;
undo:
	while (i-- > 0) {
		uint8_t jmp[NS_JMP_LEN];
		ns_redirect_encode(rec->funcs[i].old_addr, rec->funcs[i].new_addr,
				   jmp);
		ns_mem_write(fd, rec->funcs[i].old_addr, jmp, NS_JMP_LEN);
	}
	ns_rec_step_undo(fd, &r->step);
fail:
	ns_err_set(err, "cannot write to process %d: %s",
		 (int)r->s.tr.pid, strerror(errno));
	return -1;
}

/* What the gate restores if nonstop dies during the switch: every entry
 * jump of this patch, and the record's state as it was. */
static struct ns_gate_entry *undo_plan(const struct ns_revert_op *r)
{
	const struct ns_rec *rec = r->e->rec;
	struct ns_gate_entry *e = calloc(rec->nfuncs + 1, sizeof(*e));
	uint32_t i;

	if (!e)
		return NULL;
	for (i = 0; i < rec->nfuncs; i++) {
		e[i].addr = rec->funcs[i].old_addr;
		e[i].len = NS_JMP_LEN;
		ns_redirect_encode(rec->funcs[i].old_addr, rec->funcs[i].new_addr,
				   e[i].bytes);
	}
	e[i].addr = r->step.addr;
	e[i].len = sizeof(r->step.back);
	memcpy(e[i].bytes, &r->step.back, sizeof(r->step.back));
	return e;
}

/* Every thread stopped, none in the patch: puts the state of the
 * transformed variables back into the program's. */
static int untransform(void *arg, struct ns_err *err)
{
	struct ns_revert_op *r = arg;
	int let_go;

	(void)err;   /* the tracee's: ns_xform_run reports there */
	return ns_xform_run(&r->s.tr, &r->gadgets, r->e->addr, r->e->rec,
			    r->xforms, r->e->rec->nxforms, 1, r->s.o->timeout,
			    &let_go);
}

/* The switch back. A record of an older nonstop may have no gate, or a
 * journal too small: then it runs without one. */
static int switch_back(struct ns_revert_op *r)
{
	struct ns_session *s = &r->s;
	struct ns_rec *rec = r->e->rec;
	struct ns_range busy = { rec->code_start, rec->code_end, NULL };
	char name[NS_NAME_MAX + 32];
	struct ns_transition x = {
		.tr = &s->tr, .timeout = s->o->timeout, .busy = &busy,
		.nbusy = 1, .commit = commit_revert, .arg = r,
		.before_commit = rec->nxforms ? untransform : NULL,
	};
	struct ns_gate gate = {
		.code = rec->gate, .journal = rec->journal, .n = rec->nfuncs + 1,
	};
	int rc;

	if (ns_rec_move_revert(rec->state, r->e->addr, &r->step, &s->res->err) < 0)
		return -1;
	snprintf(name, sizeof(name), "the code of patch '%s'", rec->name);
	busy.name = name;
	if (rec->gate && rec->journal_cap >= NS_GATE_JOURNAL_SIZE(gate.n)) {
		gate.e = r->undo = undo_plan(r);
		if (!gate.e)
			return ns_op_fail(s->res, "out of memory");
		x.gate = &gate;
	}
	if (prepare_unwind(s) < 0)
		return -1;
	x.safety = s->safety;
	rc = run(s, &x);
	/* Its threads are let go of: the next unwinder is made afresh. */
	ns_safety_free(s->safety);
	s->safety = NULL;
	return rc;
}

/* The post-revert hook, every thread back on the old code (the tracee
 * holding every thread: one is chosen to run it). Its failure is a
 * warning: the revert stands. -1 if it could not be run (the memory is
 * kept for the next nonstop, which runs it). */
static int post_revert(struct ns_revert_op *r)
{
	struct ns_op_result *res = r->s.res;
	struct ns_hook_run *run = &res->hooks[NS_HOOK_POST_REVERT - 1];
	char what[600];

	if (ns_hooks_post_revert(&r->s.tr, NULL, r->e->addr, r->s.o->timeout,
				 run) < 0)
		return ns_err_replace(&res->err, "patch '%s' is reverted, but "
				      "%.800s", r->e->rec->name,
				      ns_err_msg(&res->err));
	if (run->kind && run->ret) {
		ns_hook_describe(run, what, sizeof(what));
		snprintf(res->warn, sizeof(res->warn), "patch '%s' is "
			 "reverted, but %s", r->e->rec->name, what);
	}
	return 0;
}

/* Removes the patch's mapping: the leader alone is taken, and borrowed
 * for the munmap — unless a post-revert hook is to run: then every
 * thread, to choose one. */
static int release(struct ns_revert_op *r)
{
	struct ns_session *s = &r->s;
	struct ns_rec *rec = r->e->rec;
	bool hooks = ns_rec_hooks(rec) != NULL;
	struct ns_err *err = &s->res->err;

	if (retake(s, hooks) < 0)
		return ns_err_replace(err, "patch '%s' is reverted, but its memory "
				      "could not be released: %.800s", rec->name,
				      ns_err_msg(err));
	if (ns_rec_recheck(s->tr.mem_fd, s->o->pid, rec, NS_REC_REVERTING,
			   err) < 0)
		return ns_err_replace(err, "patch '%s' is reverted, but %.900s",
				      rec->name, ns_err_msg(err));
	if (hooks && post_revert(r) < 0)
		return -1;
	return ns_mapping_remove(&s->tr, rec->base, rec->size, &r->gadgets, false);
}

const struct ns_mode ns_mode_stop = {
	.rec_mode = NS_MODE_STOP,
	.attach = attach,
	.check_syscalls = check_syscalls,
	.refuse = refuse,
	.read_entries = read_entries,
	.extra_sizes = extra_sizes,
	.place = place,
	.prepare_unwind = prepare_unwind,
	.apply_switch = apply_switch,
	.hook_threads = hook_threads,
	.switch_back = switch_back,
	.release = release,
};
