/* gate.c — the commit gate (see gate.h): its code, the journal, and moving
 * threads to it and back.
 *
 * The gate's code is data to nonstop: it is copied into the patch's
 * executable memory, and runs only in the target, only if nonstop died
 * during a switch. Entry: rdi = journal, rsp = the thread's signal frame.
 * It uses raw system calls only (no libc: the program's locks may be held
 * by any thread), blocks signals first, keeping the thread's own mask in
 * the frame (rt_sigreturn restores it), saves the FPU state into the frame
 * (XSAVE, which reads it), and never changes FPU state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>

#include "proc/maps.h"
#include "proc/mem.h"
#include "proc/sigframe.h"
#include "transition/gate.h"
#include "util/fault.h"

__asm__(
	".pushsection .rodata.ns_gate, \"a\"\n"
	".balign 16\n"
	"ns_gate_start:\n"
	"	mov   %rdi, %rbx\n"
	"	mov   $14, %eax\n"            /* rt_sigprocmask(SIG_BLOCK, */
	"	xor   %edi, %edi\n"
	"	lea   24(%rbx), %rsi\n"       /*   &all, */
	"	lea   304(%rsp), %rdx\n"      /*   &uc_sigmask: its own mask, */
	"	mov   $8, %r10d\n"            /*   8) */
	"	syscall\n"
	/* Its FPU state into the frame, untouched so far: XSAVE of the
	 * features the software bytes name, or FXSAVE where they are
	 * absent (no XSAVE). Bytes 464-511, those software bytes, are
	 * written by neither. */
	"	mov   232(%rsp), %r8\n"       /* uc_mcontext.fpregs */
	"	cmpl  $0x46505853, 464(%r8)\n" /* FP_XSTATE_MAGIC1 */
	"	jne   2f\n"
	"	mov   472(%r8), %eax\n"       /* xfeatures */
	"	mov   476(%r8), %edx\n"
	"	xsave64 (%r8)\n"
	"	jmp   3f\n"
	"2:	fxsave64 (%r8)\n"
	"3:\n"
	"	mov   (%rbx), %eax\n"         /* decided already? */
	"	test  %eax, %eax\n"
	"	jnz   9f\n"
	"	xor   %eax, %eax\n"           /* take the undo lock */
	"	mov   $1, %ecx\n"
	"	lock cmpxchg %ecx, 4(%rbx)\n"
	"	jnz   7f\n"
	"	lea   32(%rbx), %rdi\n"       /* open(\"/proc/self/mem\", */
	"	mov   $2, %esi\n"             /*   O_RDWR) */
	"	xor   %edx, %edx\n"
	"	mov   $2, %eax\n"
	"	syscall\n"
	"	test  %rax, %rax\n"
	"	js    6f\n"
	"	mov   %rax, %r12\n"
	"	mov   8(%rbx), %r13d\n"       /* n */
	"	lea   48(%rbx), %r14\n"       /* entries */
	"1:	test  %r13d, %r13d\n"
	"	jz    5f\n"
	"	mov   %r12, %rdi\n"           /* pwrite64(fd, */
	"	lea   16(%r14), %rsi\n"       /*   bytes, */
	"	mov   8(%r14), %rdx\n"        /*   len, */
	"	mov   (%r14), %r10\n"         /*   addr) */
	"	mov   $18, %eax\n"
	"	syscall\n"
	"	add   $32, %r14\n"
	"	dec   %r13d\n"
	"	jmp   1b\n"
	"5:	mov   %r12, %rdi\n"           /* close(fd) */
	"	mov   $3, %eax\n"
	"	syscall\n"
	"6:	movl  $2, (%rbx)\n"           /* decided: undone */
	"	jmp   9f\n"
	"7:	mov   $24, %eax\n"            /* sched_yield() until decided */
	"	syscall\n"
	"	mov   (%rbx), %eax\n"
	"	test  %eax, %eax\n"
	"	jz    7b\n"
	"9:	cmpq  $" NS_STR(NS_GATE_BY_HAND) ", 16(%rsp)\n" /* uc_link */
	"	je    10f\n"
	"	add   $8, %rsp\n"             /* rt_sigreturn on the frame */
	"	mov   $15, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* By hand: the thread sits in a call that only restart_syscall can
	 * continue with the time it has left, and rt_sigreturn would make
	 * that fail with EINTR. So: its signal mask back, then its flags,
	 * then its registers from the frame (FPU state: the gate never
	 * touched it), and a jump to its own `syscall` with rax =
	 * restart_syscall. rcx carries the jump: the `syscall` clobbers it.
	 * A signal that its mask lets through before the jump has its
	 * handler run below the frame (then the call fails with EINTR, as
	 * it would have for that signal anyway). */
	"10:	mov   $14, %eax\n"           /* rt_sigprocmask(SIG_SETMASK, */
	"	mov   $2, %edi\n"
	"	lea   304(%rsp), %rsi\n"     /*   &uc_sigmask, */
	"	xor   %edx, %edx\n"          /*   NULL, */
	"	mov   $8, %r10d\n"           /*   8) */
	"	syscall\n"
	"	pushq 184(%rsp)\n"           /* eflags */
	"	popfq\n"
	"	mov   48(%rsp), %r8\n"
	"	mov   56(%rsp), %r9\n"
	"	mov   64(%rsp), %r10\n"
	"	mov   72(%rsp), %r11\n"
	"	mov   80(%rsp), %r12\n"
	"	mov   88(%rsp), %r13\n"
	"	mov   96(%rsp), %r14\n"
	"	mov   104(%rsp), %r15\n"
	"	mov   112(%rsp), %rdi\n"
	"	mov   120(%rsp), %rsi\n"
	"	mov   128(%rsp), %rbp\n"
	"	mov   136(%rsp), %rbx\n"
	"	mov   144(%rsp), %rdx\n"
	"	mov   $219, %eax\n"           /* restart_syscall */
	"	mov   176(%rsp), %rcx\n"     /* rip: at its `syscall` */
	"	mov   168(%rsp), %rsp\n"
	"	jmp   *%rcx\n"
	"ns_gate_end:\n"
	".popsection\n");

