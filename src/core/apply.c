/* apply.c — applying a patch to a live process, all or nothing.
 *
 * Order matters: everything that can be checked without touching the target
 * is checked first (patch file, build-id, bytes of every replaced function,
 * symbol resolution, placement); then the patch is mapped beside the
 * running code while the program runs (one thread is borrowed briefly for
 * the system calls); then the stop-the-world transition writes the entry
 * jumps. Any failure before the jumps unmaps the patch: the target is as it
 * was. With --replace, the same switch also takes out every patch applied
 * to the module (core/replace.c plans it), whose memory is then released. */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "core/frames.h"
#include "core/hooks.h"
#include "core/lock.h"
#include "core/mapping.h"
#include "core/pt.h"
#include "core/recheck.h"
#include "core/replace.h"
#include "core/shadow_map.h"
#include "core/syscalls.h"
#include "core/unwind.h"
#include "core/verify.h"
#include "core/xform.h"
#include "link/link.h"
#include "link/shadow_root.h"
#include "link/target.h"
#include "patch/patch.h"
#include "patch/patch_trust.h"
#include "proc/mem.h"
#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/rec_state.h"
#include "registry/registry.h"
#include "transition/gate.h"
#include "transition/plan.h"
#include "transition/redirect.h"
#include "transition/transition.h"
#include "util/checksum.h"
#include "util/sched.h"

#define REACH (1ULL << 31)

struct apply {
	const struct ns_op_opts *o;
	struct ns_op_result *res;
	struct ns_patch patch;
	struct ns_target target;
	struct ns_module *mod;
	struct ns_tracee tr;
	struct ns_registry reg;
	struct ns_image img;
	struct ns_rec *rec;
	struct ns_range *busy;
	struct ns_gate_entry *undo;
	struct ns_safety *safety;
	struct ns_plan plan;
	struct ns_replace rp;         /* --replace: what it takes out */
	struct ns_rt_handle rt;       /* libnonstop in the target, if any */
	bool pt;                      /* the per-thread mode (core/pt.h) */
	bool mapped;
	bool loaded;                  /* the patch was mapped (it may run) */
	bool shadow_created;          /* this apply made the process's
					 shadow-variable root (core/shadow_map.h) */
	/* State transformers (core/xform.h): their table in the image, and
	 * the gadgets the thread that runs them is borrowed with. */
	uint32_t nxforms;
	size_t xform_off;
	struct ns_gadgets gadgets;
};

/* The module the patch is for: built for its binary, or on top of the
 * version its last patch produced; with --replace, only the binary itself
 * (core/verify.c). */
static int find_module(struct apply *a)
{
	if (a->o->replace)
		a->mod = ns_verify_module_original(&a->patch, &a->target, &a->reg,
						   a->o->pid, a->res->err,
						   sizeof(a->res->err));
	else
		a->mod = ns_verify_module(&a->patch, &a->target, &a->reg, a->o->pid,
					  a->res->err, sizeof(a->res->err));
	return a->mod ? 0 : -1;
}

/* Checks every replaced function against the code the target runs for it
 * now (core/verify.c) and fills the record's function table. */
static int verify_functions(struct apply *a)
{
	return ns_verify_patch(&a->patch, a->mod, &a->reg, a->o->replace,
			       a->tr.mem_fd, a->o->pid,
			       a->rec, a->res->err, sizeof(a->res->err));
}

static int check_not_applied(struct apply *a)
{
	for (size_t i = 0; i < a->reg.n; i++) {
		struct ns_rec *r = a->reg.v[i].rec;
		if (!strcmp(r->name, a->patch.name) || r->patch_id == a->patch.id)
			return ns_op_fail(a->res, "patch '%s' is already applied to process "
				    "%d", r->name, (int)a->o->pid);
	}
	return 0;
}

/* Chooses where the patch goes: within 2 GiB of every byte of the module
 * (and below 2 GiB for a non-PIE executable, whose code may use 32-bit
 * absolute addresses). */
