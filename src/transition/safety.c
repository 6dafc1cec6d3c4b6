/* safety.c — the stack check of stop-the-world transitions.
 *
 * Every thread is stopped when ns_safety_check() runs, so its registers and
 * stack are stable. libdwfl unwinds each stack with the modules' CFI
 * (.eh_frame/.debug_frame: frame pointers are not assumed); we supply the
 * registers ptrace already read, and memory from a copy of the thread's
 * live stack taken in one read (snapshot.h).
 * A frame's pc is "in" a range if the thread executes there (innermost
 * frame, or a signal frame) or will return there (pc - 1, the call).
 *
 * Frames inside applied patches: libdwfl reports each patch's mapping as a
 * module without an ELF file (a memfd holding a nonstop record). For every
 * patch whose record has CFI, we give libdwfl an ELF file describing it
 * (patch_elf.c) through our find_elf callback, so that a thread in new
 * code, or in a callee of it, is unwound past it and judged by its real
 * callers; and messages name such a frame "function foo of patch 'fix'".
 *
 * Separate debug info is left alone at first: x86-64 code carries its CFI
 * in .eh_frame, and inflating libc's compressed .debug_* sections cost
 * most of an apply's time. Only when a stack does not unwind is the check
 * prepared again with it (ns_safety_upgrade), outside the pause, and the
 * thread looked at once more: libdwfl remembers a module it could not find
 * debug info for, so a Dwfl that refused it once cannot use it later. */
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/syscall.h>

#include "proc/mapfile.h"
#include "proc/mem.h"
#include "registry/registry.h"
#include "transition/patch_elf.h"
#include "transition/safety.h"
#include "transition/snapshot.h"

#define MAX_FRAMES 512

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

struct walk {
	struct ns_safety *s;
	const struct ns_range *r;
	size_t n;
	int depth;
	int hit;              /* index of the range hit, or -1 */
	uint64_t pc;
};

static struct ns_thread *thread_by_tid(struct ns_tracee *tr, pid_t tid)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->t[i]->tid == tid && !tr->t[i]->gone)
			return tr->t[i];
	return NULL;
}

/* The registers the unwind of TH starts from: its own, except in one
 * place without CFI. glibc ends clone's FDE before the syscall ("in the
 * child the unwind info will be wrong"), so a parent stopped on clone's
 * return (a PTRACE_EVENT_CLONE stop) has no CFI at frame 0; what follows
 * the syscall there is a plain `ret`, so we start from the caller: the
 * return address at rsp. */
/* Whether .eh_frame describes PC. */
static bool has_cfi(struct ns_safety *s, uint64_t pc)
{
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
	Dwarf_Addr bias;
	Dwarf_CFI *cfi = mod ? dwfl_module_eh_cfi(mod, &bias) : NULL;
	Dwarf_Frame *frame;

	if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame) != 0)
		return false;
	free(frame);
	return true;
}

/* TH is on the instruction right after a clone system call, where there
 * is no CFI: clone's own code. Told by the call (orig_rax, kept until the
 * thread enters the kernel again), not by a symbol: naming the function
 * would take libc's symbol table, the price of which (a search of
 * thousands of symbols per thread) was most of the pause. */
static bool in_clone_after_syscall(struct ns_safety *s,
				   const struct ns_thread *th)
{
	uint64_t pc = th->regs.rip;
	uint8_t insn[2];

	if (th->regs.orig_rax != SYS_clone && th->regs.orig_rax != SYS_clone3)
		return false;
	if (ns_mem_read(s->tr->mem_fd, pc - 2, insn, 2) < 0 ||
	    insn[0] != 0x0f || insn[1] != 0x05)
		return false;
	return !has_cfi(s, pc);
}

/* A thread just born: still there, with clone's child value 0. It has no
 * frames at all (its stack is empty). */
static bool just_born(struct ns_safety *s, const struct ns_thread *th)
{
	return th->regs.rax == 0 && in_clone_after_syscall(s, th);
}

static void start_regs(struct ns_safety *s, const struct ns_thread *th,
		       struct user_regs_struct *r)
{
	uint64_t ret;

	*r = th->regs;
	if (in_clone_after_syscall(s, th) && (int64_t)th->regs.rax > 0 &&
	    ns_mem_read(s->tr->mem_fd, r->rsp, &ret, sizeof(ret)) == 0) {
		r->rip = ret;
		r->rsp += 8;
	}
}

