/* gate.h — the commit gate: a switch that is all or nothing even if
 * nonstop is killed in the middle of it.
 *
 * A switch writes several places (one entry jump per function, the state
 * of the record). Every thread is stopped while we write; but if nonstop
 * dies between two writes, the kernel releases every thread at once into a
 * half-switched program. So before the first write, every stopped thread is
 * moved to the gate: a few instructions in the patch's own code, with a
 * signal frame (proc/sigframe.h) on its stack holding its registers; the
 * gate's first instructions save into that frame the rest of its state,
 * which it has not touched yet (its signal mask, by rt_sigprocmask, and
 * its FPU state, by XSAVE), so that arming a thread reads neither. In
 * the normal case nonstop writes, marks the journal decided, and puts each
 * thread back exactly where it was: the gate never runs. If nonstop dies
 * first, the threads run the gate: one of them rewrites, from the journal,
 * every place as it was before the switch (through /proc/self/mem), the
 * others wait for it, and each returns to its own code with rt_sigreturn
 * (or, for a thread in nanosleep or another call that only the kernel's
 * restart block can continue, by hand: rt_sigreturn would forget that
 * block and the call would fail with EINTR). The program then runs the
 * old code, whole.
 *
 * Journal (in the patch's writable memory, NS_GATE_JOURNAL_SIZE(n) bytes):
 *   u32 decision (0 undecided, 1 decided by nonstop, 2 undone by the gate)
 *   u32 lock, u32 n, u32 pad, u64 reserved, u64 all-signals mask,
 *   char path[16] = "/proc/self/mem",
 *   n × { u64 addr, u64 len, u8 bytes[16] }: what each place held before. */
#ifndef NONSTOP_GATE_H
#define NONSTOP_GATE_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "proc/maps.h"
#include "proc/seccomp.h"
#include "proc/tracee.h"

#define NS_GATE_BYTES_MAX 16
/* uc_link of a thread's frame: the gate returns it by hand, not with
 * rt_sigreturn (gate.c). */
#define NS_GATE_BY_HAND 0x6e736768  /* "hgsn": fits a sign-extended imm32 */
#define NS_STR_(x) #x
#define NS_STR(x) NS_STR_(x)
#define NS_GATE_JOURNAL_SIZE(n) (48 + (size_t)(n) * 32)

struct ns_gate_entry {
	uint64_t addr;
	uint32_t len;                        /* <= NS_GATE_BYTES_MAX */
	uint8_t  bytes[NS_GATE_BYTES_MAX];   /* content before the switch */
};

/* Where the gate lives in the target, and what it undoes. */
struct ns_gate {
	uint64_t code;                /* copy of ns_gate_code(), executable */
	uint64_t journal;             /* NS_GATE_JOURNAL_SIZE(n) bytes, writable */
	const struct ns_gate_entry *e;
	uint32_t n;
	/* private: registers of each armed thread, in tr order */
	struct user_regs_struct *saved;
	size_t nsaved;
	struct ns_maps *maps;         /* read by ns_gate_prepare() */
};

/* The gate's machine code (position independent) and its size. */
const uint8_t *ns_gate_code(size_t *size);

/* Adds to L the system calls the gate makes in every thread if nonstop
 * dies mid-switch (where it will be, and the journal's contents, are not
 * known yet): with no nonstop left to watch, they are judged up front. */
void ns_gate_syscalls(struct ns_sc_list *l);

/* Reads, with the threads still running, the process's mappings, in
 * which ns_gate_arm() places each thread's frame: reading them with
 * every thread stopped was a third of the time they were stopped for.
 * Nothing read (the arm then reads them) if it fails. */
void ns_gate_prepare(struct ns_gate *g, pid_t pid);

/* What ns_gate_prepare() read, dropped. */
void ns_gate_forget(struct ns_gate *g);

/* Writes the journal (undecided) and moves every stopped thread of TR to
 * the gate. On failure, the threads already moved are put back. 0, or -1
 * with tr->err. */
int ns_gate_arm(struct ns_gate *g, struct ns_tracee *tr);

/* Marks the switch decided (whatever the writes left is final), then puts
 * every thread back where it was. 0, or -1 with tr->err: a thread could not be
 * put back (it will run the gate, find the journal decided and return by
 * itself). */
int ns_gate_release(struct ns_gate *g, struct ns_tracee *tr);
#endif
