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
 * (patch_elf.c) through our find_elf callback (safety_modules.c), so that a
 * thread in new code, or in a callee of it, is unwound past it and judged
 * by its real callers; and messages name such a frame "function foo of
 * patch 'fix'".
 *
 * Separate debug info is left alone at first: x86-64 code carries its CFI
 * in .eh_frame, and inflating libc's compressed .debug_* sections cost
 * most of an apply's time. Only when a stack does not unwind is the check
 * prepared again with it (ns_safety_upgrade), outside the pause, and the
 * thread looked at once more: libdwfl remembers a module it could not find
 * debug info for, so a Dwfl that refused it once cannot use it later. */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "proc/mem.h"
#include "transition/safety.h"
#include "transition/safety_priv.h"
#include "transition/snapshot.h"

#define MAX_FRAMES 512

struct walk {
	struct ns_safety *s;
	const struct ns_range *r;
	size_t n;
	int depth;
	int hit;              /* index of the range hit, or -1 */
	bool nocfi;           /* a frame without CFI ended the walk */
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
static bool cfi_covers(Dwarf_CFI *cfi, Dwarf_Addr bias, uint64_t pc)
{
	Dwarf_Frame *frame;

	if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame) != 0)
		return false;
	free(frame);
	return true;
}

/* Whether .eh_frame describes PC. */
static bool has_cfi(struct ns_safety *s, uint64_t pc)
{
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
	Dwarf_Addr bias = 0;
	Dwarf_CFI *cfi = mod ? dwfl_module_eh_cfi(mod, &bias) : NULL;

	return cfi_covers(cfi, bias, pc);
}

/* Whether a frame at PC unwinds by its CFI: .eh_frame's, or, once
 * upgraded, .debug_frame's. Where there is none, libdwfl falls back to
 * following frame pointers, and a frame whose code keeps no frame
 * pointer then unwinds "successfully" past its real caller: such a
 * frame counts as one that does not unwind (the check is then prepared
 * again with debug info, and fails only if that has none either). */
static bool frame_has_cfi(struct ns_safety *s, uint64_t pc)
{
	Dwfl_Module *mod;
	Dwarf_CFI *cfi;
	Dwarf_Addr bias = 0;

	if (has_cfi(s, pc))
		return true;
	mod = s->debuginfo ? dwfl_addrmodule(s->dwfl, pc) : NULL;
	if (!mod)
		return false;
	cfi = dwfl_module_dwarf_cfi(mod, &bias);   /* sets bias: then read */
	return cfi_covers(cfi, bias, pc);
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
	/* The parent: after the call (the child's tid), or at its clone
	 * event stop, inside it (-ENOSYS: the call has not returned yet). */
	if (in_clone_after_syscall(s, th) &&
	    ((int64_t)th->regs.rax > 0 || (int64_t)th->regs.rax == -ENOSYS) &&
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
	if (ns_safety_open_dwfl(s, &thread_callbacks) < 0) {
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
	ns_safety_close_dwfl(s);
	return ns_safety_open_dwfl(s, &thread_callbacks);
}

void ns_safety_free(struct ns_safety *s)
{
	if (!s)
		return;
	ns_safety_close_dwfl(s);
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
	if (!frame_has_cfi(w->s, pc)) {
		w->nocfi = true;
		return DWARF_CB_ABORT;
	}
	if (++w->depth >= MAX_FRAMES)
		return DWARF_CB_ABORT;
	return DWARF_CB_OK;
}

/* Where a pc is, for a message: "foo", or "function foo of patch 'fix'"
 * inside a patch's code. */
static void describe_pc(struct ns_safety *s, uint64_t pc, char *buf, size_t len)
{
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
	const char *fn = mod ? dwfl_module_addrname(mod, pc) : NULL;
	const struct patch_mod *pm = ns_safety_patch_of(s, mod);

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
	/* Its own pc first: the unwind may start from its caller (clone). */
	for (size_t i = 0; i < n; i++)
		if (th->regs.rip >= r[i].start && th->regs.rip < r[i].end)
			w.hit = (int)i;
	rc = w.hit >= 0 ? 0 : dwfl_getthread_frames(s->dwfl, th->tid, frame_cb, &w);
	if (w.nocfi)
		rc = -1;

	b->tid = th->tid;
	b->depth = w.hit >= 0 ? w.depth : -1;
	if (w.hit >= 0) {
		/* Inside a patch, name the function (a range covering a
		 * patch's code is named for the whole patch). */
		if (ns_safety_patch_of(s, dwfl_addrmodule(s->dwfl, w.pc)))
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
			 w.nocfi ? "no unwind information (CFI) for it"
				 : dwfl_errmsg(-1));
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
	bool nocfi;          /* a frame without CFI ended the walk */
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
	if (!frame_has_cfi(w->s, pc)) {   /* see frame_cb */
		w->nocfi = true;
		return DWARF_CB_ABORT;
	}
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
	if (w.nocfi)
		rc = -1;
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
