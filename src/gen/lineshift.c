/* lineshift.c — where each function of a relocatable object was written in
 * its source: declaration line and line range, from DWARF. Used by the
 * line-number rule of the comparison (lineshift.h). An ET_REL object's
 * .debug_info and line table refer to strings and code through relocations,
 * which libdw alone does not apply; libdwfl's offline mode, through which
 * dwobj.h opens the object, does (it lays the sections out at distinct
 * addresses and relocates the debug sections). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include "gen/die.h"
#include "gen/dwobj.h"
#include "gen/lineshift.h"

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

int lineinfo_func(struct dwobj *d, size_t sym, const char *name,
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

	if (!d || sym > INT32_MAX)
		return -1;
	sname = dwfl_module_getsym_info(dwobj_module(d), (int)sym, &es, &addr, &shndx,
					NULL, NULL);
	if (!sname || strcmp(sname, name) || !es.st_size)
		return -1;
	cu = dwfl_module_addrdie(dwobj_module(d), addr, &bias);
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
	/* dwfl_module_addrdie() finds nothing in clang's DWARF 5 objects. */
	if (!found && dwobj_subprogram_at(d, addr, &cubuf, &fn) == 0) {
		cu = &cubuf;
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