static int place(struct apply *a, uint64_t *base)
{
	uint64_t lo = 0, hi, size = a->img.size;
	struct ns_maps maps;
	int rc;

	if (a->mod->end > REACH)
		lo = a->mod->end - REACH + 4096;
	hi = a->mod->start + REACH - 4096;
	if (a->mod->is_exec && hi > 0x7fff0000ULL)
		hi = 0x7fff0000ULL;
	if (ns_maps_read(a->o->pid, &maps) < 0)
		return ns_op_fail(a->res, "cannot read the maps of process %d", (int)a->o->pid);
	rc = ns_maps_find_hole(&maps, lo, hi, size, a->mod->end, base);
	ns_maps_free(&maps);
	if (rc < 0)
		return ns_op_fail(a->res, "no free address range of %llu bytes within reach "
			    "of %s in process %d", (unsigned long long)size,
			    a->mod->path, (int)a->o->pid);
	return 0;
}

static int build_record(struct apply *a)
{
	uint32_t n = 0;

	for (size_t i = 0; i < a->patch.nentries; i++)
		n += a->patch.entries[i].kind == NS_ENTRY_REPLACE;
	/* A patch with hooks has a version 4 record: its hooks block. */
	a->rec = calloc(1, ns_rec_full_size(n, ns_unwind_nsyms(&a->patch)) +
			(ns_hooks_any(&a->patch) ? sizeof(struct ns_rec_hooks) : 0));
	if (!a->rec)
		return ns_op_fail(a->res, "out of memory");
	memcpy(a->rec->magic, ns_hooks_any(&a->patch) ? NS_REC_MAGIC_V4
						     : NS_REC_MAGIC, 8);
	a->rec->nfuncs = n;
	a->rec->nsyms = ns_unwind_nsyms(&a->patch);
	if (ns_rec_move_load(a->rec, a->res->err, sizeof(a->res->err)) < 0)
		return -1;
	a->rec->seq = a->reg.n ? a->reg.v[a->reg.n - 1].rec->seq + 1 : 1;
	a->rec->patch_id = a->patch.id;
	a->rec->applied_at = (uint64_t)time(NULL);
	snprintf(a->rec->name, sizeof(a->rec->name), "%s", a->patch.name);
	/* The version this patch turns the module into, for patches built on
	 * top of it (0: not recorded). */
	memcpy(a->rec->result_build_id, a->patch.result_build_id,
	       a->patch.result_build_id_len);
	a->rec->result_build_id_len = a->patch.result_build_id_len;
	return 0;
}

/* After relocation: where each new function is, and the record in the
 * image's first bytes. */
static void finish_record(struct apply *a)
{
	size_t k = 0;

	for (size_t i = 0; i < a->patch.nentries; i++) {
		const struct ns_entry *e = &a->patch.entries[i];
		if (e->kind != NS_ENTRY_REPLACE)
			continue;
		a->rec->funcs[k].new_addr = ns_link_sym_addr(&a->img, e->sym);
		a->rec->funcs[k].new_size = a->patch.syms[e->sym].size;
		k++;
	}
	a->rec->base = a->img.base;
	a->rec->size = a->img.size;
	a->rec->code_start = a->img.base + a->img.text_off;
	a->rec->code_end = a->rec->code_start + a->img.text;
	ns_unwind_record(a->rec, &a->patch, &a->img);
	ns_hooks_record(a->rec, &a->patch, &a->img);
	memcpy(a->img.buf, a->rec, ns_rec_total_size(a->rec));
}

/* Names the patches to replace in the result (now: once switched, nothing
 * may fail). */
static int report_replaced(struct apply *a)
{
	struct ns_op_result *res = a->res;

	res->nrestored = a->rp.nrestore;
	if (!a->rp.nold)
		return 0;
	res->replaced = calloc(a->rp.nold, sizeof(*res->replaced));
	if (!res->replaced)
		return ns_op_fail(res, "out of memory");
	for (size_t i = 0; i < a->rp.nold; i++)
		snprintf(res->replaced[i], sizeof(res->replaced[i]), "%s",
			 a->rp.old[i]->rec->name);
	res->nreplaced = a->rp.nold;
	return 0;
}

