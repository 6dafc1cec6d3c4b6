/* linked.c — which objects of the two builds belong to the program being
 * patched (gen_linked_select, linked.h). A tree may build several programs,
 * some from the same sources: memcached's make builds memcached and
 * memcached-debug (gcov) from the same *.c, objects memcached-foo.o and
 * memcached_debug-foo.o. Neither a file name nor a source name tells them
 * apart; what the program links does. An object is linked into BIN when
 * every function and variable of it that BIN's .symtab has (a local under
 * the object's STT_FILE, a global by name; weak and COMDAT symbols say
 * nothing) has there the same size and, relocated fields masked (masks.c),
 * the same bytes, and at least one does. Objects that BIN cannot tell
 * apart (the same code built for two programs) are one: the first is kept
 * when the others are the same in both builds, else --new-binary decides,
 * else the build is refused naming them. A source file the program has
 * code of, none of whose objects matches, keeps its best match: the old
 * build may be a later version than the binary (adopt_unmatched). */
#include <elfutils/libdw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf_util.h"
#include "gen/linked.h"
#include "gen/samecode.h"

/* A function or variable defined in the linked program. */
struct bsym {
	const char   *name;
	const char   *file;  /* a local's STT_FILE (NULL: none, or a global) */
	uint64_t      value, size;
	unsigned char bind, type;
};

/* The linked program's functions and variables, sorted by name. */
struct lbin {
	struct ns_elf e;
	struct bsym  *v;
	size_t        n;
	Dwarf        *dw;       /* its DWARF, opened the first time has_cu() asks */
	bool          dw_tried;
};

/* What one object is to the program. */
struct verdict {
	unsigned matched, differ, absent; /* its symbols: the same there, not, none */
	size_t  *claims;    /* the bsym of each matched one */
	char    *file;      /* its STT_FILE (NULL if unreadable) */
	char     why[256];  /* the first that differs */
	int      linked;
	long     same_as;   /* left out as the same code as that object, or -1 */
};

enum { L_ABSENT, L_SAME, L_DIFFER };

static int by_name(const void *a, const void *b)
{
	const struct bsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->value > y->value) - (x->value < y->value);
}

static void lbin_close(struct lbin *b)
{
	if (b->dw)
		dwarf_end(b->dw);
	b->dw = NULL;
	ns_elf_close(&b->e);
	free(b->v);
	b->v = NULL;
}

/* Reads the defined functions and variables of the program at PATH. */
static int lbin_open(struct gen *g, const char *path, struct lbin *b)
{
	const char *file = NULL;
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf_Data *d;
	size_t n;

	memset(b, 0, sizeof(*b));
	if (ns_elf_open(path, &b->e, g->err))
		return -1;
	scn = ns_elf_find_type(&b->e, SHT_SYMTAB);
	if (!scn || !gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
	    !(d = elf_getdata(scn, NULL)))
		return gen_fail(g, "refusing: %s has no symbol table (stripped?); build the "
				"patch against the unstripped binary", path);
	n = sh.sh_size / sh.sh_entsize;
	b->v = calloc(n ? n : 1, sizeof(*b->v));
	if (!b->v)
		return gen_fail(g, "out of memory");
	for (size_t i = 1; i < n; i++) {
		const char *name;
		unsigned type, bind;
		GElf_Sym s;

		if (!gelf_getsym(d, (int)i, &s) ||
		    !(name = elf_strptr(b->e.elf, sh.sh_link, s.st_name)))
			continue;
		type = GELF_ST_TYPE(s.st_info);
		bind = GELF_ST_BIND(s.st_info);
		if (type == STT_FILE)
			file = name;
		if ((type != STT_FUNC && type != STT_OBJECT) || !*name ||
		    s.st_shndx == SHN_UNDEF)
			continue;
		b->v[b->n++] = (struct bsym){ name, bind == STB_LOCAL ? file : NULL,
					      s.st_value, s.st_size, bind, type };
	}
	qsort(b->v, b->n, sizeof(*b->v), by_name);
	return 0;
}

