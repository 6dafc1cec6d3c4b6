/* xform.c — state transformers at apply and revert (xform.h).
 *
 * The call runs like the frame registration's (core/frames.c, proc/call.h):
 * a borrowed thread runs the patch's call stub, which calls the function,
 * reports in the slot and rt_sigreturns to exactly where the thread was,
 * even if nonstop dies meanwhile. Here every other thread stays stopped
 * (the pause of the switch): the transformer must take no lock, allocate
 * nothing and not block, which the thread chosen cannot make unsafe. The
 * record says, before each call is set up, that a transformer call may be
 * running (xform_call): until the slot says it returned, the patch's
 * memory is not released (ns_xform_release_check). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xform.h"
#include "proc/call.h"
#include "proc/mem.h"
#include "proc/remote.h"

uint32_t ns_xform_count(const struct ns_patch *p)
{
	uint32_t n = 0;

	for (size_t i = 0; i < p->nentries; i++)
		n += p->entries[i].kind == NS_ENTRY_XFORM_DATA;
	return n;
}

size_t ns_xform_table_size(const struct ns_patch *p)
{
	return ns_xform_count(p) * sizeof(struct ns_rec_xform);
}

static int same_var(const struct ns_entry *a, const struct ns_entry *b)
{
	return !strcmp(a->name, b->name) &&
	       (a->file ? b->file && !strcmp(a->file, b->file) : !b->file);
}

/* The address of the function of entry kind KIND for variable V, 0 if
 * none. */
static uint64_t fn_of(const struct ns_patch *p, const struct ns_image *img,
		      const struct ns_entry *v, uint32_t kind)
{
	for (size_t i = 0; i < p->nentries; i++)
		if (p->entries[i].kind == kind && same_var(v, &p->entries[i]))
			return ns_link_sym_addr(img, p->entries[i].sym);
	return 0;
}

int ns_xform_place(const struct ns_patch *p, struct ns_module *m,
		   struct ns_image *img, size_t table_off, struct ns_rec *rec,
		   struct ns_err *err)
{
	struct ns_rec_xform *t = (struct ns_rec_xform *)(img->buf + table_off);
	uint32_t k = 0;

	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];
		struct ns_symval v;

		if (e->kind != NS_ENTRY_XFORM_DATA)
			continue;
		if (ns_module_lookup(m, e->name, e->file, &v, err))
			return ns_err_wrap(err, "cannot find the variable the "
					   "patch transforms");
		if (v.type != STT_OBJECT || v.size != e->old_size) {
			ns_err_set(err, "variable %s in %s is not the one the patch "
				 "transforms (%lu bytes, the patch expects %lu)", e->name,
				 m->path, (unsigned long)v.size, (unsigned long)e->old_size);
			return -1;
		}
		memset(&t[k], 0, sizeof(t[k]));
		t[k].old_var = v.addr;
		t[k].old_size = v.size;
		t[k].new_var = ns_link_sym_addr(img, e->sym);
		t[k].new_size = p->syms[e->sym].size;
		t[k].fn = fn_of(p, img, e, NS_ENTRY_TRANSFORM);
		t[k].unfn = fn_of(p, img, e, NS_ENTRY_UNTRANSFORM);
		snprintf(t[k].name, sizeof(t[k].name), "%s", e->name);
		k++;
	}
	rec->xforms = k ? img->base + table_off : 0;
	rec->nxforms = k;
	return 0;
}

/* Whether [A, A+AS) and [B, B+BS) overlap (an empty range as one byte). */
static int overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + (bs ? bs : 1) && b < a + (as ? as : 1);
}

int ns_xform_check_stack(const struct ns_patch *p, const struct ns_image *img,
			 const struct ns_registry *reg, int mem_fd,
			 struct ns_err *err)
{
	for (size_t r = 0; r < reg->n; r++) {
		const struct ns_rec *rec = reg->v[r].rec;
		struct ns_rec_xform *x;

		if (!rec->nxforms)
			continue;
		if (ns_xform_read(mem_fd, rec, &x, err) < 0)
			return -1;
		for (uint32_t k = 0; k < rec->nxforms; k++)
			for (size_t i = 1; i < p->nsyms; i++) {
				uint64_t a = img->sym_addr[i];

				if (p->syms[i].kind != NS_SYM_TARGET || p->syms[i].type == STT_TLS ||
				    !overlap(a, p->syms[i].size, x[k].old_var, x[k].old_size))
					continue;
				ns_err_set(err, "refusing: variable '%s' was transformed "
					 "by patch '%s': its live value is in that patch, "
					 "which a later patch cannot refer to (not supported)",
					 x[k].name, rec->name);
				free(x);
				return -1;
			}
		for (size_t i = 0; i < p->nentries; i++) {
			const struct ns_entry *e = &p->entries[i];

			for (uint32_t k = 0; e->kind == NS_ENTRY_XFORM_DATA && k < rec->nxforms; k++)
				if (!strcmp(e->name, x[k].name)) {
					ns_err_set(err, "refusing: variable '%s' was "
						 "already transformed by patch '%s' (not "
						 "supported)", e->name, rec->name);
					free(x);
					return -1;
				}
		}
		free(x);
	}
	return 0;
}