/* With --replace: the patches replaced and the functions restored; none
 * of them may have hooks (their pre- and post-revert hooks would not
 * run). */
static int plan_replace(struct apply *a)
{
	if (!a->o->replace)
		return 0;
	if (ns_replace_plan(&a->rp, &a->reg, a->mod, a->rec, &a->tr,
			    a->res->err, sizeof(a->res->err)) < 0)
		return -1;
	for (size_t i = 0; i < a->rp.nold; i++)
		if (ns_rec_hooks(a->rp.old[i]->rec))
			return ns_op_fail(a->res, "patch '%s' has hooks, which "
					  "--replace would not run: revert it first",
					  a->rp.old[i]->rec->name);
	return report_replaced(a);
}

/* How many places the switch writes (build_plan): the record's state
 * twice, every entry, and what replacing adds. The journal is laid out
 * for them. */
static size_t plan_size(const struct apply *a)
{
	return (size_t)a->rec->nfuncs + 2 + ns_replace_nplaces(&a->rp);
}

/* The commit gate's code and journal, in the image and in the record (so
 * that revert finds them). */
static void place_gate(struct apply *a)
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
static int build_plan(struct apply *a)
{
	struct ns_rec_step begin, commit;

	if (ns_rec_move_begin(a->rec->state, a->img.base, &begin, a->res->err,
			      sizeof(a->res->err)) < 0 ||
	    ns_rec_move_commit(begin.to, a->img.base, &commit, a->res->err,
			       sizeof(a->res->err)) < 0)
		return -1;
	if (ns_plan_init(&a->plan, plan_size(a)) < 0)
		return ns_op_fail(a->res, "out of memory");
	if (ns_plan_add_step(&a->plan, &begin) < 0)
		goto full;
	for (uint32_t i = 0; i < a->rec->nfuncs; i++) {
		struct ns_rec_func *f = &a->rec->funcs[i];
		uint8_t jmp[NS_JMP_LEN], now[NS_JMP_LEN];

		if (ns_redirect_encode(f->old_addr, f->new_addr, jmp) < 0)
			return ns_op_fail(a->res, "function %s: new code out of reach",
					  f->name);
		if (ns_mem_read(a->tr.mem_fd, f->old_addr, now, NS_JMP_LEN) < 0)
			return ns_op_fail(a->res, "function %s: cannot read it in "
					  "process %d: %s", f->name, (int)a->o->pid,
					  strerror(errno));
		if (ns_plan_add(&a->plan, f->old_addr, now, jmp, NS_JMP_LEN) < 0)
			goto full;
	}
	if (ns_replace_add_places(&a->rp, &a->plan, a->res->err,
				  sizeof(a->res->err)) < 0)
		return -1;
	if (ns_plan_add_step(&a->plan, &commit) < 0)
		goto full;
	return 0;
full:
	return ns_op_fail(a->res, "internal error: the switch has more places "
			  "than its journal");
}

/* The extra code and data the image carries beside the patch: the commit
 * gate and its journal, or in the per-thread mode the dispatchers and the
 * data of the transition. */
static void extra_sizes(const struct apply *a, size_t *code, size_t *data)
{
	if (a->pt) {
		*code = ns_pt_code_size(a->rec->nfuncs);
		*data = ns_pt_data_size(a->rec->nfuncs);
		return;
	}
	ns_gate_code(code);
	*data = NS_GATE_JOURNAL_SIZE(plan_size(a));
}

/* One mode per process; --replace is stop-the-world only. A patch with
 * hooks is not taken with --replace (the replaced patches' revert hooks
 * would not run, nor could its own post-apply failure give them back) nor
 * left pending (its post-apply hook runs once every thread has switched). */
