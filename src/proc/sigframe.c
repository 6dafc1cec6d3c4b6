/* sigframe.c — building, for a stopped thread, the rt_sigframe that
 * rt_sigreturn turns back into that thread (see sigframe.h for why).
 *
 * The layout is the kernel's x86-64 ABI (arch/x86/include/asm/sigframe.h):
 *
 *   sp ->  return address (8 bytes; a handler's `ret` pops it)
 *          ucontext: flags, link, stack, sigcontext (registers and a
 *                    pointer to the FPU state), signal mask
 *          ...
 *          FPU state, 64-byte aligned: the XSAVE image as PTRACE_GETREGSET
 *          gives it, its software-reserved bytes rewritten into the
 *          signal-frame format (magic, size, features), followed by the
 *          second magic word
 *   rsp of the thread - 128 (its red zone is left alone)
 *
 * glibc's ucontext_t has the kernel's layout for every field rt_sigreturn
 * reads; the static assertions below hold it to that. Two fields need care:
 *   - uc_stack: rt_sigreturn re-installs it as the alternate signal stack.
 *     We cannot read the thread's (ptrace has no request for it), so we
 *     give flags the kernel rejects; it then leaves the altstack as it is.
 *   - the XSAVE size: the kernel refuses (and falls back to restoring only
 *     the legacy SSE state, losing AVX registers) a size larger than the
 *     thread's own XSAVE area, which leaves out AMX tile data unless the
 *     process asked for it. We size the image from CPUID over the
 *     features we restore, which exclude AMX (see docs/limits.md). */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/ucontext.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "util/err.h"
#include "proc/mem.h"
#include "proc/sigframe.h"
#include "util/fault.h"

#define ERESTARTSYS           512
#define ERESTARTNOINTR        513
#define ERESTARTNOHAND        514
#define ERESTART_RESTARTBLOCK 516
#define RED_ZONE        128
#define FXSAVE_SIZE     512
#define XSAVE_HDR_END   (FXSAVE_SIZE + 64)
#define SW_BYTES_OFF    464          /* i387.sw_reserved */
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define UC_FP_XSTATE         0x1
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4
#define SS_INVALID_FLAGS     0x4     /* neither 0, SS_ONSTACK nor SS_DISABLE */
#define AMX_FEATURES    ((1ULL << 17) | (1ULL << 18))

_Static_assert(offsetof(ucontext_t, uc_stack) == 16, "ucontext layout");
_Static_assert(offsetof(ucontext_t, uc_mcontext) == 40, "ucontext layout");
_Static_assert(offsetof(ucontext_t, uc_sigmask) == 296, "ucontext layout");

/* The fields of struct _fpx_sw_bytes, the kernel's description of the
 * XSAVE image in a signal frame. */
struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

/* End of the standard-format XSAVE image holding FEATURES (CPUID 0xD).
 * Remembered: it is a property of the CPU, and CPUID is slow where it
 * traps to a hypervisor (26 us a call measured in a microVM), while the
 * commit gate needs it for every thread inside the pause. */
static uint32_t xsave_size(uint64_t features)
{
	static uint64_t known_features;
	static uint32_t known_size;
	uint32_t size = XSAVE_HDR_END;

	if (known_size && known_features == features)
		return known_size;

	for (unsigned i = 2; i < 63; i++) {
		unsigned eax, ebx, ecx, edx;

		if (!(features >> i & 1) ||
		    !__get_cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx))
			continue;
		if (ebx + eax > size)
			size = ebx + eax;
	}
	known_features = features;
	known_size = size;
	return size;
}

/* Reads TH's extended state into BUF (NS_FPSTATE_MAX bytes) and rewrites its
 * software bytes for a signal frame. *LEN gets the bytes to copy, magic2
 * included. */