extern const uint8_t ns_gate_start[], ns_gate_end[];

/* Where the gate's code finds the thread's state: rsp = the frame, whose
 * first word is the return address; then the ucontext. */
_Static_assert(8 + offsetof(ucontext_t, uc_link) == 16, "frame layout");
_Static_assert(8 + offsetof(ucontext_t, uc_sigmask) == 304, "frame layout");
_Static_assert(8 + offsetof(ucontext_t, uc_mcontext.fpregs) == 232,
	       "frame layout");
_Static_assert(8 + offsetof(ucontext_t, uc_mcontext.gregs) +
	       REG_R8 * 8 == 48, "frame layout");
_Static_assert(REG_R8 == 0 && REG_R9 == 1 && REG_R10 == 2 && REG_R11 == 3 &&
	       REG_R12 == 4 && REG_R13 == 5 && REG_R14 == 6 && REG_R15 == 7 &&
	       REG_RDI == 8 && REG_RSI == 9 && REG_RBP == 10 && REG_RBX == 11 &&
	       REG_RDX == 12 && REG_RSP == 15 && REG_RIP == 16 &&
	       REG_EFL == 17, "gregs order");
_Static_assert(SYS_restart_syscall == 219, "restart_syscall");

#define J_DECISION 0
#define J_ALLSIGS  24
#define J_PATH     32
#define J_ENTRIES  48

const uint8_t *ns_gate_code(size_t *size)
{
	*size = (size_t)(ns_gate_end - ns_gate_start);
	return ns_gate_start;
}