static int check_mode(struct apply *a)
{
	if (ns_pt_check_mode(&a->reg, a->pt ? NS_MODE_PER_THREAD : NS_MODE_STOP,
			     a->o->pid, a->res->err, sizeof(a->res->err)) < 0)
		return -1;
	if (a->pt && a->o->replace)
		return ns_op_fail(a->res, "--replace works in stop-the-world mode "
				  "only (add --mode stop)");
	if (ns_hooks_any(&a->patch) && a->o->replace)
		return ns_op_fail(a->res, "patch '%s' has hooks, which --replace "
				  "does not run: apply it without --replace",
				  a->patch.name);
	if (ns_hooks_any(&a->patch) && a->pt && a->o->leave_pending)
		return ns_op_fail(a->res, "patch '%s' has hooks: --leave-pending "
				  "cannot be used (its post-apply hook runs once "
				  "every thread has switched)", a->patch.name);
	return 0;
}

/* A patch that transforms data: stop-the-world only (in the per-thread
 * mode, threads on the old view would go on using the old variable while
 * others use the new one), and not with --replace; nothing applied may be
 * taken out by --replace if it transformed data. */
static int check_xforms(struct apply *a)
{
	a->nxforms = ns_xform_count(&a->patch);
	if (a->o->replace && ns_xform_check_replace(&a->reg, a->res->err,
						    sizeof(a->res->err)) < 0)
		return -1;
	if (!a->nxforms)
		return 0;
	if (a->pt)
		return ns_op_fail(a->res, "patch '%s' transforms data (state "
				  "transformers), which the per-thread mode cannot "
				  "do (threads would see two copies): add --mode stop",
				  a->patch.name);
	if (a->o->replace)
		return ns_op_fail(a->res, "patch '%s' transforms data: --replace "
				  "cannot apply it (apply it on its own)", a->patch.name);
	return 0;
}

/* Per-thread: every replaced function's entry must be patchable. */
static int read_sites(struct apply *a)
{
	if (!a->pt)
		return 0;
	return ns_pt_read_sites(a->rec, &a->reg, a->tr.mem_fd, a->res->err,
				sizeof(a->res->err));
}

/* A patch that uses shadow variables binds to the process's root: the
 * program's own, or nonstop's mapping, made now if there is none. */
static int bind_shadow_root(struct apply *a)
{
	if (!ns_link_needs_shadow_root(&a->patch))
		return 0;
	return ns_shadow_root_get(&a->tr, &a->target, a->mod,
				  &a->img.shadow_root, &a->shadow_created,
				  a->res->err, sizeof(a->res->err));
}

static int prepare(struct apply *a)
{
	uint64_t base;
	size_t code, data;

	if (check_mode(a) < 0 || check_xforms(a) < 0 || find_module(a) < 0 ||
	    check_not_applied(a) < 0 || build_record(a) < 0 ||
	    verify_functions(a) < 0 || read_sites(a) < 0 || plan_replace(a) < 0)
		return -1;
	extra_sizes(a, &code, &data);
	/* The table of transformers follows the record (hooks block
	 * included), in its pages. */
	a->xform_off = (ns_rec_total_size(a->rec) + 7) & ~(size_t)7;
	if (ns_link_layout(&a->patch, a->xform_off + ns_xform_table_size(&a->patch),
			   code, data, &a->img, a->res->err, sizeof(a->res->err)) < 0 ||
	    bind_shadow_root(a) < 0 ||
	    ns_link_resolve(&a->patch, &a->target, a->mod, a->tr.mem_fd,
			    &a->img, a->res->err, sizeof(a->res->err)) < 0 ||
	    ns_xform_check_stack(&a->patch, &a->img, &a->reg, a->tr.mem_fd,
				 a->res->err, sizeof(a->res->err)) < 0)
		return -1;
	if (place(a, &base) < 0 ||
	    ns_link_relocate(&a->patch, &a->img, base, a->res->err,
			     sizeof(a->res->err)) < 0 ||
	    ns_xform_place(&a->patch, a->mod, &a->img, a->xform_off, a->rec,
			   a->res->err, sizeof(a->res->err)) < 0)
		return -1;
	if (a->nxforms && ns_remote_find_gadgets(&a->tr, &a->gadgets) < 0)
		return ns_op_fail(a->res, "%s", a->tr.err);
	if (a->pt) {
		finish_record(a);
		if (ns_pt_place(a->rec, &a->img, a->img.gate_off,
				a->img.journal_off, a->rt.blk.view_tpoff,
				a->res->err, sizeof(a->res->err)) < 0)
			return -1;
		finish_record(a);
		ns_pt_loop_note(&a->patch, a->res->note, sizeof(a->res->note));
		return 0;
	}
	place_gate(a);
	finish_record(a);
	return build_plan(a);
}

