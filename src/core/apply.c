/* apply.c — applying a patch to a live process, all or nothing.
 *
 * Order matters: everything that can be checked without touching the target
 * is checked first (patch file, build-id, bytes of every replaced function,
 * symbol resolution, placement); then the patch is mapped beside the
 * running code while the program runs (one thread is borrowed briefly for
 * the system calls); then the stop-the-world transition writes the entry
 * jumps. Any failure before the jumps unmaps the patch: the target is as it
 * was. */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "core/frames.h"
#include "core/mapping.h"
#include "core/unwind.h"
#include "core/verify.h"
#include "link/link.h"
#include "link/target.h"
#include "patch/patch.h"
#include "proc/mem.h"
#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "transition/gate.h"
#include "transition/redirect.h"
#include "transition/transition.h"
#include "util/checksum.h"

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
	bool mapped;
};

/* The module the patch is for: built for its binary, or on top of the
 * version its last patch produced (core/verify.c). */
static int find_module(struct apply *a)
{
	a->mod = ns_verify_module(&a->patch, &a->target, &a->reg, a->o->pid,
				  a->res->err, sizeof(a->res->err));
	return a->mod ? 0 : -1;
}

/* Checks every replaced function against the code the target runs for it
 * now (core/verify.c) and fills the record's function table. */