/* Copies SIZE bytes at ADDR of the program into *OUT: 0, 1 if they are not
 * in the file (.bss), -1 out of memory. */
static int lbin_bytes(const struct lbin *b, uint64_t addr, uint64_t size,
		      uint8_t **out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(b->e.elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type == SHT_NOBITS || addr < sh.sh_addr ||
		    addr - sh.sh_addr >= sh.sh_size)
			continue;
		if (size > sh.sh_size - (addr - sh.sh_addr) || !(d = ns_elf_data(scn)))
			return 1;
		*out = malloc(size ? size : 1);
		if (!*out)
			return -1;
		memcpy(*out, (const uint8_t *)d->d_buf + (addr - sh.sh_addr), size);
		return 0;
	}
	return 1;
}

/* The first of the program's symbols named NAME (b->n if none). */
static size_t lbin_lower(const struct lbin *b, const char *name)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(b->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A symbol of O that says whether the program links O: a function or
 * variable with bytes, local or global (the link may keep another
 * object's copy of a weak or COMDAT one), not thread-local (its value in
 * the program is an offset). */
static int is_evidence(const struct gobj *o, size_t i)
{
	const struct gsym *s = &o->syms[i];

	return gobj_is_named_def(o, i) && s->s.st_size &&
	       (s->type == STT_FUNC || s->type == STT_OBJECT) &&
	       (s->bind == STB_LOCAL || s->bind == STB_GLOBAL) &&
	       !(o->secs[s->s.st_shndx].sh.sh_flags & (SHF_GROUP | SHF_TLS));
}

/* Whether program symbol C can be symbol S of O: a local of O's source
 * file, or a global (or the local the linker made of a hidden one, which
 * follows no STT_FILE or an empty one). */
static int in_scope(const struct gobj *o, const struct gsym *s, const struct bsym *c)
{
	if (c->type != s->type)
		return 0;
	if (s->bind == STB_LOCAL)
		return c->bind == STB_LOCAL && c->file && !strcmp(c->file, o->file);
	return c->bind != STB_LOCAL || !c->file || !*c->file;
}

/* 1 if symbol I of O has the bytes of program symbol C, relocated fields
 * masked; 0 if not; -1 out of memory. Without bytes to compare (.bss, a
 * relocation nonstop cannot mask), the size alone decides. */
static int same_bytes(struct gen *g, const struct lbin *b, const struct gobj *o,
		      size_t i, const struct bsym *c)
{
	const struct gsym *s = &o->syms[i];
	const struct gsec *sec = &o->secs[s->s.st_shndx];
	uint64_t off = s->s.st_value, size = s->s.st_size;
	bool mark = ns_err_mark(g->err);
	uint8_t *mine = NULL, *theirs = NULL;
	struct ns_mask *m = NULL;
	uint32_t nm = 0;
	int rc;

	if (!sec->data || off > sec->sh.sh_size || size > sec->sh.sh_size - off)
		return 1;
	if (gen_masks_of_sym(g, o, i, &m, &nm)) {
		ns_err_forget(g->err, mark);
		return 1;
	}
	rc = lbin_bytes(b, c->value, size, &theirs);
	if (rc) {
		free(m);
		return rc > 0 ? 1 : -1;
	}
	mine = malloc(size ? size : 1);
	if (mine) {
		memcpy(mine, sec->data + off, size);
		rc = ns_mask_checksum(mine, size, m, nm) ==
		     ns_mask_checksum(theirs, size, m, nm);
	} else {
		rc = -1;
	}
	free(mine);
	free(theirs);
	free(m);
	return rc;
}

/* Looks for symbol I of O in the program: L_SAME (*CLAIM: which one),
 * L_DIFFER (WHY says how), L_ABSENT, or -1 out of memory. */
static int check_sym(struct gen *g, const struct lbin *b, const struct gobj *o,
		     size_t i, size_t *claim, char *why, size_t whylen)
{
	const struct gsym *s = &o->syms[i];
	const char *what = s->type == STT_FUNC ? "function" : "variable";
	int found = L_ABSENT;

	for (size_t k = lbin_lower(b, s->name); k < b->n && !strcmp(b->v[k].name, s->name); k++) {
		const struct bsym *c = &b->v[k];
		int same;

		if (!in_scope(o, s, c))
			continue;
		if (c->size != s->s.st_size) {
			if (found == L_ABSENT)
				snprintf(why, whylen, "%s %s has %lu bytes there, %lu here",
					 what, s->name, (unsigned long)c->size,
					 (unsigned long)s->s.st_size);
			found = L_DIFFER;
			continue;
		}
		same = same_bytes(g, b, o, i, c);
		if (same < 0)
			return -1;
		if (same) {
			*claim = k;
			return L_SAME;
		}
		if (found == L_ABSENT)
			snprintf(why, whylen, "%s %s has other bytes there", what, s->name);
		found = L_DIFFER;
	}
	return found;
}

/* Judges the object DIR/REL against the program into V. An object that
 * cannot be read stays in (the comparison says what is wrong with it). */
static int judge(struct gen *g, const struct lbin *b, const char *dir,
		 const char *rel, struct verdict *v)
{
	bool mark = ns_err_mark(g->err);
	char *path = NULL, why[sizeof(v->why)];
	struct gobj o;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	v->same_as = -1;
	if (asprintf(&path, "%s/%s", dir, rel) < 0) {
		path = NULL;
		gen_fail(g, "out of memory");
		goto out;
	}
	if (gobj_read(g, path, rel, &o)) {
		ns_err_forget(g->err, mark);
		v->linked = 1;
		rc = 0;
		goto out;
	}
	v->claims = calloc(o.nsyms ? o.nsyms : 1, sizeof(*v->claims));
	v->file = strdup(o.file);
	if (!v->claims || !v->file) {
		gen_fail(g, "out of memory");
		goto out;
	}
	for (size_t i = 1; i < o.nsyms; i++) {
		size_t claim = 0;
		int k;

		if (!is_evidence(&o, i))
			continue;
		k = check_sym(g, b, &o, i, &claim, why, sizeof(why));
		if (k < 0) {
			gen_fail(g, "out of memory");
			goto out;
		}
		if (k == L_SAME)
			v->claims[v->matched++] = claim;
		else if (k == L_ABSENT)
			/* (a compiler-made name, a clone or a static local, may
			 * come and go) */
			v->absent += !strchr(o.syms[i].name, '.');
		else if (!v->differ++)
			memcpy(v->why, why, sizeof(why));
	}
	/* No function or variable at all to tell: kept. */
	v->linked = !v->differ && (v->matched || !v->absent);
	if (!v->differ && !v->linked)
		snprintf(v->why, sizeof(v->why), "none of its %u functions and variables "
			 "is there", v->absent);
	rc = 0;
out:
	gobj_free(&o);
	free(path);
	return rc;
}

/* ---- objects the program cannot tell apart ------------------------------- */

static size_t root(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

/* Groups the linked objects of OF that claim a common symbol of program B
 * (PARENT: union-find, each group's root its first object). */
static int group(struct gen *g, const struct lbin *b, const struct gen_files *of,
		 struct verdict *v, size_t *parent)
{
	size_t *owner = malloc((b->n ? b->n : 1) * sizeof(*owner));

	if (!owner)
		return gen_fail(g, "out of memory");
	for (size_t k = 0; k < b->n; k++)
		owner[k] = SIZE_MAX;
	for (size_t i = 0; i < of->n; i++) {
		parent[i] = i;
		for (unsigned c = 0; v[i].linked && c < v[i].matched; c++) {
			size_t *o = &owner[v[i].claims[c]], r1, r2;

			if (*o == SIZE_MAX) {
				*o = i;
				continue;
			}
			r1 = root(parent, *o);
			r2 = root(parent, i);
			parent[r1 > r2 ? r1 : r2] = r1 > r2 ? r2 : r1;
		}
	}
	free(owner);
	return 0;
}

/* Leaves out each object of a group but its first, when it is the same
 * code as the first in the old build and in the new (NF): a patch made of
 * either is the same. Else refuses, naming both. */
static int resolve_groups(struct gen *g, const struct gen_files *of,
			  const struct gen_files *nf, struct verdict *v,
			  const size_t *parent)
{
	const struct ns_gen_opts *o = g->opts;

	for (size_t i = 0; i < of->n; i++) {
		size_t r = parent[i];
		int has_r, has_i, same;

		if (!v[i].linked || r == i)
			continue;
		same = gen_same_objects(g, o->old_dir, of->rel[r], of->rel[i]);
		has_r = gen_files_has(nf, of->rel[r]);
		has_i = gen_files_has(nf, of->rel[i]);
		if (same > 0 && has_r && has_i)
			same = gen_same_objects(g, o->new_dir, of->rel[r], of->rel[i]);
		else if (same > 0 && has_r != has_i)
			same = 0;
		if (same < 0)
			return -1;
		if (!same)
			return gen_fail(g, "refusing: %s and %s are the same code in %s, "
					"but not in %s: cannot tell which one %s links",
					of->rel[r], of->rel[i], o->binary, o->new_dir,
					o->binary);
		v[i].linked = 0;
		v[i].same_as = (long)r;
	}
	return 0;
}

/* ---- the selection ---------------------------------------------------------- */

/* Whether the DWARF of the program has a compilation unit of source file
 * FILE (its DW_AT_name, or that name's last part). */
static int has_cu(struct lbin *b, const char *file)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	int found = 0;

	if (!b->dw_tried) {
		b->dw_tried = true;
		b->dw = dwarf_begin_elf(b->e.elf, DWARF_C_READ, NULL);
	}
	while (b->dw && !found &&
	       dwarf_nextcu(b->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		const char *n, *base;

		if (dwarf_offdie(b->dw, off + hsize, &cu) && (n = dwarf_diename(&cu))) {
			base = strrchr(n, '/');
			found = !strcmp(n, file) || (base && !strcmp(base + 1, file));
		}
		off = next;
	}
	return found;
}

/* Whether the program has code of source file FILE: statics under its
 * STT_FILE, or a compilation unit of it (a file with no statics leaves
 * no STT_FILE in the program). */
static int has_file(struct lbin *b, const char *file)
{
	for (size_t k = 0; k < b->n; k++)
		if (b->v[k].file && !strcmp(b->v[k].file, file))
			return 1;
	return has_cu(b, file);
}

/* Whether verdict A is a better claim than B to be the program's object of
 * their source file: more of its symbols the same there, fewer absent,
 * fewer different. */
static int better(const struct verdict *a, const struct verdict *b)
{
	if (a->matched != b->matched)
		return a->matched > b->matched;
	if (a->absent != b->absent)
		return a->absent < b->absent;
	return a->differ < b->differ;
}

/* A source file the program has code of, none of whose objects is linked
 * as it is: the objects of the old build may be a later version of the
 * program's (a fix on top of a fix, built against the binary the process
 * runs: an earlier patch changed some of its functions). The best claim
 * among them is kept when at least half of its names are the program's; its
 * functions are then checked against the running code, as every replaced
 * one is (pipeline.c warns where the binary has other code). Else a
 * warning: a difference nonstop does not expect (a fix in those objects
 * would be left out with them). */
static void adopt_unmatched(struct gen *g, struct lbin *b,
			    const struct gen_files *of, struct verdict *v)
{
	for (size_t i = 0; i < of->n; i++) {
		size_t best = i;
		int taken = 0;

		if (v[i].linked || v[i].same_as >= 0 || !v[i].file || !*v[i].file)
			continue;
		for (size_t j = 0; j < of->n && !taken; j++) {
			if (j == i || !v[j].file || strcmp(v[j].file, v[i].file))
				continue;
			taken = v[j].linked || v[j].same_as >= 0 || j < i;
			if (better(&v[j], &v[best]))
				best = j;
		}
		if (taken || !has_file(b, v[i].file))
			continue;
		if (v[best].matched + v[best].differ &&
		    v[best].matched + v[best].differ >= v[best].absent) {
			v[best].linked = 1;
			gen_note(g, 1, "%s: the program's object of %s, though not as %s "
				 "has it (%s): kept\n", of->rel[best], v[best].file,
				 g->opts->binary, v[best].why);
			continue;
		}
		gen_warn(g, "%s has code of %s, but no object built from it "
			 "is linked into it (%s: %s): left out", g->opts->binary,
			 v[i].file, of->rel[i], v[i].why);
	}
}

/* Removes REL from F (sorted: the order stays). */
static void drop(struct gen_files *f, const char *rel)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->rel[i], rel))
			continue;
		free(f->rel[i]);
		memmove(&f->rel[i], &f->rel[i + 1], (f->n - i - 1) * sizeof(*f->rel));
		f->n--;
		return;
	}
}

