/* pipeline.c — ns_gen_build() (gen.h): the generator's pipeline. Pairs the object files
 * of the two builds, correlates and compares each pair, emits the patch, and
 * binds it to the target binary (build-id, size and checksum of every
 * function it replaces) and, with --new-binary, records the build-id of the
 * version it produces. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen.h"
#include "gen/heaplayout.h"
#include "gen/sigchange.h"
#include "gen/hook_locks.h"
#include "gen/linked.h"
#include "gen/transformer.h"
#include "gen/types.h"
#include "gen/xform.h"
#include "gen/walk.h"

/* Loads, correlates, decides and emits the pair at relative path REL. */
static int do_pair(struct gen *g, struct gen_emit *em, const char *rel,
		   int has_old)
{
	const struct ns_gen_opts *o = g->opts;
	struct gobj old, new;
	struct gen_pair pr = { .old = has_old ? &old : NULL, .new = &new };
	char *opath = NULL, *npath = NULL;
	int rc = -1;

	memset(&old, 0, sizeof(old));
	memset(&new, 0, sizeof(new));
	if (asprintf(&opath, "%s/%s", o->old_dir, rel) < 0 ||
	    asprintf(&npath, "%s/%s", o->new_dir, rel) < 0) {
		gen_fail(g, "out of memory");
		goto out;
	}
	if ((has_old && gobj_load(g, opath, rel, &old)) || gobj_load(g, npath, rel, &new))
		goto out;
	gen_note(g, 1, "%s%s\n", rel, has_old ? "" : " (new object)");
	gen_correlate(pr.old, &new);
	if (gen_types_vars(g, &pr) || gen_transformer_pair(g, &pr) ||
	    gen_decide(g, &pr) || gen_types_funcs(g, &pr) || gen_emit_pair(g, em, &pr))
		goto out;
	gen_heaplayout_check(g, &pr);
	rc = 0;
out:
	free(pr.var);
	free(pr.decision);
	free(pr.reason);
	gobj_free(&old);
	gobj_free(&new);
	free(opath);
	free(npath);
	return rc;
}

/* Opens the binary at PATH into *B and copies its build-id into ID (at
 * most NS_BUILD_ID_MAX bytes, *LEN of them). 0, or -1 with a message. */
static int open_binary(struct gen *g, const char *path, struct gbin **b,
		       uint8_t *id, uint32_t *len)
{
	int n;

	if (gbin_open(g, path, b))
		return -1;
	n = gbin_build_id(g, *b, id, NS_BUILD_ID_MAX);
	if (n < 0) {
		gbin_close(*b);
		return -1;
	}
	*len = (uint32_t)n;
	return 0;
}

/* Finds the old symbol of entry E (WHAT: "function", "variable") in B, of
 * the size the patch was built against: 0 and *SIZE, or -1 with a message. */
static int find_old(struct gen *g, struct gbin *b, const struct ns_entry *e,
		    const char *what, uint64_t *size)
{
	if (gbin_find(g, b, e->name, e->file, size))
		return -1;
	if (*size != e->old_size)
		return gen_fail(g, "%s %s: %s/%s does not match %s (size %lu vs %lu)",
				what, e->name, g->opts->old_dir, e->object,
				g->opts->binary, (unsigned long)e->old_size,
				(unsigned long)*size);
	return 0;
}

/* Binds the patch to the binary: its build-id; every function it replaces
 * is there (with room for a jump), and a warning for each whose code there
 * is not the old build's (a fix on top of a fix); every static the patch
 * binds to, and every variable a transformer reads, is there. */