static int verify_functions(struct apply *a)
{
	return ns_verify_patch(&a->patch, a->mod, &a->reg, a->tr.mem_fd, a->o->pid,
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
	a->rec = calloc(1, ns_rec_full_size(n, ns_unwind_nsyms(&a->patch)));
	if (!a->rec)
		return ns_op_fail(a->res, "out of memory");
	memcpy(a->rec->magic, NS_REC_MAGIC, 8);
	a->rec->nfuncs = n;
	a->rec->nsyms = ns_unwind_nsyms(&a->patch);
	a->rec->state = NS_REC_LOADED;
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
	memcpy(a->img.buf, a->rec,
	       ns_rec_full_size(a->rec->nfuncs, a->rec->nsyms));
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
	a->rec->journal_cap = NS_GATE_JOURNAL_SIZE(a->rec->nfuncs + 1);
}

static int prepare(struct apply *a)
{
	uint64_t base;
	size_t gate_len;

	if (find_module(a) < 0 || check_not_applied(a) < 0 ||
	    build_record(a) < 0 || verify_functions(a) < 0)
		return -1;
	ns_gate_code(&gate_len);
	if (ns_link_layout(&a->patch,
			   ns_rec_full_size(a->rec->nfuncs, a->rec->nsyms), gate_len,
			   NS_GATE_JOURNAL_SIZE(a->rec->nfuncs + 1), &a->img,
			   a->res->err, sizeof(a->res->err)) < 0 ||
	    ns_link_resolve(&a->patch, &a->target, a->mod, a->tr.mem_fd,
			    &a->img, a->res->err, sizeof(a->res->err)) < 0)
		return -1;
	if (place(a, &base) < 0 ||
	    ns_link_relocate(&a->patch, &a->img, base, a->res->err,
			     sizeof(a->res->err)) < 0)
		return -1;
	place_gate(a);
	finish_record(a);
	for (uint32_t i = 0; i < a->rec->nfuncs; i++) {
		uint8_t jmp[NS_JMP_LEN];
		if (ns_redirect_encode(a->rec->funcs[i].old_addr,
				       a->rec->funcs[i].new_addr, jmp) < 0)
			return ns_op_fail(a->res, "function %s: new code out of reach",
				    a->rec->funcs[i].name);
	}
	return 0;
}

/* Writes the entry jumps; every thread is stopped and none is in the old
 * functions. On a failed write, undoes the ones written. */
static int commit(void *arg, char *err, size_t errlen)
{
	struct apply *a = arg;
	int fd = a->tr.mem_fd;
	uint32_t i;

	if (ns_rec_set_state(fd, a->img.base, NS_REC_APPLYING) < 0)
		goto fail;
	for (i = 0; i < a->rec->nfuncs; i++) {
		struct ns_rec_func *f = &a->rec->funcs[i];
		uint8_t jmp[NS_JMP_LEN];

		ns_redirect_encode(f->old_addr, f->new_addr, jmp);
		if (ns_mem_write(fd, f->old_addr, jmp, NS_JMP_LEN) < 0)
			goto undo;
	}
	if (ns_rec_set_state(fd, a->img.base, NS_REC_APPLIED) < 0)
		goto undo;
	return 0;
undo:
	while (i-- > 0)
		ns_mem_write(fd, a->rec->funcs[i].old_addr,
			     a->rec->funcs[i].saved, a->rec->funcs[i].saved_len);
	ns_rec_set_state(fd, a->img.base, NS_REC_LOADED);
fail:
	snprintf(err, errlen, "cannot write to process %d: %s",
		 (int)a->tr.pid, strerror(errno));
	return -1;
}

/* What the gate restores if nonstop dies during the switch: every entry
 * as it is now, and the record LOADED. */
static struct ns_gate_entry *undo_plan(struct apply *a)
{
	struct ns_gate_entry *e = calloc(a->rec->nfuncs + 1, sizeof(*e));
	uint32_t loaded = NS_REC_LOADED, i;

	if (!e)
		return NULL;
	for (i = 0; i < a->rec->nfuncs; i++) {
		e[i].addr = a->rec->funcs[i].old_addr;
		e[i].len = a->rec->funcs[i].saved_len;
		memcpy(e[i].bytes, a->rec->funcs[i].saved, e[i].len);
	}
	e[i].addr = a->img.base + offsetof(struct ns_rec, state);
	e[i].len = sizeof(loaded);
	memcpy(e[i].bytes, &loaded, sizeof(loaded));
	return e;
}

/* The code no thread may be in, or return into, during the switch: each
 * replaced function's own bytes, and the copy of it that every applied
 * patch redirecting it brought (a thread returning into an earlier
 * patch's copy would mix versions as one returning into the original
 * would; the safety check unwinds through patches' frames, and names such
 * a frame by its patch). */
static int busy_ranges(struct apply *a, size_t *n)
{
	size_t cap = a->rec->nfuncs + 1, k = 0;

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
	*n = k;
	return 0;
}

static int switch_code(struct apply *a)
{
	struct ns_transition x = {
		.tr = &a->tr, .timeout = a->o->timeout,
		.commit = commit, .arg = a,
	};
	struct ns_gate gate = {
		.code = a->rec->gate, .journal = a->rec->journal,
		.n = a->rec->nfuncs + 1,
	};
	int rc;

	if (busy_ranges(a, &x.nbusy) < 0)
		return ns_op_fail(a->res, "out of memory");
	x.busy = a->busy;
	x.safety = a->safety;
	gate.e = a->undo = undo_plan(a);
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

static void cleanup(struct apply *a)
{
	char err[256];

	if (a->mapped && !a->tr.exited)
		ns_mapping_remove(&a->tr, a->img.base, a->img.size, NULL, false,
				  err, sizeof(err));
	ns_safety_free(a->safety);
	ns_tracee_close(&a->tr);
	free(a->busy);
	free(a->undo);
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
	int rc = 1;

	memset(res, 0, sizeof(*res));
	a.tr.mem_fd = -1;
	if (ns_patch_load(patch_path, &a.patch, res->err, sizeof(res->err)) < 0)
		goto out;
	snprintf(res->name, sizeof(res->name), "%s", a.patch.name);
	if (kill(o->pid, 0) < 0 && errno == ESRCH) {
		ns_op_fail(res, "no process %d", (int)o->pid);
		goto out;
	}
	if (ns_tracee_attach(&a.tr, o->pid) < 0) {
		ns_op_fail(res, "%s", a.tr.err);
		goto out;
	}
	if (ns_target_open(&a.target, o->pid, res->err, sizeof(res->err)) < 0)
		goto out;
	if (ns_registry_read(o->pid, a.tr.mem_fd, &a.reg) < 0) {
		ns_op_fail(res, "cannot read the registry of process %d", (int)o->pid);
		goto out;
	}
	if (ns_mapping_sweep(&a.tr, &a.reg, res->err, sizeof(res->err)) < 0)
		goto out;
	if (prepare(&a) < 0)
		goto out;
	a.safety = ns_safety_new(&a.tr, res->err, sizeof(res->err));
	if (!a.safety)
		goto out;
	if (ns_mapping_create(&a.tr, &a.img, a.patch.name, &res->load_stop_ns,
			      res->err, sizeof(res->err)) < 0)
		goto out;
	a.mapped = true;
	/* The program's own unwinder learns the new code's frames before
	 * any thread can run it (cleanup deregisters them on failure). */
	if (ns_frames_register(&a.tr, &a.target, a.safety, a.rec, o->timeout,
			       res->note, sizeof(res->note), res->err,
			       sizeof(res->err)) < 0)
		goto out;
	if (switch_code(&a) < 0)
		goto out;
	a.mapped = false; /* it stays: it is applied */
	res->nfuncs = a.rec->nfuncs;
	res->base = a.img.base;
	res->size = a.img.size;
	rc = 0;
out:
	cleanup(&a);
	return rc;
}
