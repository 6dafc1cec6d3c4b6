/* dwobj.c — DIEs of the variables and functions of one relocatable object
 * (dwobj.h). Variables are indexed once, by the address of their location,
 * over every DW_TAG_variable of every CU, nested ones included (a static
 * local is a child of its function, or of a lexical block in it). */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen/die.h"
#include "gen/dwobj.h"

#define NEST_MAX 32  /* lexical blocks nested deeper are not searched */

struct varloc {
	Dwarf_Addr addr;   /* in libdwfl's layout of the object */
	Dwarf_Off  off;    /* the DIE */
};

struct dwobj {
	Dwfl        *dwfl;
	Dwfl_Module *mod;
	Dwarf       *dw;
	Dwarf_Addr   bias;
	struct varloc *vars;
	size_t       nvars, cap;
	int          indexed;
};

static const Dwfl_Callbacks offline_cb = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/* Opens PATH with libdwfl's offline mode: its session (*DWFL, to
 * dwfl_end()), module (*MOD) and relocated DWARF, with *BIAS. The DWARF, or
 * NULL (nothing left open) if PATH cannot be opened or has none. */
static Dwarf *open_offline(const char *path, Dwfl **dwfl, Dwfl_Module **mod,
			   Dwarf_Addr *bias)
{
	Dwarf *dw = NULL;
	int fd;

	*mod = NULL;
	*dwfl = dwfl_begin(&offline_cb);
	if (!*dwfl)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	/* libdwfl owns (and closes) FD from here on. */
	*mod = dwfl_report_offline(*dwfl, path, path, fd);
	if (*mod && dwfl_report_end(*dwfl, NULL, NULL) == 0)
		dw = dwfl_module_getdwarf(*mod, bias);
out:
	if (!dw) {
		dwfl_end(*dwfl);
		*dwfl = NULL;
		*mod = NULL;
	}
	return dw;
}

struct dwobj *dwobj_open(const char *path)
{
	struct dwobj *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->dw = open_offline(path, &d->dwfl, &d->mod, &d->bias);
	if (!d->dw) {
		free(d);
		return NULL;
	}
	return d;
}

void dwobj_close(struct dwobj *d)
{
	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);
	free(d->vars);
	free(d);
}

/* The address DIE's location names, if it is exactly one address
 * (DW_OP_addr, or DW_OP_addrx through .debug_addr). */
static int location_addr(Dwarf_Die *die, Dwarf_Addr *addr)
{
	Dwarf_Attribute at, res;
	Dwarf_Op *ops;
	size_t nops;

	if (!dwarf_attr(die, DW_AT_location, &at) ||
	    dwarf_getlocation(&at, &ops, &nops) != 0 || nops != 1)
		return -1;
	if (ops[0].atom == DW_OP_addr) {
		*addr = ops[0].number;
		return 0;
	}
	if ((ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) &&
	    dwarf_getlocation_attr(&at, &ops[0], &res) == 0 &&
	    dwarf_formaddr(&res, addr) == 0)
		return 0;
	return -1;
}

static void add_var(struct dwobj *d, Dwarf_Die *die)
{
	Dwarf_Addr addr;

	if (location_addr(die, &addr))
		return;
	if (d->nvars == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct varloc *v = realloc(d->vars, cap * sizeof(*v));

		if (!v)
			return;  /* the variable is then not found: not compared */
		d->vars = v;
		d->cap = cap;
	}
	d->vars[d->nvars].addr = addr + d->bias;
	d->vars[d->nvars].off = dwarf_dieoffset(die);
	d->nvars++;
}

static void index_children(struct dwobj *d, Dwarf_Die *parent, int depth)
{
	Dwarf_Die c;

	if (depth > NEST_MAX || dwarf_child(parent, &c) != 0)
		return;
	do {
		switch (dwarf_tag(&c)) {
		case DW_TAG_variable:
			add_var(d, &c);
			break;
		case DW_TAG_subprogram:
		case DW_TAG_lexical_block:
		case DW_TAG_inlined_subroutine:
			index_children(d, &c, depth + 1);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
}

static void index_vars(struct dwobj *d)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;

	d->indexed = 1;
	while (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(d->dw, off + hsize, &cu))
			index_children(d, &cu, 0);
		off = next;
	}
}

