/* safety_modules.c — the modules the stack check (safety.c) unwinds
 * with: the process's files, opened through the kernel; every applied
 * patch with CFI, described as an ELF file (patch_elf.c); separate debug
 * info only once the check was upgraded (see safety.c). */
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "proc/mapfile.h"
#include "registry/registry.h"
#include "transition/patch_elf.h"
#include "transition/safety_priv.h"

/* A file module's ELF: the file the kernel maps at BASE (proc/mapfile.h),
 * never the path maps shows, which the process chooses (libdwfl's own
 * callback opens that path on the host, following symlinks, and blocks
 * on a FIFO put there). Mapped read-only, as link/target.c does and for
 * the same reasons. */
static int file_elf(pid_t pid, Dwarf_Addr base, char **file_name, Elf **elfp)
{
	struct ns_err err = { 0 };
	int fd = ns_mapfile_open_at(pid, base, &err);

	if (fd < 0)
		return -1;
	*elfp = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!*elfp || elf_kind(*elfp) != ELF_K_ELF) {
		if (*elfp)
			elf_end(*elfp);
		*elfp = NULL;
		close(fd);
		return -1;
	}
	*file_name = NULL;
	return fd;
}

/* The ELF file of a module: for a patch's mapping (marked in its
 * userdata by warm_module), the one patch_elf.c wrote; for a file
 * mapping, that file; for the rest ([vdso]), what libdwfl's own callback
 * finds (it reads the image from the process's memory). */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	struct patch_mod *pm = *userdata;
	int fd;

	if (pm && pm->pid && name[0] == '/')
		return file_elf(pm->pid, base, file_name, elfp);
	if (!pm || pm->pid)
		return dwfl_linux_proc_find_elf(mod, userdata, name, base,
						file_name, elfp);
	fd = pm->fd;
	pm->fd = -1; /* libdwfl owns it now */
	*file_name = NULL;
	return fd;
}

/* Separate debug info by build-id only (under /usr/lib/debug/.build-id):
 * the standard callback would also follow the module's .gnu_debuglink, a
 * name the target's file chooses. And only once the check was upgraded. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata,
			  const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const struct patch_mod *pm = *userdata;

	if (!pm || !pm->debuginfo || !*pm->debuginfo)
		return -1;
	return dwfl_build_id_find_debuginfo(mod, userdata, modname, base,
					    file_name, debuglink_file,
					    debuglink_crc, debuginfo_file_name);
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
};

/* The applied patch whose mapping starts at START, or NULL. */
static struct patch_mod *patch_at(struct ns_safety *s, uint64_t start)
{
	for (size_t i = 0; i < s->npm; i++)
		if (s->pm[i].base == start)
			return &s->pm[i];
	return NULL;
}

/* Describes every applied patch that has CFI as an ELF file. A patch
 * whose file cannot be made is left out: its frames then end the unwind,
 * and a thread in them counts as unsafe, as before patches had CFI. */
static void read_patches(struct ns_safety *s)
{
	struct ns_registry reg;
	struct ns_err err = { 0 };

	if (ns_registry_read(s->tr->pid, s->tr->mem_fd, &reg) < 0)
		return;
	s->pm = calloc(reg.n ? reg.n : 1, sizeof(*s->pm));
	for (size_t i = 0; s->pm && i < reg.n; i++) {
		const struct ns_rec *r = reg.v[i].rec;
		struct patch_mod *pm = &s->pm[s->npm];

		if (!r->eh_frame)
			continue;
		pm->fd = ns_patch_elf(s->tr->mem_fd, r, &err);
		if (pm->fd < 0)
			continue;
		pm->base = r->base;
		pm->debuginfo = &s->debuginfo;
		snprintf(pm->name, sizeof(pm->name), "%s", r->name);
		s->npm++;
	}
	ns_registry_free(&reg);
}

/* Loads a module's ELF and CFI now: libdwfl would otherwise do it during
 * the first unwind, while every thread is stopped. A patch's module is
 * marked first, for find_elf. The CFI of separate debug info only once
 * upgraded: libdwfl consults it for a frame .eh_frame lacks. */
static int warm_module(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;

	struct ns_safety *s = arg;
	struct patch_mod *pm = patch_at(s, start);

	(void)name;
	*userdata = pm ? pm : &s->file;
	if (dwfl_module_getelf(mod, &bias)) {
		(void)dwfl_module_eh_cfi(mod, &bias);
		if (s->debuginfo)
			(void)dwfl_module_dwarf_cfi(mod, &bias);
	}
	return DWARF_CB_OK;
}

/* The Dwfl and the patches' modules, dropped. */
void ns_safety_close_dwfl(struct ns_safety *s)
{
	if (s->dwfl)
		dwfl_end(s->dwfl);
	s->dwfl = NULL;
	for (size_t i = 0; i < s->npm; i++)
		if (s->pm[i].fd >= 0)
			close(s->pm[i].fd);
	free(s->pm);
	s->pm = NULL;
	s->npm = 0;
}

/* Reports the process's modules to a new Dwfl and loads their CFI. */
int ns_safety_open_dwfl(struct ns_safety *s, const Dwfl_Thread_Callbacks *tcb)
{
	pid_t pid = s->tr->pid;

	read_patches(s);
	s->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!s->dwfl)
		goto fail;
	if (dwfl_linux_proc_report(s->dwfl, pid) != 0 ||
	    dwfl_report_end(s->dwfl, NULL, NULL) != 0)
		goto fail;
	if (!dwfl_attach_state(s->dwfl, NULL, pid, tcb, s))
		goto fail;
	dwfl_getmodules(s->dwfl, warm_module, s, 0);
	return 0;
fail:
	ns_err_set(s->tr->err, "cannot prepare unwinding of process %d: %s",
		   (int)pid, dwfl_errmsg(-1));
	ns_safety_close_dwfl(s);   /* s->dwfl NULL: every check then refuses */
	return -1;
}

/* The applied patch whose code PC is in, or NULL. */
const struct patch_mod *ns_safety_patch_of(struct ns_safety *s,
					   Dwfl_Module *mod)
{
	void **userdata = NULL;

	if (!mod || !dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL,
				      NULL, NULL) || !userdata)
		return NULL;
	for (size_t i = 0; i < s->npm; i++)
		if (*userdata == &s->pm[i])
			return &s->pm[i];
	return NULL;
}