/* Every thread is stopped and none is in the old functions: writes the
 * plan (undone on a failed write). */
static int commit(void *arg, char *err, size_t errlen)
{
	struct apply *a = arg;

	if (ns_plan_write(&a->plan, a->tr.mem_fd) < 0) {
		snprintf(err, errlen, "cannot write to process %d: %s",
			 (int)a->tr.pid, strerror(errno));
		return -1;
	}
	return 0;
}

/* The code no thread may be in, or return into, during the switch: each
 * replaced function's own bytes, the copy of it that every applied patch
 * redirecting it brought (a thread returning into an earlier patch's copy
 * would mix versions as one returning into the original would; the
 * safety check unwinds through patches' frames, and names such a frame by
 * its patch), and what replacing adds. */
static int busy_ranges(struct apply *a, size_t *n)
{
	size_t cap = a->rec->nfuncs + ns_replace_nbusy(&a->rp) + 1, k = 0;

	for (size_t r = 0; r < a->reg.n; r++)
		cap += a->reg.v[r].rec->nfuncs;
	a->busy = calloc(cap, sizeof(*a->busy));
	if (!a->busy)
		return -1;
	for (uint32_t i = 0; i < a->rec->nfuncs; i++) {
		const struct ns_rec_func *f = &a->rec->funcs[i];

		a->busy[k++] = (struct ns_range) { f->old_addr,
			f->old_addr + f->old_size, f->name };
		for (size_t r = 0; r < a->reg.n; r++) {
			const struct ns_rec *o = a->reg.v[r].rec;

			if (o->state != NS_REC_APPLIED)
				continue;
			for (uint32_t j = 0; j < o->nfuncs; j++)
				if (o->funcs[j].old_addr == f->old_addr)
					a->busy[k++] = (struct ns_range) {
						o->funcs[j].new_addr,
						o->funcs[j].new_addr + o->funcs[j].new_size,
						f->name };
		}
	}
	ns_replace_busy(&a->rp, a->busy + k);
	*n = k + ns_replace_nbusy(&a->rp);
	return 0;
}

/* Every thread stopped, none in a function that uses a transformed
 * variable: fills the new variables from the live ones. */
static int transform(void *arg, char *err, size_t errlen)
{
	struct apply *a = arg;
	int let_go;

	return ns_xform_run(&a->tr, &a->gadgets, a->img.base, a->rec,
			    (const struct ns_rec_xform *)(a->img.buf + a->xform_off),
			    a->nxforms, 0, a->o->timeout, &let_go, err, errlen);
}

static int switch_code(struct apply *a)
{
	struct ns_transition x = {
		.tr = &a->tr, .timeout = a->o->timeout,
		.commit = commit, .arg = a,
		.before_commit = a->nxforms ? transform : NULL,
	};
	struct ns_gate gate = {
		.code = a->rec->gate, .journal = a->rec->journal,
		.n = (uint32_t)a->plan.n,
	};
	int rc;

	if (busy_ranges(a, &x.nbusy) < 0)
		return ns_op_fail(a->res, "out of memory");
	x.busy = a->busy;
	x.safety = a->safety;
	gate.e = a->undo = ns_plan_undo(&a->plan);
	if (!gate.e)
		return ns_op_fail(a->res, "out of memory");
	x.gate = &gate;
	rc = ns_transition_run(&x);
	a->res->pause_ns = x.pause_ns;
	a->res->max_pause_ns = x.max_pause_ns;
	a->res->attempts = x.attempts;
	memcpy(a->res->phase_ns, x.phase_ns, sizeof(x.phase_ns));
	a->res->threads = x.threads;
	if (rc == 1)
		return ns_op_fail(a->res, "refused: %s; no safe moment within %.3g s "
			    "(--timeout)", x.blocker.what, a->o->timeout);
	if (rc < 0)
		return ns_op_fail(a->res, "%s", x.err);
	return 0;
}