static int read_fpstate(struct ns_tracee *tr, struct ns_thread *th,
			uint8_t *buf, size_t *len)
{
	struct iovec iov = { buf, NS_FPSTATE_MAX };
	struct fpx_sw_bytes sw = { 0 };
	uint64_t xcr0;
	uint32_t size, magic2 = FP_XSTATE_MAGIC2;

	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)NT_X86_XSTATE, &iov) < 0 ||
	    iov.iov_len < XSAVE_HDR_END) {
		/* No XSAVE: the legacy image, which the kernel restores
		 * with FXRSTOR when the magic is absent. */
		if (ptrace(PTRACE_GETFPREGS, th->tid, 0, buf) < 0) {
			ns_err_set(tr->err, "cannot read the "
				 "FPU state of thread %d: %s", th->tid,
				 strerror(errno));
			return -1;
		}
		memset(buf + SW_BYTES_OFF, 0, FXSAVE_SIZE - SW_BYTES_OFF);
		*len = FXSAVE_SIZE;
		return 0;
	}
	memcpy(&xcr0, buf + SW_BYTES_OFF, sizeof(xcr0));
	sw.xfeatures = xcr0 & ~AMX_FEATURES;
	size = xsave_size(sw.xfeatures);
	if (size > iov.iov_len || size + sizeof(magic2) > NS_FPSTATE_MAX) {
		ns_err_set(tr->err, "unexpected XSAVE layout "
			 "(%u bytes needed, %zu given) in thread %d", size,
			 iov.iov_len, th->tid);
		return -1;
	}
	sw.magic1 = FP_XSTATE_MAGIC1;
	sw.xstate_size = size;
	sw.extended_size = size + sizeof(magic2);
	memcpy(buf + SW_BYTES_OFF, &sw, sizeof(sw));
	memcpy(buf + size, &magic2, sizeof(magic2));
	*len = size + sizeof(magic2);
	return 0;
}

static void fill_context(ucontext_t *uc, const struct user_regs_struct *r,
			 uint64_t mask, uint64_t fpstate)
{
	greg_t *g = uc->uc_mcontext.gregs;

	uc->uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	uc->uc_stack.ss_flags = SS_INVALID_FLAGS;
	g[REG_R8] = (greg_t)r->r8;    g[REG_R9] = (greg_t)r->r9;
	g[REG_R10] = (greg_t)r->r10;  g[REG_R11] = (greg_t)r->r11;
	g[REG_R12] = (greg_t)r->r12;  g[REG_R13] = (greg_t)r->r13;
	g[REG_R14] = (greg_t)r->r14;  g[REG_R15] = (greg_t)r->r15;
	g[REG_RDI] = (greg_t)r->rdi;  g[REG_RSI] = (greg_t)r->rsi;
	g[REG_RBP] = (greg_t)r->rbp;  g[REG_RBX] = (greg_t)r->rbx;
	g[REG_RDX] = (greg_t)r->rdx;  g[REG_RAX] = (greg_t)r->rax;
	g[REG_RCX] = (greg_t)r->rcx;  g[REG_RSP] = (greg_t)r->rsp;
	g[REG_RIP] = (greg_t)r->rip;  g[REG_EFL] = (greg_t)r->eflags;
	/* cs | gs << 16 | fs << 32 | ss << 48 */
	g[REG_CSGSFS] = (greg_t)((r->cs & 0xffff) | (r->ss & 0xffff) << 48);
	uc->uc_mcontext.fpregs = (fpregset_t)(uintptr_t)fpstate;
	memcpy(&uc->uc_sigmask, &mask, sizeof(mask));
}

/* Checks that [LO, HI) lies in one readable and writable mapping. */
static int stack_has_room(struct ns_tracee *tr, struct ns_thread *th,
			  const struct ns_maps *maps, uint64_t lo, uint64_t hi)
{
	const struct ns_map *m = ns_maps_find(maps, hi - 1);

	if (m && lo >= m->start &&
	    (m->prot & (PROT_READ | PROT_WRITE)) == (PROT_READ | PROT_WRITE))
		return 0;
	ns_err_set(tr->err, "thread %d has no room on its stack "
		 "(rsp %#llx) for a signal frame", th->tid,
		 (unsigned long long)(hi + RED_ZONE));
	return -1;
}

/* Writes the frame: RESUME's registers, MASK, and the FPU image FP
 * (FPLEN bytes) below RESUME's red zone. */
static int push(struct ns_tracee *tr, struct ns_thread *th,
		const struct ns_maps *maps, const struct user_regs_struct *resume,
		uint64_t ret, uint64_t link, const uint8_t *fp, size_t fplen,
		uint64_t mask, uint64_t *sp)
{
	uint64_t top = resume->rsp - RED_ZONE, fp_at, at;
	ucontext_t uc = { 0 };
	uint8_t *frame;
	size_t len;
	int rc = -1;

	fp_at = (top - fplen) & ~63ULL;
	at = ((fp_at - 8 - sizeof(ucontext_t)) & ~15ULL) - 8;
	len = top - at;
	if (stack_has_room(tr, th, maps, at - NS_SIGFRAME_SCRATCH, top) < 0)
		return -1;
	frame = calloc(1, len);
	if (!frame) {
		ns_err_set(tr->err, "out of memory");
		return -1;
	}
	memcpy(frame, &ret, sizeof(ret));
	fill_context(&uc, resume, mask, fp_at);
	uc.uc_link = (ucontext_t *)(uintptr_t)link;
	memcpy(frame + 8, &uc, sizeof(uc));
	memcpy(frame + (fp_at - at), fp, fplen);
	if (ns_fault("write a signal frame") ||
	    ns_mem_write(tr->mem_fd, at, frame, len) < 0) {
		ns_err_set(tr->err, "cannot write a signal frame "
			 "on the stack of thread %d: %s", th->tid,
			 strerror(errno));
		goto out;
	}
	*sp = at;
	rc = 0;
out:
	free(frame);
	return rc;
}