static int bind_to_binary(struct gen *g, struct ns_patch *p)
{
	struct gbin *b;
	int rc = -1;
	char *tmp;

	if (open_binary(g, g->opts->binary, &b, p->build_id, &p->build_id_len))
		return -1;
	for (size_t i = 0; i < p->nentries; i++) {
		struct ns_entry *e = &p->entries[i];
		uint64_t size = 0, sum = 0;

		if (e->kind != NS_ENTRY_REPLACE)
			continue;
		if (gbin_find(g, b, e->name, e->file, &size))
			goto out;
		if (size < 5 && gbin_last_room(b) < 5) {
			gen_fail(g, "refusing: function %s (%s) is too short to redirect "
				 "(%lu bytes, a jump needs 5)", e->name, e->object,
				 (unsigned long)size);
			goto out;
		}
		/* The patch is checked against the old build's code (emit.c,
		 * oldrefs.h), which the process may run because an earlier
		 * patch put it there: BIN having other code is no error. */
		if (size == e->old_size &&
		    gbin_last_sum(g, b, e->name, e->masks, e->nmasks, &sum))
			goto out;
		if (size != e->old_size || sum != e->old_sum)
			gen_warn(g, "function %s: %s/%s is not the code %s has for it%s: "
				 "the patch applies only where an earlier patch made "
				 "the process run %s's", e->name, g->opts->old_dir,
				 e->object, g->opts->binary, size != e->old_size ?
				 " (its size differs)" : "", g->opts->old_dir);
	}
	for (size_t i = 1; i < p->nsyms; i++) {
		struct ns_sym *s = &p->syms[i];
		uint64_t size;

		if (s->kind == NS_SYM_TARGET && s->file &&
		    gbin_find(g, b, s->name, s->file, &size))
			goto out;
	}
	/* The live variable a transformer reads is the binary's. */
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];
		uint64_t size = 0;

		if (e->kind == NS_ENTRY_XFORM_DATA &&
		    find_old(g, b, e, "variable", &size))
			goto out;
	}
	tmp = strdup(g->opts->binary);
	p->binary = tmp ? strdup(basename(tmp)) : NULL;
	free(tmp);
	if (!p->binary) {
		gen_fail(g, "out of memory");
		goto out;
	}
	rc = 0;
out:
	gbin_close(b);
	return rc;
}

/* Checks that the code the patch carries for entry E is, bytes with the
 * relocated fields masked, the code of that function in the new binary B. */
static int check_new_code(struct gen *g, struct gbin *b, const struct ns_patch *p,
			  const struct ns_entry *e)
{
	const struct ns_sym *s = &p->syms[e->sym];
	const struct ns_section *sec = &p->sections[s->section];
	struct ns_mask_list l = { 0 };
	uint64_t size = 0, sum = 0, want;
	uint8_t *copy;
	int rc = -1;

	if (gbin_find(g, b, s->name, e->file, &size))
		return -1;
	if (size != s->size)
		return gen_fail(g, "refusing: %s was not linked from %s: function %s "
				"has %lu bytes there, %lu in %s", gbin_path(b),
				g->opts->new_dir, s->name, (unsigned long)size,
				(unsigned long)s->size, e->object ? e->object : "?");
	if (!sec->data || s->size > sec->size - s->value)
		return 0; /* no bytes to compare (cannot happen for code) */
	if (gen_masks_of_patch_sym(g, p, e->sym, &l))
		goto out;
	copy = malloc(s->size ? s->size : 1);
	if (!copy) {
		gen_fail(g, "out of memory");
		goto out;
	}
	memcpy(copy, sec->data + s->value, s->size);
	want = ns_mask_checksum(copy, s->size, l.v, l.n);
	free(copy);
	if (gbin_last_sum(g, b, s->name, l.v, l.n, &sum))
		goto out;
	if (sum != want) {
		gen_fail(g, "refusing: %s was not linked from %s: the code of function "
			 "%s differs from %s's", gbin_path(b), g->opts->new_dir,
			 s->name, e->object ? e->object : "?");
		goto out;
	}
	rc = 0;
out:
	free(l.v);
	return rc;
}

/* --new-binary: the build-id of the version the patch produces, after
 * checking that the binary holds the patch's code (so that a patch built
 * later against it can trust what this one leaves in the process). */