/* The per-thread switch (core/pt_apply.c): no thread is stopped but the
 * runtime's own, which the tracee holds alone. */
static int switch_per_thread(struct apply *a)
{
	bool live;
	int rc = ns_pt_apply_switch(a->o, &a->tr, NULL, &a->rt, &a->reg, a->rec,
				    a->img.base, a->res, &live);

	a->mapped = !live;
	a->res->stopped_tid = (int)a->rt.blk.tid;
	return rc;
}

/* Which mode: per-thread if the target runs libnonstop (unless --mode
 * stop), which --mode per-thread requires. */
static int choose_mode(struct apply *a)
{
	int fd = ns_op_mem_open(a->o->pid, a->res), found;

	if (fd < 0)
		return -1;
	if (ns_target_open(&a->target, a->o->pid, a->res->err,
			   sizeof(a->res->err)) < 0) {
		close(fd);
		return -1;
	}
	found = a->o->mode == NS_OPT_MODE_STOP ? 0 :
		ns_rt_find(&a->target, fd, &a->rt, a->res->err,
			   sizeof(a->res->err));
	close(fd);
	if (found < 0)
		return -1;
	if (!found && a->o->mode == NS_OPT_MODE_PER_THREAD)
		return ns_op_fail(a->res, "process %d does not run libnonstop, "
				  "which the per-thread mode needs (link the "
				  "program with -lnonstop, or start it with "
				  "LD_PRELOAD=libnonstop.so)", (int)a->o->pid);
	a->pt = found == 1;
	a->res->mode = a->pt ? NS_MODE_PER_THREAD : NS_MODE_STOP;
	if (a->pt)
		ns_sched_background();
	return 0;
}

static int attach(struct apply *a)
{
	int rc = a->pt ? ns_tracee_attach_thread(&a->tr, a->o->pid,
						 (pid_t)a->rt.blk.tid)
		       : ns_tracee_attach(&a->tr, a->o->pid);

	return rc < 0 ? ns_op_fail(a->res, "%s", a->tr.err) : 0;
}

/* Before anything changes: the seccomp filters of the threads that will
 * run them let every system call of the patch's life through
 * (core/syscalls.h). */
static int check_syscalls(struct apply *a)
{
	return ns_syscalls_check(&a->tr, a->pt ? &a->rt : NULL, a->res->err,
				 sizeof(a->res->err));
}

/* ---- hooks ---------------------------------------------------------------- */

/* The pre-apply hook, the patch mapped and nothing switched: a non-zero
 * return vetoes the patch (the caller removes it). */
static int pre_apply(struct apply *a)
{
	struct ns_hook_run *run = &a->res->hooks[NS_HOOK_PRE_APPLY - 1];
	char err[sizeof(a->res->err)], what[sizeof(a->res->err)];
	int rc;

	rc = ns_hook_run(&a->tr, a->safety, a->img.base, NS_HOOK_PRE_APPLY,
			 a->o->timeout, run, err, sizeof(err));
	if (rc < 0)
		return ns_op_fail(a->res, "%s", err);
	if (rc == 1 || !run->ret)
		return 0;
	ns_hook_describe(run, what, sizeof(what));
	return ns_op_fail(a->res, "refused: %.900s", what);
}

/* Appends "; TEXT" to the one line of a failure. */
static void add_to_err(struct ns_op_result *res, const char *text)
{
	size_t n = strlen(res->err);

	snprintf(res->err + n, sizeof(res->err) - n, "; %s", text);
}

/* A failed apply whose memory goes: its post-revert hook first if its
 * pre-apply hook had succeeded (what it did is said). A hook still
 * running keeps the memory (the failure already says so). */
