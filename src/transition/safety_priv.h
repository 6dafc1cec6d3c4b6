/* safety_priv.h — what safety.c and safety_modules.c share: the check's
 * state, and the modules libdwfl unwinds with. Not for other files. */
#ifndef NONSTOP_SAFETY_PRIV_H
#define NONSTOP_SAFETY_PRIV_H
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

#include "proc/tracee.h"
#include "registry/record.h"
#include "transition/snapshot.h"

/* A module's userdata (warm_module): an applied patch with CFI, as
 * libdwfl's module of its mapping; or (PID set) a file mapping of the
 * process, whose ELF file find_elf opens through the kernel. */
struct patch_mod {
	uint64_t base;
	int      fd;               /* its ELF file (patch_elf.c), until
				      libdwfl takes it; -1 after */
	char     name[NS_NAME_MAX];
	pid_t    pid;              /* not a patch: the process */
	const bool *debuginfo;     /* the check's ns_safety.debuginfo */
};

struct ns_safety {
	Dwfl *dwfl;
	struct ns_tracee *tr;
	struct patch_mod *pm;
	size_t npm;
	struct patch_mod file;     /* the userdata of every other module */
	struct ns_snapshot *snap;
	bool debuginfo;            /* separate debug info may be loaded */
	bool want_debuginfo;       /* a stack did not unwind without it */
	struct user_regs_struct regs; /* of the thread being unwound */
};

/* Reports the process's modules to a new Dwfl (TCB: how its threads are
 * read) and loads their CFI (separate debug info only if s->debuginfo).
 * 0, or -1 with the tracee's err and s->dwfl NULL. */
int ns_safety_open_dwfl(struct ns_safety *s, const Dwfl_Thread_Callbacks *tcb);

/* The Dwfl and the patches' modules, dropped. */
void ns_safety_close_dwfl(struct ns_safety *s);

/* The applied patch whose module MOD is, or NULL. */
const struct patch_mod *ns_safety_patch_of(struct ns_safety *s,
					   Dwfl_Module *mod);
#endif