static int bind_to_result(struct gen *g, struct ns_patch *p)
{
	struct gbin *b;
	int rc = -1;

	if (!g->opts->new_binary)
		return 0;
	if (open_binary(g, g->opts->new_binary, &b, p->result_build_id,
			&p->result_build_id_len))
		return -1;
	if (p->result_build_id_len == p->build_id_len &&
	    !memcmp(p->result_build_id, p->build_id, p->build_id_len)) {
		gen_fail(g, "refusing: --new-binary %s has the build-id of --binary %s "
			 "(the same build?)", g->opts->new_binary, g->opts->binary);
		goto out;
	}
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];

		if ((e->kind == NS_ENTRY_REPLACE || e->kind == NS_ENTRY_NEW_FUNC) &&
		    check_new_code(g, b, p, e))
			goto out;
	}
	rc = 0;
out:
	gbin_close(b);
	return rc;
}

static void count(const struct ns_patch *p, struct ns_gen_stats *st)
{
	st->replaced = st->added = st->data_added = st->transformed = 0;
	for (size_t i = 0; i < p->nentries; i++) {
		if (p->entries[i].kind == NS_ENTRY_REPLACE)
			st->replaced++;
		else if (p->entries[i].kind == NS_ENTRY_NEW_FUNC)
			st->added++;
		else if (p->entries[i].kind == NS_ENTRY_NEW_DATA)
			st->data_added++;
		else if (p->entries[i].kind == NS_ENTRY_XFORM_DATA)
			st->transformed++;
	}
}

int ns_gen_build(const struct ns_gen_opts *opts, struct ns_patch *out,
		 struct ns_gen_stats *stats, struct ns_err *err)
{
	struct gen g = { .opts = opts, .err = err, .stats = stats };
	struct gen_files of = { 0 }, nf = { 0 };
	struct gen_emit *em = NULL;
	int rc = NS_GEN_FAIL;

	memset(out, 0, sizeof(*out));
	memset(stats, 0, sizeof(*stats));
	g.types = gen_types_new();
	if (!g.types) {
		gen_fail(&g, "out of memory");
		goto out;
	}
	if (gen_find_objects(&g, opts->old_dir, &of) ||
	    gen_find_objects(&g, opts->new_dir, &nf))
		goto out;
	if (!of.n) {
		gen_fail(&g, "%s: no object files (*.o)", opts->old_dir);
		goto out;
	}
	if (gen_linked_select(&g, &of, &nf))
		goto out;
	g.xforms = calloc(1, sizeof(*g.xforms));
	if (!g.xforms) {
		gen_fail(&g, "out of memory");
		goto out;
	}
	g.new_files = &nf;
	g.old_files = &of;
	if (gen_xform_scan(&g, opts->new_dir, &nf))
		goto out;
	out->name = strdup(opts->name);
	em = gen_emit_new(out);
	if (!out->name || !em) {
		gen_fail(&g, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nf.n; i++)
		if (do_pair(&g, em, nf.rel[i], gen_files_has(&of, nf.rel[i])))
			goto out;
	for (size_t i = 0; i < of.n; i++)
		if (!gen_files_has(&nf, of.rel[i]))
			gen_note(&g, 1, "%s: only in %s, ignored\n", of.rel[i], opts->old_dir);
	if (gen_transformer_write(&g) || gen_types_refuse(&g))
		goto out;
	gen_emit_bind_new(em);
	if (gen_xform_check_patch(&g, out) || gen_sigchange_finish(&g, out))
		goto out;
	count(out, stats);
	if (!stats->replaced && !stats->added) {
		gen_fail(&g, "%s and %s do not differ in code", opts->old_dir, opts->new_dir);
		rc = NS_GEN_NOCHANGE;
		goto out;
	}
	if (bind_to_binary(&g, out) || bind_to_result(&g, out))
		goto out;
	rc = NS_GEN_OK;
out:
	if (rc != NS_GEN_OK)
		ns_patch_free(out);
	/* The warnings are the caller's, whatever the outcome. */
	if (g.warnings.len && !sb_failed(&g.warnings))
		stats->warnings = g.warnings.p;
	else
		sb_free(&g.warnings);
	gen_emit_free(em);
	gen_hookscan_free(&g);
	gen_sigchange_free(&g);
	gen_types_free(g.types);
	gen_xfile_free(g.xfile);
	if (g.xforms)
		gen_xform_free(g.xforms);
	free(g.xforms);
	gen_files_free(&of);
	gen_files_free(&nf);
	return rc;
}
