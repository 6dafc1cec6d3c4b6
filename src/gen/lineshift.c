/* lineshift.c — where each function of a relocatable object was written in
 * its source: declaration line and line range, from DWARF. Used by the
 * line-number rule of the comparison (lineshift.h). An ET_REL object's
 * .debug_info and line table refer to strings and code through relocations,
 * which libdw alone does not apply; libdwfl's offline mode does (it lays the
 * sections out at distinct addresses and relocates the debug sections). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include "gen/dwobj.h"
#include "gen/lineshift.h"

struct lineinfo {
	Dwfl        *dwfl;
	Dwfl_Module *mod;
};

struct lineinfo *lineinfo_open(const char *path)
{
	struct lineinfo *li = calloc(1, sizeof(*li));
	Dwarf_Addr bias;

	if (!li)
		return NULL;
	if (!dwobj_open_offline(path, &li->dwfl, &li->mod, &bias)) {
		free(li);
		return NULL;
	}
	return li;
}

void lineinfo_close(struct lineinfo *li)
{
	if (!li)
		return;
	if (li->dwfl)
		dwfl_end(li->dwfl);
	free(li);
}

/* True if ADDR is in one of the address ranges of DIE. */
static int die_has_addr(Dwarf_Die *die, Dwarf_Addr addr)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;

	/* low_pc/high_pc first: dwarf_ranges() of elfutils 0.188 fails on
	 * clang's DW_FORM_addrx low_pc in relocated objects. */
	if (dwarf_lowpc(die, &start) == 0 && dwarf_highpc(die, &end) == 0)
		return addr >= start && addr < end;
	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0)
		if (addr >= start && addr < end)
			return 1;
	return 0;
}

/* The CU whose top-level DW_TAG_subprogram covers ADDR, and that DIE; for
 * when dwfl_module_addrdie() finds nothing (clang's DWARF 5 objects). */
static int find_subprogram(struct lineinfo *li, Dwarf_Addr addr, Dwarf_Die *cu,
			   Dwarf_Die *fn)
{
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(li->mod, &bias);
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (!dw)
		return -1;
	addr -= bias;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die child;

		if (dwarf_offdie(dw, off + hsize, cu) && dwarf_child(cu, &child) == 0)
			do {
				if (dwarf_tag(&child) == DW_TAG_subprogram &&
				    die_has_addr(&child, addr)) {
					*fn = child;
					return 0;
				}
			} while (dwarf_siblingof(&child, &child) == 0);
		off = next;
	}
	return -1;
}

/* The declaration file of FN when dwarf_decl_file() gives none: elfutils
 * 0.188 refuses index 0, which DWARF 5 (clang) uses for the primary file. */
static const char *decl_file0(Dwarf_Die *cu, Dwarf_Die *fn)
{
	Dwarf_Attribute at;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t nfiles;

	if (!dwarf_attr_integrate(fn, DW_AT_decl_file, &at) ||
	    dwarf_formudata(&at, &idx) || dwarf_getsrcfiles(cu, &files, &nfiles) ||
	    idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

int lineinfo_func(struct lineinfo *li, size_t sym, const char *name,
		  uint32_t *decl, uint32_t *lo, uint32_t *hi)
{
	GElf_Sym es;
	GElf_Addr addr;
	GElf_Word shndx;
	Dwarf_Addr bias;
	Dwarf_Die *cu, *scopes = NULL, fn, cubuf;
	Dwarf_Lines *lines;
	const char *sname, *dfile;
	size_t nlines;
	int n, dline, found = 0;
	uint32_t mn = UINT32_MAX, mx = 0;

	if (!li || sym > INT32_MAX)
		return -1;
	sname = dwfl_module_getsym_info(li->mod, (int)sym, &es, &addr, &shndx,
					NULL, NULL);
	if (!sname || strcmp(sname, name) || !es.st_size)
		return -1;
	cu = dwfl_module_addrdie(li->mod, addr, &bias);
	if (cu) {
		n = dwarf_getscopes(cu, addr - bias, &scopes);
		for (int i = 0; i < n; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
				fn = scopes[i];
				found = 1;
				break;
			}
		free(scopes);
	}
	if (!found && find_subprogram(li, addr, &cubuf, &fn) == 0) {
		cu = &cubuf;
		dwfl_module_getdwarf(li->mod, &bias);
		found = 1;
	}
	if (!found || dwarf_decl_line(&fn, &dline) || dline <= 0)
		return -1;
	dfile = dwarf_decl_file(&fn);
	if (!dfile)
		dfile = decl_file0(cu, &fn);
	if (!dfile || dwarf_getsrclines(cu, &lines, &nlines))
		return -1;
	for (size_t i = 0; i < nlines; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr la;
		const char *src;
		int ln;

		if (!l || dwarf_lineaddr(l, &la) || dwarf_lineno(l, &ln) || ln <= 0)
			continue;
		if (!die_has_addr(&fn, la))
			continue;
		src = dwarf_linesrc(l, NULL, NULL);
		if (!src || strcmp(src, dfile))
			continue;
		if ((uint32_t)ln < mn)
			mn = (uint32_t)ln;
		if ((uint32_t)ln > mx)
			mx = (uint32_t)ln;
	}
	if (!mx)
		return -1;
	*decl = (uint32_t)dline;
	*lo = mn < (uint32_t)dline ? mn : (uint32_t)dline;
	*hi = mx;
	return 0;
}
