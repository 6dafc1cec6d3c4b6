/* objfile.c — loads one ELF relocatable object (ET_REL, x86-64) into the
 * generator's model (struct gobj: sections with their bytes and sorted
 * relocations, symbols), and refuses objects it cannot diff soundly: LTO
 * objects and objects not built with -ffunction-sections (gobj_load;
 * gobj_read reads any object, to look at it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf_util.h"
#include "gen/gen.h"

static int rela_cmp(const void *a, const void *b)
{
	const GElf_Rela *x = a, *y = b;

	return x->r_offset < y->r_offset ? -1 : x->r_offset > y->r_offset;
}

static int load_sections(struct gen *g, struct ns_elf *e, struct gobj *o)
{
	o->nsecs = e->shnum;
	o->secs = calloc(o->nsecs, sizeof(*o->secs));
	if (!o->secs)
		return gen_fail(g, "%s: out of memory", o->rel);
	for (size_t i = 1; i < o->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(e->elf, i);
		struct gsec *s = &o->secs[i];
		Elf_Data *d;

		if (!scn || !gelf_getshdr(scn, &s->sh))
			return gen_fail(g, "%s: section %zu: %s", o->rel, i, elf_errmsg(-1));
		s->name = strdup(ns_elf_section_name(e, scn));
		if (!s->name)
			return gen_fail(g, "%s: out of memory", o->rel);
		if (s->sh.sh_type == SHT_REL)
			return gen_fail(g, "%s: section %s: REL relocations (not x86-64?)",
					o->rel, s->name);
		if (s->sh.sh_type == SHT_NOBITS || !s->sh.sh_size ||
		    s->sh.sh_type == SHT_RELA || s->sh.sh_type == SHT_SYMTAB)
			continue;
		d = ns_elf_data(scn);
		if (!d)
			return gen_fail(g, "%s: section %s: unreadable", o->rel, s->name);
		s->data = malloc(s->sh.sh_size);
		if (!s->data)
			return gen_fail(g, "%s: out of memory", o->rel);
		memcpy(s->data, d->d_buf, s->sh.sh_size);
	}
	return 0;
}

/* Attaches every SHT_RELA section to the section it relocates. */
static int load_relocs(struct gen *g, struct ns_elf *e, struct gobj *o)
{
	for (size_t i = 1; i < o->nsecs; i++) {
		struct gsec *rs = &o->secs[i], *t;
		Elf_Data *d;
		size_t n;

		if (rs->sh.sh_type != SHT_RELA)
			continue;
		if (rs->sh.sh_info == 0 || rs->sh.sh_info >= o->nsecs)
			return gen_fail(g, "%s: %s: bad target section", o->rel, rs->name);
		t = &o->secs[rs->sh.sh_info];
		n = rs->sh.sh_entsize ? rs->sh.sh_size / rs->sh.sh_entsize : 0;
		if (!n)
			continue;
		d = elf_getdata(elf_getscn(e->elf, i), NULL);
		if (!d)
			return gen_fail(g, "%s: %s: unreadable", o->rel, rs->name);
		t->rels = calloc(n, sizeof(*t->rels));
		if (!t->rels)
			return gen_fail(g, "%s: out of memory", o->rel);
		for (size_t k = 0; k < n; k++) {
			if (!gelf_getrela(d, (int)k, &t->rels[k]))
				return gen_fail(g, "%s: %s: %s", o->rel, rs->name, elf_errmsg(-1));
			if (GELF_R_SYM(t->rels[k].r_info) >= o->nsyms)
				return gen_fail(g, "%s: %s: bad symbol index", o->rel, rs->name);
		}
		t->nrels = n;
		qsort(t->rels, n, sizeof(*t->rels), rela_cmp);
	}
	return 0;
}

