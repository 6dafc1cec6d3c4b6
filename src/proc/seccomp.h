/* seccomp.h — whether a thread's seccomp filter lets a system call
 * through, known before nonstop makes the thread run it.
 *
 * nonstop makes threads of the target run system calls: its own remote
 * calls (remote.h), the rt_sigreturn that brings a borrowed thread back
 * (sigframe.h, call.h), the commit gate's calls if nonstop dies mid-switch
 * (transition/gate.h), libnonstop's plan executor (lib/exec.c). A target
 * that sandboxes itself with seccomp may be killed (SIGSYS) by any of
 * them. So each call is first judged as the kernel would judge it: the
 * thread's mode from /proc/PID/task/TID/status; in filter mode, every
 * filter of the thread (PTRACE_SECCOMP_GET_FILTER, which needs
 * CAP_SYS_ADMIN) run over the call's struct seccomp_data by libpcap's
 * classic BPF interpreter, the most restrictive action winning. Only
 * SECCOMP_RET_ALLOW and SECCOMP_RET_LOG let nonstop issue a call.
 *
 * A call judged ahead of time may have words of its seccomp_data nonstop
 * cannot know yet (an address chosen later, what a function leaves in the
 * argument registers): they are marked unknown, and a filter that reads
 * one to decide the call is taken as refusing it. */
#ifndef NONSTOP_SECCOMP_H
#define NONSTOP_SECCOMP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

#include "proc/tracee.h"

/* The words of a call's seccomp_data that are known (nr and arch always
 * are). */
#define NS_SC_ARG(i)   (1u << (i))
#define NS_SC_IP       (1u << 6)
#define NS_SC_ALL      0x7fu

/* A system call as a thread of the target would make it. */
struct ns_sc_call {
	const char *name;         /* for messages: "memfd_create" */
	int         nr;
	uint64_t    ip;           /* the address after its `syscall` */
	uint64_t    args[6];
	unsigned    known;        /* NS_SC_IP | NS_SC_ARG(i): known words */
	uint32_t    arch;         /* AUDIT_ARCH_*; 0: AUDIT_ARCH_X86_64 */
};

/* The calls an operation needs, to judge them all up front. */
#define NS_SC_LIST_MAX 48
struct ns_sc_list {
	struct ns_sc_call v[NS_SC_LIST_MAX];
	size_t n;
};

/* Appends C to L (a list is sized for every caller: a call that does not
 * fit is a bug, and is dropped loudly by an assertion). */
void ns_sc_add(struct ns_sc_list *l, const struct ns_sc_call *c);

/* One filter, as the thread's process installed it. */
struct ns_sc_prog {
	void    *insn;            /* struct bpf_insn[len] */
	unsigned len;
	int      bad_code;        /* >= 0: an instruction nonstop does not
				     evaluate (its opcode, or
				     NS_SC_MALFORMED); -1: none */
};
#define NS_SC_MALFORMED 0x10000

/* What a thread's seccomp lets through. */
struct ns_seccomp {
	pid_t pid, tid;
	int   mode;               /* 0 off, 1 strict, 2 filter */
	struct ns_sc_prog *f;     /* mode 2: newest first, as the kernel
				     runs them */
	size_t n;
};

/* Reads the seccomp state of thread TID of PID. In filter mode TID must be
 * in a ptrace stop of ours (the kernel hands filters only to a tracer
 * that holds the thread). 0, or -1 with ERR ("process N runs under a
 * seccomp filter that this user cannot read"). */
int ns_seccomp_read(struct ns_seccomp *s, pid_t pid, pid_t tid,
		    struct ns_err *err);

void ns_seccomp_free(struct ns_seccomp *s);

/* The action the kernel would take for C (SECCOMP_RET_* with its data).
 * *UNDECIDED is set if a filter decides C by a word marked unknown, or
 * cannot be evaluated: the action is then to be taken as refusing. */
uint32_t ns_seccomp_eval(const struct ns_seccomp *s, const struct ns_sc_call *c,
			 bool *undecided);

/* 0 if S lets C through (SECCOMP_RET_ALLOW or LOG); otherwise -1 with ERR:
 * "the seccomp filter of process 123 would kill it for memfd_create:
 * refused". */
int ns_seccomp_allows(const struct ns_seccomp *s, const struct ns_sc_call *c,
		      struct ns_err *err);

/* Whether the call C, if made anyway, could harm the thread: kill it,
 * signal it, or hold it for another process (SECCOMP_RET_USER_NOTIF) —
 * what a call made by the program's own code that nonstop runs must not
 * be let into; failing with an errno is not harm. */
bool ns_seccomp_harms(const struct ns_seccomp *s, const struct ns_sc_call *c);

/* A system call's name for messages ("memfd_create", or "system call
 * 123" in BUF). */
const char *ns_sc_name(int nr, char *buf, size_t len);

/* Judges every call of L for every live thread of TR: the threads that
 * will run them (all in stop-the-world mode; libnonstop's own thread in
 * the per-thread mode, the only one TR then holds). A thread in filter
 * mode is stopped for a moment to read its filters, unless stopped
 * already. 0 if all are let through, or -1 with tr->err naming the first
 * refused. */
int ns_seccomp_check_tracee(struct ns_tracee *tr, const struct ns_sc_list *l);
#endif