/* The first DIE at the top level of a CU (a child of the CU DIE) that
 * MATCH accepts, and into *CU (unless NULL) that CU. 0, or -1 if none does. */
static int find_top_level(Dwarf *dw, int (*match)(Dwarf_Die *, const void *),
			  const void *arg, Dwarf_Die *cu, Dwarf_Die *out)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cubuf, c;

	if (!cu)
		cu = &cubuf;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dw, off + hsize, cu) && dwarf_child(cu, &c) == 0)
			do {
				if (match(&c, arg)) {
					*out = c;
					return 0;
				}
			} while (dwarf_siblingof(&c, &c) == 0);
		off = next;
	}
	return -1;
}

/* A variable named NAME that is a definition. */
static int is_var_def_named(Dwarf_Die *c, const void *name)
{
	const char *n;

	if (dwarf_tag(c) != DW_TAG_variable || dwarf_hasattr(c, DW_AT_declaration))
		return 0;
	n = dwarf_diename(c);
	return n && !strcmp(n, name);
}

int dwobj_var(struct dwobj *d, size_t sym, const char *name, Dwarf_Die *out)
{
	GElf_Sym es;
	GElf_Addr addr;
	const char *sname;

	if (!d || sym > INT32_MAX)
		return -1;
	if (!d->indexed)
		index_vars(d);
	sname = dwfl_module_getsym_info(d->mod, (int)sym, &es, &addr, NULL, NULL, NULL);
	if (sname && !strcmp(sname, name))
		for (size_t i = 0; i < d->nvars; i++)
			if (d->vars[i].addr == addr)
				return dwarf_offdie(d->dw, d->vars[i].off, out) ? 0 : -1;
	if (strchr(name, '.'))
		return -1;
	return find_top_level(d->dw, is_var_def_named, name, NULL, out);
}

/* A subprogram whose code covers the DWARF address *ADDR. */
static int is_subprogram_at(Dwarf_Die *c, const void *addr)
{
	return dwarf_tag(c) == DW_TAG_subprogram &&
	       die_has_addr(c, *(const Dwarf_Addr *)addr);
}

Dwfl_Module *dwobj_module(struct dwobj *d)
{
	return d->mod;
}

int dwobj_subprogram_at(struct dwobj *d, Dwarf_Addr addr, Dwarf_Die *cu,
			Dwarf_Die *fn)
{
	Dwarf_Addr at_dw = addr - d->bias;  /* the DWARF address of the code */

	return find_top_level(d->dw, is_subprogram_at, &at_dw, cu, fn);
}

int dwobj_func(struct dwobj *d, size_t sym, const char *name, Dwarf_Die *out)
{
	GElf_Sym es;
	GElf_Addr addr;
	const char *sname;
	Dwarf_Die fn, origin;
	Dwarf_Attribute at;

	if (!d || sym > INT32_MAX)
		return -1;
	sname = dwfl_module_getsym_info(d->mod, (int)sym, &es, &addr, NULL, NULL, NULL);
	if (!sname || strcmp(sname, name))
		return -1;
	if (dwobj_subprogram_at(d, addr, NULL, &fn))
		return -1;
	/* A concrete instance (out-of-line copy of an inline function, a
	 * clone) refers to the DIE that declares the parameters. */
	for (int i = 0; i < 4; i++) {
		if (!dwarf_attr(&fn, DW_AT_abstract_origin, &at) &&
		    !dwarf_attr(&fn, DW_AT_specification, &at))
			break;
		if (!dwarf_formref_die(&at, &origin))
			break;
		fn = origin;
	}
	*out = fn;
	return 0;
}