void ns_gate_syscalls(struct ns_sc_list *l)
{
	/* The arguments the gate's code sets (see above); the others are
	 * what the thread or the journal holds. */
	enum { HOW_MASK = NS_SC_ARG(0) | NS_SC_ARG(2) | NS_SC_ARG(3),
	       HOW_SIZE = NS_SC_ARG(0) | NS_SC_ARG(3) };
	static const struct ns_sc_call calls[] = {
		/* SIG_BLOCK, the old mask into the frame on the stack */
		{ .name = "rt_sigprocmask", .nr = SYS_rt_sigprocmask,
		  .args = { 0, 0, 0, 8 }, .known = HOW_SIZE },
		{ .name = "open", .nr = SYS_open, .args = { 0, 2, 0, 8 },
		  .known = NS_SC_ARG(1) | NS_SC_ARG(2) | NS_SC_ARG(3) }, /* O_RDWR */
		{ .name = "pwrite64", .nr = SYS_pwrite64 },
		{ .name = "close", .nr = SYS_close },
		{ .name = "sched_yield", .nr = SYS_sched_yield },
		{ .name = "rt_sigreturn", .nr = SYS_rt_sigreturn },
		{ .name = "rt_sigprocmask", .nr = SYS_rt_sigprocmask,
		  .args = { 2, 0, 0, 8 }, .known = HOW_MASK },   /* SIG_SETMASK */
		{ .name = "restart_syscall", .nr = SYS_restart_syscall },
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(*calls); i++)
		ns_sc_add(l, &calls[i]);
}

static int write_journal(const struct ns_gate *g, struct ns_tracee *tr)
{
	struct ns_err *err = tr->err;
	size_t size = NS_GATE_JOURNAL_SIZE(g->n);
	uint8_t *j = calloc(1, size);
	uint64_t all = ~0ULL;
	int rc = -1;

	if (!j) {
		ns_err_set(err, "out of memory");
		return -1;
	}
	memcpy(j + 8, &g->n, sizeof(g->n));
	memcpy(j + J_ALLSIGS, &all, sizeof(all));
	memcpy(j + J_PATH, "/proc/self/mem", 15);
	for (uint32_t i = 0; i < g->n; i++) {
		uint8_t *e = j + J_ENTRIES + (size_t)i * 32;
		uint64_t len = g->e[i].len;

		memcpy(e, &g->e[i].addr, 8);
		memcpy(e + 8, &len, 8);
		memcpy(e + 16, g->e[i].bytes, NS_GATE_BYTES_MAX);
	}
	if (ns_mem_write(tr->mem_fd, g->journal, j, size) < 0)
		ns_err_set(err, "cannot write the journal into process "
			 "%d: %s", (int)tr->pid, strerror(errno));
	else
		rc = 0;
	free(j);
	return rc;
}

/* Puts the first N armed threads back. */
static int put_back(struct ns_gate *g, struct ns_tracee *tr, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];
		if (th->gone || !th->stopped)
			continue;
		if (ns_tracee_set_regs(tr, th, &g->saved[i]) < 0)
			rc = -1;
	}
	return rc;
}

/* The frame holds the registers rt_sigreturn needs to re-issue the
 * interrupted call (from the start, for lack of the restart block); the
 * tag makes this gate continue a nanosleep-like call by hand instead, with
 * the time it has left (a gate of an older nonstop ignores the tag). */
static int move_one(struct ns_gate *g, struct ns_tracee *tr,
		    struct ns_thread *th, const struct ns_maps *maps,
		    const struct ns_fp_blank *blank)
{
	struct user_regs_struct resume = th->regs, at = th->regs;
	uint64_t tag = ns_regs_in_restart_block(&th->regs) ? NS_GATE_BY_HAND : 0;
	uint64_t sp;
	int rc;

	ns_regs_restart_syscall(&resume, true);
	rc = blank ? ns_sigframe_push_blank(tr, th, maps, blank, &resume, tag, &sp)
		   : ns_sigframe_push(tr, th, maps, &resume, 0, tag, &sp);
	if (rc < 0)
		return -1;
	at.rip = g->code;
	at.rsp = sp;
	at.rdi = g->journal;
	at.orig_rax = (uint64_t)-1; /* no syscall restart on the way out */
	if (ns_fault("move a thread to the commit gate")) {
		ns_err_set(tr->err, "fault injected");
		return -1;
	}
	return ns_tracee_set_regs(tr, th, &at);
}