static void undo_pre_apply(struct apply *a)
{
	struct ns_hook_run *run = &a->res->hooks[NS_HOOK_POST_REVERT - 1];
	char err[512], what[512];

	if (!a->mapped || a->tr.exited || !ns_hooks_any(&a->patch) ||
	    ns_hooks_idle(&a->tr, a->img.base, err, sizeof(err)) < 0)
		return;
	if (ns_hooks_post_revert(&a->tr, NULL, a->img.base, a->o->timeout, run,
			     err, sizeof(err)) < 0) {
		add_to_err(a->res, err);
		return;
	}
	if (run->kind) {
		ns_hook_describe(run, what, sizeof(what));
		add_to_err(a->res, what);
	}
}

/* A post-apply hook that failed: the patch is reverted as `nonstop revert`
 * would (its pre-revert hook, the pair of the failed one, is not run; its
 * post-revert hook is). WHY is the first part of the one line. */
static int roll_back(struct apply *a, const char *why)
{
	struct ns_op_result *rb = calloc(1, sizeof(*rb));
	struct ns_op_opts o = *a->o;

	if (!rb)
		return ns_op_fail(a->res, "%.900s; out of memory: the patch stays "
				  "applied", why);
	ns_tracee_close(&a->tr);   /* the revert takes the process */
	o.locked = true;           /* under this apply's lock */
	if (ns_revert(&o, a->rec->name, rb) != 0) {
		ns_op_fail(a->res, "%.400s; rolling the patch back failed: %.500s",
			   why, rb->err);
	} else {
		a->res->hooks[NS_HOOK_POST_REVERT - 1] =
			rb->hooks[NS_HOOK_POST_REVERT - 1];
		ns_op_fail(a->res, "%.900s; the patch was rolled back%s", why,
			   rb->retiring ? " (its memory is kept until no thread "
			   "can be in it)" : "");
		if (rb->warn[0])   /* its post-revert hook failed */
			add_to_err(a->res, rb->warn);
	}
	ns_op_result_free(rb);
	free(rb);
	return -1;
}

/* The post-apply hook, every thread on the new code (in stop-the-world
 * mode the switch let go of the threads: they are taken again, to choose
 * one). Non-zero: rolled back. Still running when the time is up: the
 * patch stays applied (exit 1, said). */
static int post_apply(struct apply *a)
{
	struct ns_hook_run *run = &a->res->hooks[NS_HOOK_POST_APPLY - 1];
	char err[sizeof(a->res->err)], what[sizeof(a->res->err)];
	int rc;

	if (!a->patch.hooks[NS_HOOK_POST_APPLY - 1])
		return 0;
	if (!a->pt) {
		ns_tracee_close(&a->tr);
		if (ns_tracee_attach(&a->tr, a->o->pid) < 0) {
			snprintf(err, sizeof(err), "cannot run the post-apply hook: %s",
				 a->tr.err);
			return roll_back(a, err);
		}
		if (ns_rec_recheck(a->tr.mem_fd, a->o->pid, a->rec, NS_REC_APPLIED,
				   err, sizeof(err)) < 0)
			return ns_op_fail(a->res, "patch '%s' is applied, but its "
					  "post-apply hook was not run: %.800s",
					  a->patch.name, err);
	}
	rc = ns_hook_run(&a->tr, NULL, a->img.base, NS_HOOK_POST_APPLY,
			 a->o->timeout, run, err, sizeof(err));
	if (rc == 1 || (rc == 0 && !run->ret))
		return 0;
	if (rc < 0 && ns_hooks_idle(&a->tr, a->img.base, what, sizeof(what)) < 0)
		return ns_op_fail(a->res, "patch '%s' is applied, but %.900s",
				  a->patch.name, err);
	if (rc == 0)
		ns_hook_describe(run, err, sizeof(err));
	return roll_back(a, err);
}

/* ---- end of hooks ---------------------------------------------------------- */