/* Threads are unwound one at a time, through dwfl_getthread_frames(). */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl; (void)arg; (void)thread_argp;
	return 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct ns_safety *s = arg;
	struct ns_thread *th = thread_by_tid(s->tr, tid);

	(void)dwfl;
	if (!th)
		return false;
	start_regs(s, th, &s->regs);
	*thread_argp = &s->regs;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result,
			void *arg)
{
	struct ns_safety *s = arg;
	uint64_t word;

	(void)dwfl;
	if (!ns_snapshot_word(s->snap, addr, &word))
		return false;
	*result = word;
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct user_regs_struct *r = thread_arg;
	Dwarf_Word regs[17];

	/* DWARF register numbers of x86-64. */
	regs[0] = r->rax;  regs[1] = r->rdx;  regs[2] = r->rcx;  regs[3] = r->rbx;
	regs[4] = r->rsi;  regs[5] = r->rdi;  regs[6] = r->rbp;  regs[7] = r->rsp;
	regs[8] = r->r8;   regs[9] = r->r9;   regs[10] = r->r10; regs[11] = r->r11;
	regs[12] = r->r12; regs[13] = r->r13; regs[14] = r->r14; regs[15] = r->r15;
	regs[16] = r->rip;
	return dwfl_thread_state_registers(thread, 0, 17, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

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
static void close_dwfl(struct ns_safety *s)
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
static int open_dwfl(struct ns_safety *s)
{
	pid_t pid = s->tr->pid;

	read_patches(s);
	s->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!s->dwfl)
		goto fail;
	if (dwfl_linux_proc_report(s->dwfl, pid) != 0 ||
	    dwfl_report_end(s->dwfl, NULL, NULL) != 0)
		goto fail;
	if (!dwfl_attach_state(s->dwfl, NULL, pid, &thread_callbacks, s))
		goto fail;
	dwfl_getmodules(s->dwfl, warm_module, s, 0);
	return 0;
fail:
	ns_err_set(s->tr->err, "cannot prepare unwinding of process %d: %s",
		   (int)pid, dwfl_errmsg(-1));
	return -1;
}

struct ns_safety *ns_safety_new(struct ns_tracee *tr)
{
	struct ns_safety *s = calloc(1, sizeof(*s));

	if (!s || !(s->snap = ns_snapshot_new(tr->pid, tr->mem_fd))) {
		ns_err_set(tr->err, "out of memory");
		free(s);
		return NULL;
	}
	s->tr = tr;
	s->file.pid = tr->pid;
	s->file.fd = -1;
	s->file.debuginfo = &s->debuginfo;
	if (open_dwfl(s) < 0) {
		ns_safety_free(s);
		return NULL;
	}
	return s;
}

int ns_safety_upgrade(struct ns_safety *s)
{
	if (!s->want_debuginfo || s->debuginfo)
		return 0;
	s->want_debuginfo = false;
	s->debuginfo = true;
	close_dwfl(s);
	return open_dwfl(s);
}

void ns_safety_free(struct ns_safety *s)
{
	if (!s)
		return;
	close_dwfl(s);
	ns_snapshot_free(s->snap);
	free(s);
}

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (!activation)
		pc--; /* a return address: the call is the instruction before */
	w->pc = pc;
	for (size_t i = 0; i < w->n; i++)
		if (pc >= w->r[i].start && pc < w->r[i].end) {
			w->hit = (int)i;
			return DWARF_CB_ABORT;
		}
	if (++w->depth >= MAX_FRAMES)
		return DWARF_CB_ABORT;
	return DWARF_CB_OK;
}

/* The applied patch whose code PC is in, or NULL. */
static const struct patch_mod *patch_of_pc(struct ns_safety *s, Dwfl_Module *mod)
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

/* Where a pc is, for a message: "foo", or "function foo of patch 'fix'"
 * inside a patch's code. */
static void describe_pc(struct ns_safety *s, uint64_t pc, char *buf, size_t len)
{
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
	const char *fn = mod ? dwfl_module_addrname(mod, pc) : NULL;
	const struct patch_mod *pm = patch_of_pc(s, mod);

	if (pm && fn)
		snprintf(buf, len, "function %s of patch '%s'", fn, pm->name);
	else if (pm)
		snprintf(buf, len, "0x%llx in patch '%s'", (unsigned long long)pc,
			 pm->name);
	else if (fn)
		snprintf(buf, len, "%s", fn);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)pc);
}