void ns_gate_prepare(struct ns_gate *g, pid_t pid)
{
	ns_gate_forget(g);
	g->maps = calloc(1, sizeof(*g->maps));
	if (g->maps && ns_maps_read(pid, g->maps) < 0) {
		free(g->maps);
		g->maps = NULL;
	}
}

void ns_gate_forget(struct ns_gate *g)
{
	if (g->maps) {
		ns_maps_free(g->maps);
		free(g->maps);
	}
	g->maps = NULL;
}

/* Whether the gate at g->code is this nonstop's, which saves a thread's
 * FPU state and signal mask into its frame itself: then the frames need
 * not hold them (reading them took more than a third of the time every
 * thread was stopped for). A record applied by an older nonstop has its
 * own gate, which does not: its frames get them as before. */
static bool gate_saves_state(const struct ns_gate *g, struct ns_tracee *tr)
{
	size_t len;
	const uint8_t *code = ns_gate_code(&len);
	uint8_t *now = malloc(len);
	bool same;

	same = now && ns_mem_read(tr->mem_fd, g->code, now, len) == 0 &&
	       !memcmp(now, code, len);
	free(now);
	return same;
}

/* Moves every stopped thread to the gate, placing frames by MAPS. On
 * failure, puts back the threads already moved. */
static int move_all(struct ns_gate *g, struct ns_tracee *tr,
		    const struct ns_maps *maps)
{
	struct ns_fp_blank blank = { 0 };
	bool lazy = gate_saves_state(g, tr);
	int rc = 0;

	for (size_t i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];

		g->saved[i] = th->regs;
		if (th->gone || !th->stopped)
			continue;
		if (lazy && !blank.buf &&
		    ns_sigframe_blank_read(tr, th, &blank) < 0)
			rc = -1;
		if (rc || move_one(g, tr, th, maps, lazy ? &blank : NULL) < 0) {
			put_back(g, tr, i);
			rc = -1;
			break;
		}
	}
	ns_sigframe_blank_free(&blank);
	return rc;
}

int ns_gate_arm(struct ns_gate *g, struct ns_tracee *tr)
{
	struct ns_err *err = tr->err;
	struct ns_maps maps;
	bool mark = ns_err_mark(err);
	int rc;

	g->saved = calloc(tr->n + 1, sizeof(*g->saved));
	g->nsaved = tr->n;
	if (!g->saved) {
		ns_err_set(err, "out of memory");
		return -1;
	}
	if (write_journal(g, tr) < 0)
		return -1;
	/* The mappings read before the stop hold, but for one changed
	 * since under a thread's stack: then they are read again, here. */
	if (g->maps && move_all(g, tr, g->maps) == 0) {
		ns_gate_forget(g);
		return 0;
	}
	ns_gate_forget(g);
	ns_err_forget(err, mark);
	if (ns_maps_read(tr->pid, &maps) < 0) {
		ns_err_set(err, "cannot read the maps of process %d",
			 (int)tr->pid);
		return -1;
	}
	rc = move_all(g, tr, &maps);
	ns_maps_free(&maps);
	return rc;
}

int ns_gate_release(struct ns_gate *g, struct ns_tracee *tr)
{
	struct ns_err *err = tr->err;
	bool earlier = ns_err_mark(err);   /* a failed commit: its cause */
	uint32_t decided = 1;
	int rc;

	/* Decided first: a thread we then fail to put back finds it so. If
	 * this write fails, putting every thread back is enough: the gate
	 * never runs. */
	(void)ns_mem_write(tr->mem_fd, g->journal + J_DECISION, &decided,
			   sizeof(decided));
	rc = put_back(g, tr, g->nsaved);
	/* Said as this, not as the thread's own failure on the way. */
	if (rc && !earlier)
		ns_err_replace(err, "could not put every thread of process %d "
			       "back from the commit gate", (int)tr->pid);
	free(g->saved);
	g->saved = NULL;
	return rc;
}