static int load_symbols(struct gen *g, struct ns_elf *e, struct gobj *o)
{
	Elf_Scn *scn = ns_elf_find_type(e, SHT_SYMTAB);
	GElf_Shdr sh;
	Elf_Data *d;

	if (!scn || !gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
	    !(d = elf_getdata(scn, NULL)))
		return gen_fail(g, "%s: no symbol table", o->rel);
	o->nsyms = sh.sh_size / sh.sh_entsize;
	o->syms = calloc(o->nsyms ? o->nsyms : 1, sizeof(*o->syms));
	if (!o->syms)
		return gen_fail(g, "%s: out of memory", o->rel);
	for (size_t i = 0; i < o->nsyms; i++) {
		struct gsym *s = &o->syms[i];
		const char *n;

		if (!gelf_getsym(d, (int)i, &s->s))
			return gen_fail(g, "%s: symbol %zu: %s", o->rel, i, elf_errmsg(-1));
		n = elf_strptr(e->elf, sh.sh_link, s->s.st_name);
		s->name = strdup(n ? n : "");
		if (!s->name)
			return gen_fail(g, "%s: out of memory", o->rel);
		s->type = GELF_ST_TYPE(s->s.st_info);
		s->bind = GELF_ST_BIND(s->s.st_info);
		s->match = -1;
		if (s->s.st_shndx != SHN_UNDEF && s->s.st_shndx < SHN_LORESERVE &&
		    s->s.st_shndx >= o->nsecs)
			return gen_fail(g, "%s: symbol %s: bad section", o->rel, s->name);
		if (s->type == STT_FILE && !o->file)
			o->file = strdup(s->name);
	}
	if (!o->file)
		o->file = strdup("");
	return o->file ? 0 : gen_fail(g, "%s: out of memory", o->rel);
}

/* gcc -flto puts GIMPLE, not code, into the object. */
static int check_not_lto(struct gen *g, const struct gobj *o)
{
	for (size_t i = 1; i < o->nsecs; i++)
		if (o->secs[i].name && !strncmp(o->secs[i].name, ".gnu.lto_", 9))
			return gen_fail(g, "refusing: %s is an LTO object (section %s); "
					"build without -flto", o->rel, o->secs[i].name);
	return 0;
}

/* -ffunction-sections puts every function in a section of its own; without
 * it, replacing one function would mean diffing and carrying all of .text. */
static int check_function_sections(struct gen *g, struct gobj *o)
{
	long *owner = calloc(o->nsecs, sizeof(*owner));

	if (!owner)
		return gen_fail(g, "%s: out of memory", o->rel);
	for (size_t i = 1; i < o->nsyms; i++) {
		struct gsym *s = &o->syms[i];
		long prev;

		if (s->type != STT_FUNC || !gobj_is_named_def(o, i))
			continue;
		prev = owner[s->s.st_shndx];
		if (prev && o->syms[prev].s.st_value != s->s.st_value) {
			gen_fail(g, "refusing: %s was not built with -ffunction-sections "
				 "(functions %s and %s share section %s)", o->rel,
				 o->syms[prev].name, s->name, o->secs[s->s.st_shndx].name);
			free(owner);
			return -1;
		}
		owner[s->s.st_shndx] = (long)i;
	}
	free(owner);
	return 0;
}

int gobj_read(struct gen *g, const char *path, const char *rel, struct gobj *o)
{
	struct ns_elf e;
	GElf_Ehdr eh;
	int rc = -1;

	memset(o, 0, sizeof(*o));
	o->path = strdup(path);
	o->rel = strdup(rel);
	if (!o->path || !o->rel)
		return gen_fail(g, "%s: out of memory", rel);
	if (ns_elf_open(path, &e, g->err))
		return -1;
	if (!gelf_getehdr(e.elf, &eh) || eh.e_type != ET_REL ||
	    eh.e_machine != EM_X86_64 || gelf_getclass(e.elf) != ELFCLASS64) {
		gen_fail(g, "%s: not an x86-64 relocatable object", rel);
		goto out;
	}
	o->nsecs = e.shnum;  /* load_symbols() checks section indices */
	if (load_symbols(g, &e, o) || load_sections(g, &e, o) || load_relocs(g, &e, o))
		goto out;
	rc = 0;
out:
	ns_elf_close(&e);
	return rc;
}

