/* apply.c — applying a patch to a live process, all or nothing.
 *
 * Order matters: everything that can be checked without changing the
 * target is checked first (patch file, build-id, bytes of every replaced
 * function, symbol resolution, the stacks of transformed variables,
 * placement, relocation); only then does anything change in it: the
 * shadow-variable root made if the patch needs one and the process has
 * none, the patch mapped beside the running code while the program runs
 * (one thread is borrowed briefly for the system calls), then the switch
 * (core/mode.h: every thread stopped while the entry jumps are written, or
 * each thread at its next update point). Any failure before the switch
 * unmaps the patch: the target is as it was. With --replace, the same
 * switch also takes out every patch applied to the module (core/replace.c
 * plans it), whose memory is then released. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/apply_op.h"
#include "core/core.h"
#include "core/frames.h"
#include "core/hooks.h"
#include "core/mapping.h"
#include "core/mode.h"
#include "core/replace.h"
#include "core/shadow_map.h"
#include "core/unwind.h"
#include "core/verify.h"
#include "core/xform.h"
#include "link/link.h"
#include "link/shadow_root.h"
#include "link/target.h"
#include "patch/patch.h"
#include "patch/patch_trust.h"
#include "proc/maps.h"
#include "proc/remote.h"
#include "registry/rec_state.h"
#include "registry/registry.h"

#define REACH (1ULL << 31)

/* The module the patch is for: built for its binary, or on top of the
 * version its last patch produced; with --replace, only the binary itself
 * (core/verify.c). */
static int find_module(struct ns_apply_op *a)
{
	struct ns_session *s = &a->s;

	if (s->o->replace)
		a->mod = ns_verify_module_original(&a->patch, &s->target, &s->reg,
						   s->o->pid, &s->res->err);
	else
		a->mod = ns_verify_module(&a->patch, &s->target, &s->reg,
					  s->o->pid, &s->res->err);
	return a->mod ? 0 : -1;
}

/* Checks every replaced function against the code the target runs for it
 * now (core/verify.c) and fills the record's function table. */
static int verify_functions(struct ns_apply_op *a)
{
	struct ns_session *s = &a->s;

	return ns_verify_patch(&a->patch, &s->target, a->mod, &s->reg, s->o->replace,
			       s->tr.mem_fd, s->o->pid, a->rec, &s->res->err);
}

static int check_not_applied(struct ns_apply_op *a)
{
	for (size_t i = 0; i < a->s.reg.n; i++) {
		struct ns_rec *r = a->s.reg.v[i].rec;
		if (!strcmp(r->name, a->patch.name) || r->patch_id == a->patch.id) {
			a->s.res->why = NS_WHY_ALREADY;
			return ns_op_fail(a->s.res, "patch '%s' is already "
					  "applied to process %d", r->name,
					  (int)a->s.o->pid);
		}
	}
	return 0;
}

/* Chooses where the patch goes: within 2 GiB of every byte of the module
 * (and below 2 GiB for a non-PIE executable, whose code may use 32-bit
 * absolute addresses). */
static int place(struct ns_apply_op *a, uint64_t *base)
{
	uint64_t lo = 0, hi, size = a->img.size;
	pid_t pid = a->s.o->pid;
	struct ns_maps maps;
	int rc;

	if (a->mod->end > REACH)
		lo = a->mod->end - REACH + 4096;
	hi = a->mod->start + REACH - 4096;
	if (a->mod->is_exec && hi > 0x7fff0000ULL)
		hi = 0x7fff0000ULL;
	if (ns_maps_read(pid, &maps) < 0)
		return ns_op_fail(a->s.res, "cannot read the maps of process %d",
				  (int)pid);
	rc = ns_maps_find_hole(&maps, lo, hi, size, a->mod->end, base);
	ns_maps_free(&maps);
	if (rc < 0)
		return ns_op_fail(a->s.res, "no free address range of %llu bytes "
				  "within reach of %s in process %d",
				  (unsigned long long)size, a->mod->path,
				  (int)pid);
	return 0;
}

