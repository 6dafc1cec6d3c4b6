/* samecode.c — whether two object files are the same code and data: their
 * loaded sections in order (bytes, relocations and what each refers to)
 * and their symbols. linked.c asks it of objects the binary cannot tell
 * apart (one source built the same way for two programs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/samecode.h"

static const char *target_name(const struct gobj *o, const GElf_Rela *r)
{
	const struct gsym *s = &o->syms[GELF_R_SYM(r->r_info)];

	if (s->type == STT_SECTION && s->s.st_shndx < o->nsecs)
		return o->secs[s->s.st_shndx].name;
	return s->name;
}

static int same_section(const struct gobj *a, const struct gsec *x,
			const struct gobj *b, const struct gsec *y)
{
	if (strcmp(x->name, y->name) || x->sh.sh_type != y->sh.sh_type ||
	    x->sh.sh_size != y->sh.sh_size || x->sh.sh_flags != y->sh.sh_flags ||
	    !x->data != !y->data || (x->data && memcmp(x->data, y->data, x->sh.sh_size)) ||
	    x->nrels != y->nrels)
		return 0;
	for (size_t r = 0; r < x->nrels; r++) {
		const GElf_Rela *p = &x->rels[r], *q = &y->rels[r];

		if (p->r_offset != q->r_offset || p->r_addend != q->r_addend ||
		    GELF_R_TYPE(p->r_info) != GELF_R_TYPE(q->r_info) ||
		    strcmp(target_name(a, p), target_name(b, q)))
			return 0;
	}
	return 1;
}

/* The next index after I of a section of O that is loaded, or o->nsecs. */
static size_t next_alloc(const struct gobj *o, size_t i)
{
	while (++i < o->nsecs && !(o->secs[i].sh.sh_flags & SHF_ALLOC))
		;
	return i;
}

/* The next index after I of a named definition of O, or o->nsyms. */
static size_t next_def(const struct gobj *o, size_t i)
{
	while (++i < o->nsyms && !gobj_is_named_def(o, i))
		;
	return i;
}

/* Whether A and B are the same code and data: their loaded sections, in
 * order (bytes, relocations and what they refer to), and their symbols. */
static int same_code(const struct gobj *a, const struct gobj *b)
{
	size_t i = 0, j = 0;

	while ((i = next_alloc(a, i)) < a->nsecs && (j = next_alloc(b, j)) < b->nsecs)
		if (!same_section(a, &a->secs[i], b, &b->secs[j]))
			return 0;
	if (i < a->nsecs || next_alloc(b, j) < b->nsecs)
		return 0;
	i = j = 0;
	while ((i = next_def(a, i)) < a->nsyms && (j = next_def(b, j)) < b->nsyms) {
		const struct gsym *x = &a->syms[i], *y = &b->syms[j];

		if (strcmp(x->name, y->name) || x->type != y->type || x->bind != y->bind ||
		    x->s.st_value != y->s.st_value || x->s.st_size != y->s.st_size ||
		    strcmp(a->secs[x->s.st_shndx].name, b->secs[y->s.st_shndx].name))
			return 0;
	}
	return i >= a->nsyms && next_def(b, j) >= b->nsyms;
}

int gen_same_objects(struct gen *g, const char *dir, const char *r1, const char *r2)
{
	struct gobj a, b;
	char *p1 = NULL, *p2 = NULL;
	bool mark = ns_err_mark(g->err);
	int rc = -1, ra, rb;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (asprintf(&p1, "%s/%s", dir, r1) < 0 || asprintf(&p2, "%s/%s", dir, r2) < 0) {
		gen_fail(g, "out of memory");
		goto out;
	}
	ra = gobj_read(g, p1, r1, &a);
	rb = gobj_read(g, p2, r2, &b);
	ns_err_forget(g->err, mark);
	rc = ra || rb ? 0 : same_code(&a, &b);
out:
	gobj_free(&a);
	gobj_free(&b);
	free(p1);
	free(p2);
	return rc;
}