int ns_xform_check_replace(const struct ns_registry *reg, struct ns_err *err)
{
	for (size_t r = 0; r < reg->n; r++) {
		const struct ns_rec *rec = reg->v[r].rec;

		if (rec->nxforms && rec->state == NS_REC_APPLIED) {
			ns_err_set(err, "refusing: patch '%s' transformed data; "
				 "--replace cannot take it out (revert it first)", rec->name);
			return -1;
		}
	}
	return 0;
}

static int set_call(int mem_fd, uint64_t base, uint32_t v)
{
	return ns_mem_write(mem_fd, base + offsetof(struct ns_rec, xform_call), &v,
			    sizeof(v));
}

/* A stopped thread to borrow: one blocked in a system call first. */
static struct ns_thread *pick(struct ns_tracee *tr)
{
	struct ns_thread *any = NULL;

	for (size_t i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];

		if (th->gone || th->fresh || !th->stopped)
			continue;
		if ((int64_t)th->regs.orig_rax >= 0)
			return th;
		if (!any)
			any = th;
	}
	return any;
}

int ns_xform_run(struct ns_tracee *tr, const struct ns_gadgets *g, uint64_t base,
		 const struct ns_rec *rec, const struct ns_rec_xform *x, uint32_t n,
		 int reverse, double timeout, int *let_go)
{
	struct ns_err *err = tr->err;
	struct ns_thread *th = pick(tr);
	struct ns_remote rs;
	int rc = 0;

	*let_go = 0;
	if (!n)
		return 0;
	if (!rec->call_stub || !rec->call_slot) {
		ns_err_set(err, "patch '%s' has no room for calling its transformers",
			 rec->name);
		return -1;
	}
	if (!th) {
		ns_err_set(err, "no thread of process %d to run the transformers in",
			 (int)tr->pid);
		return -1;
	}
	if (ns_remote_begin_on(&rs, tr, th, g) < 0)
		return -1;
	for (uint32_t k = 0; k < n && rc == 0; k++) {
		const struct ns_rec_xform *t = &x[reverse ? n - 1 - k : k];
		uint64_t fn = reverse ? t->unfn : t->fn, ret;
		int c;

		if (set_call(tr->mem_fd, base, 1) < 0) {
			ns_err_set(err, "cannot write to process %d: %s", (int)tr->pid,
				 strerror(errno));
			rc = -1;
			break;
		}
		c = ns_remote_call(&rs, rec->call_stub, rec->call_slot, fn,
				   reverse ? t->new_var : t->old_var,
				   reverse ? t->old_var : t->new_var, timeout, &ret);
		/* Returned, or never ran, or faulted (the thread is put back
		 * below): no call is running any more. */
		if (c != NS_CALL_LET_GO)
			set_call(tr->mem_fd, base, 0);
		if (c == NS_CALL_OK)
			continue;
		ns_err_wrap(err, "the %stransformer of '%s' (patch '%s') failed",
			    reverse ? "un" : "", t->name, rec->name);
		if (c == NS_CALL_LET_GO)
			*let_go = 1;
		rc = -1;
	}
	/* A call let go released the thread: nothing to put back. */
	if (!*let_go && ns_remote_end(&rs, true) < 0 && rc == 0) {
		rc = -1;
	}
	return rc;
}

int ns_xform_release_check(struct ns_tracee *tr, uint64_t base)
{
	struct ns_err *err = tr->err;
	bool mark = ns_err_mark(err);
	struct ns_rec *rec;
	struct ns_call_slot s;
	char why[256];
	bool damaged;
	int rc = 0;

	/* Checked like any record (registry/rec_check.h): no record there
	 * (a mapping never filled) has no call; a damaged one may have any,
	 * so nothing of it is released. */
	rec = ns_rec_read_at(tr->pid, tr->mem_fd, base, &damaged, why, sizeof(why));
	if (!rec) {
		if (!damaged)
			return 0;
		ns_err_set(err, "%s", why);
		return -1;
	}
	if (!rec->xform_call || !rec->call_slot ||
	    ns_mem_read(tr->mem_fd, rec->call_slot, &s, sizeof(s)) < 0)
		goto out;  /* no slot: no call could be set up */
	/* Set up but never started: a thread may still be about to run it
	 * (a nonstop died right after pointing it at the stub). */
	for (size_t i = 0; !s.started && i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];
		int in;

		if (th->gone || th->fresh)
			continue;
		if (ns_tracee_stop_one(tr, th) < 0) {
			ns_err_forget(err, mark);   /* gone: not in it */
			continue;
		}
		in = th->regs.rip >= rec->call_stub &&
		     th->regs.rip < rec->call_stub + NS_LINK_CALL_STUB;
		ns_tracee_resume_one(tr, th);
		if (in)
			s.started = 1;
	}
	if (s.started && !s.done) {
		ns_err_set(err, "patch '%s': a transformer nonstop called in "
			 "process %d is still running; try again", rec->name,
			 (int)tr->pid);
		rc = -1;
		goto out;
	}
	set_call(tr->mem_fd, base, 0);
out:
	free(rec);
	return rc;
}