static int build_record(struct ns_apply_op *a)
{
	uint32_t n = 0;

	for (size_t i = 0; i < a->patch.nentries; i++)
		n += a->patch.entries[i].kind == NS_ENTRY_REPLACE;
	/* A patch with hooks has a version 4 record: its hooks block. */
	a->rec = calloc(1, ns_rec_full_size(n, ns_unwind_nsyms(&a->patch)) +
			(ns_hooks_any(&a->patch) ? sizeof(struct ns_rec_hooks) : 0));
	if (!a->rec)
		return ns_op_fail(a->s.res, "out of memory");
	memcpy(a->rec->magic, ns_hooks_any(&a->patch) ? NS_REC_MAGIC_V4
						     : NS_REC_MAGIC, 8);
	a->rec->nfuncs = n;
	a->rec->nsyms = ns_unwind_nsyms(&a->patch);
	if (ns_rec_move_load(a->rec, &a->s.res->err) < 0)
		return -1;
	a->rec->seq = a->s.reg.n ? a->s.reg.v[a->s.reg.n - 1].rec->seq + 1 : 1;
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

/* After relocation: where each new function is, where the patch lives,
 * its unwind info and hooks (the mode adds its own fields: mode.h). */
static void fill_record(struct ns_apply_op *a)
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
}

/* Names the patches to replace in the result (now: once switched, nothing
 * may fail). */