int ns_sigframe_push(struct ns_tracee *tr, struct ns_thread *th,
		     const struct ns_maps *maps,
		     const struct user_regs_struct *resume, uint64_t ret,
		     uint64_t link, uint64_t *sp)
{
	uint8_t *fp = malloc(NS_FPSTATE_MAX);
	uint64_t mask = 0;
	size_t fplen;
	int rc = -1;

	if (!fp) {
		ns_err_set(tr->err, "out of memory");
		return -1;
	}
	if (read_fpstate(tr, th, fp, &fplen) < 0)
		goto out;
	if (ptrace(PTRACE_GETSIGMASK, th->tid, (void *)sizeof(mask), &mask) < 0) {
		ns_err_set(tr->err, "cannot read the signal mask "
			 "of thread %d: %s", th->tid, strerror(errno));
		goto out;
	}
	rc = push(tr, th, maps, resume, ret, link, fp, fplen, mask, sp);
out:
	free(fp);
	return rc;
}

int ns_sigframe_blank_read(struct ns_tracee *tr, struct ns_thread *th,
			   struct ns_fp_blank *b)
{
	b->buf = malloc(NS_FPSTATE_MAX);
	if (!b->buf) {
		ns_err_set(tr->err, "out of memory");
		return -1;
	}
	if (read_fpstate(tr, th, b->buf, &b->len) < 0) {
		ns_sigframe_blank_free(b);
		return -1;
	}
	/* The layout stays (the software bytes, the second magic word); the
	 * state goes, the XSAVE header with it (all zero: standard format,
	 * nothing saved yet). */
	memset(b->buf, 0, SW_BYTES_OFF);
	if (b->len > FXSAVE_SIZE)
		memset(b->buf + FXSAVE_SIZE, 0, b->len - FXSAVE_SIZE - 4);
	return 0;
}

void ns_sigframe_blank_free(struct ns_fp_blank *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = 0;
}

int ns_sigframe_push_blank(struct ns_tracee *tr, struct ns_thread *th,
			   const struct ns_maps *maps, const struct ns_fp_blank *b,
			   const struct user_regs_struct *resume, uint64_t link,
			   uint64_t *sp)
{
	return push(tr, th, maps, resume, 0, link, b->buf, b->len, 0, sp);
}

/* Two states need the restart block: interrupted in the call (rax =
 * -ERESTART_RESTARTBLOCK), and about to continue it (rax =
 * restart_syscall at its `syscall`, as the kernel leaves a thread it
 * restarts and ns_regs_restart_syscall leaves one nonstop restarts) — a
 * thread stopped again before it ran. orig_rax >= 0 tells both from a
 * thread interrupted in its own code; the only other state it matches, a
 * call that has just returned 219, loses nothing by being kept by hand. */
bool ns_regs_in_restart_block(const struct user_regs_struct *r)
{
	return (int64_t)r->orig_rax >= 0 &&
	       ((int64_t)r->rax == -ERESTART_RESTARTBLOCK ||
		r->rax == SYS_restart_syscall);
}

/* Turns saved registers of a thread interrupted in a restartable system
 * call into registers that re-issue that call when it runs again. */
void ns_regs_restart_syscall(struct user_regs_struct *r, bool after_sigreturn)
{
	if ((int64_t)r->orig_rax < 0)
		return;
	switch ((int64_t)r->rax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		r->rax = r->orig_rax;
		r->rip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		/* rt_sigreturn resets the restart block (restart_syscall
		 * would then fail with EINTR): re-issue the call itself;
		 * its arguments are still in place. A relative sleep then
		 * starts over: longer, never shorter. If the call is
		 * restart_syscall already (the kernel continued it once),
		 * the original one is not known: it fails with EINTR. So
		 * nonstop avoids this path for such threads wherever it can
		 * (the commit gate and function calls restore them by hand;
		 * threads for system calls are chosen among others). */
		r->rip -= 2;
		if (!after_sigreturn) {
			/* orig_rax stays: the thread still needs its restart
			 * block if it is stopped again before it runs (see
			 * ns_regs_in_restart_block); the kernel's restart
			 * logic ignores a positive rax. */
			r->rax = SYS_restart_syscall;
			return;
		}
		r->rax = r->orig_rax;
		break;
	default:
		return;
	}
	r->orig_rax = (uint64_t)-1;
}