/* Leaves out of OF and NF the objects V says are not linked, naming each
 * (-v); fails when none is. */
static int apply_verdicts(struct gen *g, struct gen_files *of, struct gen_files *nf,
			  struct verdict *v)
{
	const struct ns_gen_opts *o = g->opts;
	size_t kept = 0, n = of->n;
	char **rels = of->rel;

	for (size_t i = 0; i < n; i++)
		kept += v[i].linked != 0;
	if (!kept)
		return gen_fail(g, "refusing: %s links none of the objects of %s (%s: %s)",
				o->binary, o->old_dir, rels[0], v[0].why);
	for (size_t i = 0; i < n; i++) {
		if (v[i].linked)
			continue;
		if (v[i].same_as >= 0)
			gen_note(g, 1, "%s: the same code as %s, left out\n", rels[i],
				 rels[v[i].same_as]);
		else
			gen_note(g, 1, "%s: not linked into %s (%s), left out\n",
				 rels[i], o->binary, v[i].why);
		drop(nf, rels[i]);
	}
	for (size_t i = 0, k = 0; i < n; i++) {
		if (v[i].linked)
			rels[k++] = rels[i];
		else
			free(rels[i]);
	}
	of->n = kept;
	return 0;
}

int gen_linked_select(struct gen *g, struct gen_files *of, struct gen_files *nf)
{
	struct verdict *v = calloc(of->n ? of->n : 1, sizeof(*v));
	size_t *parent = calloc(of->n ? of->n : 1, sizeof(*parent));
	struct lbin b;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	b.e.fd = -1;
	if (!v || !parent) {
		gen_fail(g, "out of memory");
		goto out;
	}
	if (lbin_open(g, g->opts->binary, &b))
		goto out;
	for (size_t i = 0; i < of->n; i++)
		if (judge(g, &b, g->opts->old_dir, of->rel[i], &v[i]))
			goto out;
	if (group(g, &b, of, v, parent))
		goto out;
	for (size_t i = 0; i < of->n; i++)
		parent[i] = root(parent, i);
	if (resolve_groups(g, of, nf, v, parent))
		goto out;
	adopt_unmatched(g, &b, of, v);
	if (apply_verdicts(g, of, nf, v))
		goto out;
	rc = 0;
out:
	for (size_t i = 0; v && i < of->n; i++) {
		free(v[i].claims);
		free(v[i].file);
	}
	free(v);
	free(parent);
	lbin_close(&b);
	return rc;
}