static int report_replaced(struct ns_apply_op *a)
{
	struct ns_op_result *res = a->s.res;

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
static int plan_replace(struct ns_apply_op *a)
{
	if (!a->s.o->replace)
		return 0;
	if (ns_replace_plan(&a->rp, &a->s.reg, a->mod, a->rec, &a->s.tr) < 0)
		return -1;
	for (size_t i = 0; i < a->rp.nold; i++)
		if (ns_rec_hooks(a->rp.old[i]->rec))
			return ns_op_fail(a->s.res, "patch '%s' has hooks, which "
					  "--replace would not run: revert it first",
					  a->rp.old[i]->rec->name);
	return report_replaced(a);
}

/* One mode per process, and what the mode cannot apply (mode.h). A patch
 * with hooks is not taken with --replace (the replaced patches' revert
 * hooks would not run, nor could its own post-apply failure give them
 * back). */
static int check_mode(struct ns_apply_op *a)
{
	if (ns_mode_check_mixed(&a->s) < 0 || a->s.mode->refuse(a) < 0)
		return -1;
	if (ns_hooks_any(&a->patch) && a->s.o->replace)
		return ns_op_fail(a->s.res, "patch '%s' has hooks, which --replace "
				  "does not run: apply it without --replace",
				  a->patch.name);
	return 0;
}

/* A patch that transforms data is not applied with --replace, nor may
 * --replace take out anything applied that transformed data. (Nor does
 * the per-thread mode apply it: its refuse.) */
static int check_xforms(struct ns_apply_op *a)
{
	if (a->s.o->replace && ns_xform_check_replace(&a->s.reg, &a->s.res->err) < 0)
		return -1;
	if (a->nxforms && a->s.o->replace)
		return ns_op_fail(a->s.res, "patch '%s' transforms data: --replace "
				  "cannot apply it (apply it on its own)",
				  a->patch.name);
	return 0;
}

/* The image: the record's pages (the table of transformers follows the
 * record, hooks block included), the patch's sections, the mode's code
 * and data. */
static int layout(struct ns_apply_op *a)
{
	size_t code, data;

	a->s.mode->extra_sizes(a, &code, &data);
	a->xform_off = (ns_rec_total_size(a->rec) + 7) & ~(size_t)7;
	return ns_link_layout(&a->patch,
			      a->xform_off + ns_xform_table_size(&a->patch),
			      code, data, &a->img, &a->s.res->err);
}

/* A patch that uses shadow variables binds to the process's root: the
 * program's own, or nonstop's mapping (core/shadow_map.h). If there is
 * none, it is made last (make_shadow_root); until then the patch is
 * linked against a stand-in, the start of its module, which a reference
 * from wherever the patch is placed can reach (the patch's own code
 * reaches the root through a GOT slot: nonstop.h), so that the stand-in
 * brings no refusal of its own. */
static int find_shadow_root(struct ns_apply_op *a)
{
	int rc;

	if (!ns_link_needs_shadow_root(&a->patch))
		return 0;
	rc = ns_shadow_root_find(&a->s.tr, &a->s.target, a->mod,
				 &a->img.shadow_root);
	if (rc < 0)
		return ns_op_fail(a->s.res, "cannot read the maps of process %d",
				  (int)a->s.o->pid);
	if (rc == 1) {
		a->shadow_missing = true;
		a->img.shadow_root = a->mod->start;
	}
	return 0;
}

/* Every symbol the patch takes from the target (link.h). */
static int resolve(struct ns_apply_op *a)
{
	return ns_link_resolve(&a->patch, &a->s.target, a->mod, a->s.tr.mem_fd,
			       &a->img, &a->s.res->err);
}

/* Places the image and fills what depends on where it is: relocation,
 * the transformers' table, the record, the mode's code and data; the
 * record goes into the image last. Reads the target, changes nothing. */
static int link_image(struct ns_apply_op *a)
{
	uint64_t base;

	if (place(a, &base) < 0 ||
	    ns_link_relocate(&a->patch, &a->img, base, &a->s.res->err) < 0 ||
	    ns_xform_place(&a->patch, a->mod, &a->img, a->xform_off, a->rec,
			   &a->s.res->err) < 0)
		return -1;
	fill_record(a);
	if (a->s.mode->place(a) < 0)
		return -1;
	memcpy(a->img.buf, a->rec, ns_rec_total_size(a->rec));
	return 0;
}

/* Nothing is left that could refuse the patch without changing the
 * target: the shadow-variable root it needs is made now, if the process
 * has none, and the patch linked again, bound to it (and placed again:
 * the root's mapping may have taken the place chosen). A failure from
 * here on drops the root again if nothing used it (cleanup). */
static int make_shadow_root(struct ns_apply_op *a)
{
	if (!a->shadow_missing)
		return 0;
	if (ns_shadow_root_create(&a->s.tr, &a->img.shadow_root,
				  &a->shadow_created) < 0)
		return -1;
	return resolve(a) < 0 || link_image(a) < 0 ? -1 : 0;
}

/* The gadgets a thread is borrowed with to run the transformers. */
static int find_gadgets(struct ns_apply_op *a)
{
	if (a->nxforms && ns_remote_find_gadgets(&a->s.tr, &a->gadgets) < 0)
		return -1;
	return 0;
}

static int prepare(struct ns_apply_op *a)
{
	if (check_mode(a) < 0 || check_xforms(a) < 0 || find_module(a) < 0 ||
	    check_not_applied(a) < 0 || build_record(a) < 0 ||
	    verify_functions(a) < 0 || a->s.mode->read_entries(a) < 0 ||
	    plan_replace(a) < 0 || layout(a) < 0 || find_shadow_root(a) < 0 ||
	    resolve(a) < 0 ||
	    ns_xform_check_stack(&a->patch, &a->img, &a->s.reg, a->s.tr.mem_fd,
				 &a->s.res->err) < 0 ||
	    link_image(a) < 0 || find_gadgets(a) < 0)
		return -1;
	return make_shadow_root(a);
}

/* Maps the patch; the program's own unwinder learns the new code's frames
 * before any thread can run it (cleanup deregisters them on failure). */
static int map(struct ns_apply_op *a)
{
	struct ns_op_result *res = a->s.res;

	if (ns_mapping_create(&a->s.tr, &a->img, a->patch.name,
			      &res->load_stop_ns, &res->load_stop_tid) < 0)
		return -1;
	a->mapped = a->loaded = true;
	return ns_frames_register(&a->s.tr, &a->s.target, a->s.safety, a->rec,
				  a->s.o->timeout, res->frames_note,
				  sizeof(res->frames_note));
}

/* ---- hooks ---------------------------------------------------------------- */

/* The pre-apply hook, the patch mapped and nothing switched: a non-zero
 * return vetoes the patch (the caller removes it). */
static int pre_apply(struct ns_apply_op *a)
{
	struct ns_hook_run *run = &a->s.res->hooks[NS_HOOK_PRE_APPLY - 1];
	char what[NS_ERR_MAX];
	int rc = ns_hook_veto(&a->s.tr, a->s.safety, a->img.base,
			      NS_HOOK_PRE_APPLY, a->s.o->timeout, run,
			      a->patch.hook_why[NS_HOOK_PRE_APPLY - 1], what,
			      sizeof(what));

	if (rc == 1)
		return ns_op_fail(a->s.res, "refused: %.900s", what);
	return rc < 0 ? -1 : 0;
}

/* A failed apply whose memory goes: its post-revert hook first if its
 * pre-apply hook had succeeded (what it did is said). A hook still
 * running keeps the memory (the failure already says so). What fails
 * here is said after the cause of the failure, not instead of it: the
 * tracee reports into MORE meanwhile. */
static void undo_pre_apply(struct ns_apply_op *a)
{
	struct ns_hook_run *run = &a->s.res->hooks[NS_HOOK_POST_REVERT - 1];
	struct ns_err *cause = a->s.tr.err, more = { 0 };
	char what[512];

	if (!a->mapped || a->s.tr.exited || !ns_hooks_any(&a->patch))
		return;
	a->s.tr.err = &more;
	if (ns_hooks_idle(&a->s.tr, a->img.base) < 0) {
		/* kept: said by the cause already */
	} else if (ns_hooks_post_revert(&a->s.tr, NULL, a->img.base,
					a->s.o->timeout, run) < 0) {
		ns_err_append(cause, "%.500s", more.msg);
	} else if (run->kind) {
		ns_hook_describe(run, what, sizeof(what));
		ns_err_append(cause, "%s", what);
	}
	a->s.tr.err = cause;
}

/* A post-apply hook that failed: the patch is reverted as `nonstop revert`
 * would (its pre-revert hook, the pair of the failed one, is not run; its
 * post-revert hook is). The failure so far is the first part of the one
 * line. */
static int roll_back(struct ns_apply_op *a)
{
	struct ns_err *err = &a->s.res->err;
	struct ns_op_result *rb = calloc(1, sizeof(*rb));
	struct ns_op_opts o = *a->s.o;

	if (!rb)
		return ns_err_replace(err, "%.900s; out of memory: the patch "
				      "stays applied", ns_err_msg(err));
	ns_tracee_close(&a->s.tr);   /* the revert takes the process */
	o.locked = true;           /* under this apply's lock */
	if (ns_revert(&o, a->rec->name, rb) != 0) {
		ns_err_replace(err, "%.400s; rolling the patch back failed: "
			       "%.500s", ns_err_msg(err), ns_err_msg(&rb->err));
	} else {
		a->s.res->hooks[NS_HOOK_POST_REVERT - 1] =
			rb->hooks[NS_HOOK_POST_REVERT - 1];
		ns_err_replace(err, "%.900s; the patch was rolled back%s",
			       ns_err_msg(err), rb->retiring ? " (its memory is "
			       "kept until no thread can be in it)" : "");
		if (rb->warn[0])   /* its post-revert hook failed */
			ns_err_append(err, "%s", rb->warn);
	}
	ns_op_result_free(rb);
	free(rb);
	return -1;
}

/* The post-apply hook, every thread on the new code, on a thread the
 * mode gives it (mode.h: hook_threads). Non-zero: rolled back. Still
 * running when the time is up: the patch stays applied (exit 1, said). */
static int post_apply(struct ns_apply_op *a)
{
	struct ns_hook_run *run = &a->s.res->hooks[NS_HOOK_POST_APPLY - 1];
	struct ns_err *err = &a->s.res->err;
	char what[NS_ERR_MAX];
	int rc;

	if (!a->patch.hooks[NS_HOOK_POST_APPLY - 1])
		return 0;
	rc = a->s.mode->hook_threads(a);
	if (rc == 1)
		return roll_back(a);
	if (rc < 0)
		return -1;
	rc = ns_hook_run(&a->s.tr, NULL, a->img.base, NS_HOOK_POST_APPLY,
			 a->s.o->timeout, run,
			 a->patch.hook_why[NS_HOOK_POST_APPLY - 1]);
	if (rc == 1 || (rc == 0 && !run->ret))
		return 0;
	/* A hook that could not be run, or is still running, is the cause;
	 * a failure to tell whether it still runs does not replace it. */
	if (rc < 0 && ns_hooks_idle(&a->s.tr, a->img.base) < 0)
		return ns_err_replace(err, "patch '%s' is applied, but %.900s",
				      a->patch.name, ns_err_msg(err));
	if (rc == 0) {
		ns_hook_describe(run, what, sizeof(what));
		ns_err_set(err, "%s", what);
	}
	return roll_back(a);
}

/* ---- end of hooks ---------------------------------------------------------- */

static void cleanup(struct ns_apply_op *a)
{
	if (a->mapped && !a->s.tr.exited)
		ns_mapping_remove(&a->s.tr, a->img.base, a->img.size, NULL, false);
	/* A failed apply that made the shadow-variable root takes it back
	 * if none of the patch's code can have used it: never mapped, or
	 * taken out again (not a per-thread patch left live). */
	if (a->shadow_created && (!a->loaded || a->mapped) && !a->s.tr.exited)
		ns_shadow_root_drop_unused(&a->s.tr, a->img.shadow_root);
	free(a->busy);
	free(a->undo);
	ns_plan_free(&a->plan);
	ns_replace_free(&a->rp);
	free(a->rec);
	ns_image_free(&a->img);
	ns_patch_free(&a->patch);
	ns_session_close(&a->s);
}

static int load_patch(struct ns_apply_op *a, const char *path)
{
	struct ns_op_result *res = a->s.res;

	if (ns_patch_load(path, &a->patch, &res->err) < 0 ||
	    ns_trust_check(&a->patch, &res->err) < 0)
		return -1;
	snprintf(res->name, sizeof(res->name), "%s", a->patch.name);
	a->nxforms = ns_xform_count(&a->patch);
	return 0;
}

/* The switch stands: what is left cannot take the patch out. A release
 * that fails is a warning (the replaced patches' records are REVERTING,
 * and the next sweep removes their memory). */
static void applied(struct ns_apply_op *a)
{
	struct ns_op_result *res = a->s.res;

	ns_replace_release(&a->rp, &a->s.tr, a->s.o->pid, res->warn,
			   sizeof(res->warn));
	res->nfuncs = a->rec->nfuncs;
	res->nxforms = a->nxforms;
	res->base = a->img.base;
	res->size = a->img.size;
	/* The patch's code has run and binds to the shadow root: it stays,
	 * even if the post-apply hook rolls the patch back. */
	a->shadow_created = false;
}

/* The apply itself, once A's patch is loaded (LOADED: 0) or not (-1). */
static int apply(struct ns_apply_op *a, int loaded)
{
	int rc = 1;

	if (loaded < 0 || ns_session_lock(&a->s) < 0)
		goto out;
	/* The preparation and the mapping read the maps once (proc/maps.h:
	 * the code the target runs for nonstop makes the next read fresh);
	 * the switch reads them itself once the threads are stopped. */
	ns_maps_memo_begin(a->s.o->pid);
	rc = ns_mode_choose_apply(&a->s) < 0 || ns_session_hold(&a->s) < 0 ||
	     prepare(a) < 0 || a->s.mode->prepare_unwind(&a->s) < 0 ||
	     map(a) < 0;
	ns_maps_memo_end();
	if (rc || pre_apply(a) < 0 || a->s.mode->apply_switch(a) < 0) {
		rc = 1;
		goto out;
	}
	applied(a);
	rc = post_apply(a) < 0 ? 1 : 0;
out:
	if (rc)
		undo_pre_apply(a);
	cleanup(a);
	return rc;
}

int ns_apply(const struct ns_op_opts *o, const char *patch_path,
	     struct ns_op_result *res)
{
	struct ns_apply_op a = { .mod = NULL };

	ns_session_init(&a.s, o, res);
	return apply(&a, load_patch(&a, patch_path));
}

int ns_apply_loaded(const struct ns_op_opts *o, struct ns_patch *p,
		    struct ns_op_result *res)
{
	struct ns_apply_op a = { .mod = NULL };

	ns_session_init(&a.s, o, res);
	a.patch = *p;
	memset(p, 0, sizeof(*p));
	snprintf(res->name, sizeof(res->name), "%s", a.patch.name);
	a.nxforms = ns_xform_count(&a.patch);
	return apply(&a, 0);
}