static int check_thread(struct ns_safety *s, struct ns_thread *th,
			const struct ns_range *r, size_t n, struct ns_blocker *b)
{
	struct walk w = { .s = s, .r = r, .n = n, .hit = -1 };
	int rc;
	char where[160];

	/* Nothing read for another thread holds for this one: the others
	 * may still run (transition.c checks each as it stops). */
	ns_snapshot_forget(s->snap);
	(void)ns_snapshot_stack(s->snap, th->regs.rsp);
	rc = dwfl_getthread_frames(s->dwfl, th->tid, frame_cb, &w);

	b->tid = th->tid;
	b->depth = w.hit >= 0 ? w.depth : -1;
	if (w.hit >= 0) {
		/* Inside a patch, name the function (a range covering a
		 * patch's code is named for the whole patch). */
		if (patch_of_pc(s, dwfl_addrmodule(s->dwfl, w.pc)))
			describe_pc(s, w.pc, where, sizeof(where));
		else
			snprintf(where, sizeof(where), "%s", r[w.hit].name);
		snprintf(b->what, sizeof(b->what), "thread %d %s %s (frame #%d)",
			 th->tid, w.depth == 0 ? "is executing" : "will return into",
			 where, w.depth);
		return 1;
	}
	if (w.depth >= MAX_FRAMES) {
		snprintf(b->what, sizeof(b->what), "thread %d: stack deeper than "
			 "%d frames", th->tid, MAX_FRAMES);
		return 1;
	}
	/* An unwinding error means frames we could not see: they could be
	 * returning into changed code, so the thread counts as unsafe —
	 * unless it is a thread just born, still on the instruction after
	 * clone's syscall with clone's child return value 0: it has no
	 * frames at all (its stack is empty and clone's CFI describes the
	 * parent). */
	if (rc < 0 && just_born(s, th))
		return 0;
	if (rc < 0) {
		s->want_debuginfo = true;
		describe_pc(s, w.pc ? w.pc : th->regs.rip, where, sizeof(where));
		snprintf(b->what, sizeof(b->what), "thread %d: cannot unwind its "
			 "stack past %s (frame #%d): %s", th->tid, where, w.depth,
			 dwfl_errmsg(-1));
		return 1;
	}
	return 0;
}

void ns_safety_forget(struct ns_safety *s)
{
	ns_snapshot_forget(s->snap);
}

int ns_safety_check_thread(struct ns_safety *s, struct ns_thread *th,
			   const struct ns_range *r, size_t n,
			   struct ns_blocker *b)
{
	if (!s->dwfl) { /* a failed upgrade */
		b->tid = th->tid;
		b->depth = -1;
		snprintf(b->what, sizeof(b->what), "cannot unwind the stacks");
		return 1;
	}
	/* A thread born while we held the process has not run a single
	 * instruction of its own: it cannot be in old code, and its stack
	 * (still inside clone) does not unwind. */
	if (th->gone || !th->stopped || th->fresh)
		return 0;
	return check_thread(s, th, r, n, b);
}

int ns_safety_check(struct ns_safety *s, const struct ns_range *r, size_t n,
		    struct ns_blocker *b)
{
	ns_safety_forget(s);   /* threads ran since the last check */
	for (size_t i = 0; i < s->tr->n; i++) {
		int rc = ns_safety_check_thread(s, s->tr->t[i], r, n, b);

		if (rc)
			return rc;
	}
	return 0;
}

struct frames_walk {
	struct ns_safety *s;
	int (*cb)(void *arg, uint64_t pc, const char *func, const char *module);
	void *arg;
	int depth;
	int stopped;         /* CB's nonzero answer */
};

static int each_frame(Dwfl_Frame *frame, void *arg)
{
	struct frames_walk *w = arg;
	Dwarf_Addr pc;
	bool activation;
	Dwfl_Module *mod;
	const char *module = NULL;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (!activation)
		pc--;
	mod = dwfl_addrmodule(w->s->dwfl, pc);
	if (mod)
		module = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL,
					  NULL, NULL);
	w->stopped = w->cb(w->arg, pc, mod ? dwfl_module_addrname(mod, pc) : NULL,
			   module);
	if (w->stopped || ++w->depth >= MAX_FRAMES)
		return DWARF_CB_ABORT;
	return DWARF_CB_OK;
}

int ns_safety_frames(struct ns_safety *s, struct ns_thread *th,
		     int (*cb)(void *arg, uint64_t pc, const char *func,
			       const char *module),
		     void *arg)
{
	struct frames_walk w = { .s = s, .cb = cb, .arg = arg };
	int rc;

	if (!s->dwfl)
		return -1;
	ns_snapshot_forget(s->snap);
	(void)ns_snapshot_stack(s->snap, th->regs.rsp);
	rc = dwfl_getthread_frames(s->dwfl, th->tid, each_frame, &w);
	if (rc < 0 && !w.stopped && !s->debuginfo) {
		/* One thread stopped, not the process: upgrading now costs
		 * it alone the time. */
		s->want_debuginfo = true;
		if (ns_safety_upgrade(s) < 0)
			return -1;
		return ns_safety_frames(s, th, cb, arg);
	}
	if (w.stopped)
		return w.stopped;
	return rc < 0 || w.depth >= MAX_FRAMES ? -1 : 0;
}