int gobj_load(struct gen *g, const char *path, const char *rel, struct gobj *o)
{
	if (gobj_read(g, path, rel, o) || check_not_lto(g, o) ||
	    check_function_sections(g, o))
		return -1;
	return 0;
}

void gobj_free(struct gobj *o)
{
	for (size_t i = 0; o->secs && i < o->nsecs; i++) {
		free(o->secs[i].name);
		free(o->secs[i].data);
		free(o->secs[i].rels);
	}
	for (size_t i = 0; o->syms && i < o->nsyms; i++)
		free(o->syms[i].name);
	free(o->secs);
	free(o->syms);
	free(o->path);
	free(o->rel);
	free(o->file);
	memset(o, 0, sizeof(*o));
}

int gobj_is_named_def(const struct gobj *o, size_t sym)
{
	const struct gsym *s = &o->syms[sym];

	if (sym == 0 || !*s->name || s->s.st_shndx == SHN_UNDEF ||
	    s->s.st_shndx >= SHN_LORESERVE)
		return 0;
	return s->type == STT_FUNC || s->type == STT_OBJECT ||
	       s->type == STT_TLS || s->type == STT_GNU_IFUNC ||
	       (s->type == STT_NOTYPE && s->bind != STB_LOCAL);
}

long gobj_sym_at(const struct gobj *o, size_t sec, uint64_t off)
{
	long first = -1;

	for (size_t i = 1; i < o->nsyms; i++) {
		const struct gsym *s = &o->syms[i];

		if (s->s.st_shndx != sec || !gobj_is_named_def(o, i))
			continue;
		if (off >= s->s.st_value && off < s->s.st_value + s->s.st_size)
			return (long)i;
		if (first < 0)
			first = (long)i;
	}
	return first;
}

int gobj_sec_anon(const struct gobj *o, size_t sec)
{
	return gobj_sym_at(o, sec, 0) < 0;
}

static int has_cold_suffix(const char *name)
{
	const char *c = strstr(name, ".cold");

	return c && (c[5] == '\0' || c[5] == '.');
}

int gobj_is_shadow_root(const struct gobj *o, size_t sym)
{
	const struct gsym *s = &o->syms[sym];

	return s->type == STT_OBJECT && s->bind != STB_LOCAL && s->name &&
	       !strcmp(s->name, "nonstop__shadow_root");
}

int gobj_is_copied(const struct gobj *o, size_t sym)
{
	const struct gsym *s = &o->syms[sym];
	uint64_t fl;

	if (!gobj_is_named_def(o, sym))
		return 0;
	if (s->type == STT_FUNC)
		return has_cold_suffix(s->name);
	fl = o->secs[s->s.st_shndx].sh.sh_flags;
	return s->type == STT_OBJECT && s->bind == STB_LOCAL &&
	       !(fl & (SHF_WRITE | SHF_EXECINSTR)) && strchr(s->name, '.');
}

int gobj_is_readonly(const struct gobj *o, size_t sym)
{
	const struct gsym *s = &o->syms[sym];
	uint64_t fl;

	if (!gobj_is_named_def(o, sym) || s->type != STT_OBJECT)
		return 0;
	fl = o->secs[s->s.st_shndx].sh.sh_flags;
	return (fl & SHF_ALLOC) && !(fl & (SHF_WRITE | SHF_EXECINSTR | SHF_TLS)) &&
	       o->secs[s->s.st_shndx].sh.sh_type == SHT_PROGBITS;
}

const char *gobj_source(const struct gobj *o)
{
	return *o->file ? o->file : o->rel;
}