static void cleanup(struct apply *a)
{
	char err[256];

	if (a->mapped && !a->tr.exited)
		ns_mapping_remove(&a->tr, a->img.base, a->img.size, NULL, false,
				  err, sizeof(err));
	/* A failed apply that made the shadow-variable root takes it back
	 * if none of the patch's code can have used it: never mapped, or
	 * taken out again (not a per-thread patch left live). */
	if (a->shadow_created && (!a->loaded || a->mapped) && !a->tr.exited)
		ns_shadow_root_drop_unused(&a->tr, a->img.shadow_root);
	ns_safety_free(a->safety);
	ns_tracee_close(&a->tr);
	free(a->busy);
	free(a->undo);
	ns_plan_free(&a->plan);
	ns_replace_free(&a->rp);
	free(a->rec);
	ns_image_free(&a->img);
	ns_registry_free(&a->reg);
	ns_target_close(&a->target);
	ns_patch_free(&a->patch);
}

int ns_apply(const struct ns_op_opts *o, const char *patch_path,
	     struct ns_op_result *res)
{
	struct apply a = { .o = o, .res = res };
	struct ns_lock lock = NS_LOCK_INIT;
	int rc = 1;

	memset(res, 0, sizeof(*res));
	a.tr.mem_fd = -1;
	if (ns_patch_load(patch_path, &a.patch, res->err, sizeof(res->err)) < 0 ||
	    ns_trust_check(&a.patch, res->err, sizeof(res->err)) < 0)
		goto out;
	snprintf(res->name, sizeof(res->name), "%s", a.patch.name);
	if (kill(o->pid, 0) < 0 && errno == ESRCH) {
		ns_op_fail(res, "no process %d", (int)o->pid);
		goto out;
	}
	if (!o->locked && ns_lock_take(o->pid, &lock, res->err,
				       sizeof(res->err)) != 0)
		goto out;
	if (choose_mode(&a) < 0 || attach(&a) < 0 ||
	    ns_lock_same_process(&lock, o->pid, res->err, sizeof(res->err)) < 0 ||
	    check_syscalls(&a) < 0)
		goto out;
	if (ns_registry_read(o->pid, a.tr.mem_fd, &a.reg) < 0) {
		ns_op_fail(res, "cannot read the registry of process %d", (int)o->pid);
		goto out;
	}
	if ((a.rt.addr && ns_pt_sweep(&a.tr, NULL, &a.rt, &a.reg, res->err,
				      sizeof(res->err)) < 0) ||
	    ns_mapping_sweep(&a.tr, &a.reg, res->err, sizeof(res->err)) < 0)
		goto out;
	if (prepare(&a) < 0)
		goto out;
	if (!a.pt) {
		a.safety = ns_safety_new(&a.tr, res->err, sizeof(res->err));
		if (!a.safety)
			goto out;
	}
	if (ns_mapping_create(&a.tr, &a.img, a.patch.name, &res->load_stop_ns,
			      res->err, sizeof(res->err)) < 0)
		goto out;
	a.mapped = a.loaded = true;
	/* The program's own unwinder learns the new code's frames before
	 * any thread can run it (cleanup deregisters them on failure). */
	if (ns_frames_register(&a.tr, &a.target, a.safety, a.rec, o->timeout,
			       res->frames_note, sizeof(res->frames_note),
			       res->err, sizeof(res->err)) < 0 ||
	    pre_apply(&a) < 0)
		goto out;
	if (a.pt) {
		if (switch_per_thread(&a) < 0)
			goto out;
	} else {
		if (switch_code(&a) < 0)
			goto out;
		a.mapped = false; /* it stays: it is applied */
	}
	/* The switch stands: a release that fails is a warning, not a
	 * failure (the old patches' records are REVERTING, and the next
	 * sweep removes their memory). */
	ns_replace_release(&a.rp, &a.tr, o->pid, res->warn, sizeof(res->warn));
	res->nfuncs = a.rec->nfuncs;
	res->nxforms = a.nxforms;
	res->base = a.img.base;
	res->size = a.img.size;
	/* The patch's code has run and binds to the shadow root: it stays,
	 * even if the post-apply hook rolls the patch back. */
	a.shadow_created = false;
	rc = post_apply(&a) < 0 ? 1 : 0;
out:
	if (rc)
		undo_pre_apply(&a);
	cleanup(&a);
	ns_lock_drop(&lock);
	return rc;
}
