/* seccomp.c — judging a system call against a thread's seccomp filters
 * (see seccomp.h).
 *
 * Evaluation is libpcap's bpf_filter(), a maintained classic BPF
 * interpreter (loaded on first use: bpf.c). It reads its buffer as a network packet: 32-bit words
 * big-endian, and a load beyond the buffer ends the program with 0.
 * Seccomp filters only load aligned 32-bit words of struct seccomp_data
 * (the kernel's seccomp_check_filter rejects anything else), in native
 * order. So the buffer is a copy of the call's seccomp_data with each word
 * stored big-endian, which gives the kernel's result — and the words
 * nonstop cannot know yet are laid out past the end of the buffer (the
 * filter's loads renumbered to match): a filter that reads one on its way
 * to deciding this call ends with 0, SECCOMP_RET_KILL_THREAD, a refusal,
 * which a second run (those words readable) tells apart from a filter
 * that kills. The filters themselves come from the kernel, which
 * validated them when they were installed; they are checked again here
 * against seccomp's own instruction whitelist (and bpf_validate()), and a
 * filter with anything else is not evaluated: every call is refused. */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include "proc/bpf.h"
#include "proc/seccomp.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif

/* The kernel's limits: instructions per filter (BPF_MAXINSNS), and
 * filters per thread (32768 instructions on a path, each filter counting
 * 4 more than its length). */
#define INSNS_MAX   4096
#define FILTERS_MAX (32768 / 5)

#define WORDS 16          /* struct seccomp_data: 64 bytes */
_Static_assert(sizeof(struct seccomp_data) == WORDS * 4, "seccomp_data");

void ns_sc_add(struct ns_sc_list *l, const struct ns_sc_call *c)
{
	assert(l->n < NS_SC_LIST_MAX);
	if (l->n < NS_SC_LIST_MAX)
		l->v[l->n++] = *c;
}

const char *ns_sc_name(int nr, char *buf, size_t len)
{
	switch (nr) {
	case SYS_read: return "read";
	case SYS_write: return "write";
	case SYS_open: return "open";
	case SYS_close: return "close";
	case SYS_mmap: return "mmap";
	case SYS_mprotect: return "mprotect";
	case SYS_munmap: return "munmap";
	case SYS_rt_sigprocmask: return "rt_sigprocmask";
	case SYS_rt_sigreturn: return "rt_sigreturn";
	case SYS_pwrite64: return "pwrite64";
	case SYS_sched_yield: return "sched_yield";
	case SYS_futex: return "futex";
	case SYS_ftruncate: return "ftruncate";
	case SYS_restart_syscall: return "restart_syscall";
	case SYS_membarrier: return "membarrier";
	case SYS_memfd_create: return "memfd_create";
	case SYS_reboot: return "reboot";
	case SYS_ptrace: return "ptrace";
	default:
		snprintf(buf, len, "system call %d", nr);
		return buf;
	}
}

/* ---- reading the filters ------------------------------------------------ */

/* The "Seccomp:" and "Seccomp_filters:" lines of the thread's status
 * (written by the kernel; the one line the thread names, Name:, is
 * escaped and short). *COUNT is -1 if the kernel does not say. */
static int read_mode(pid_t pid, pid_t tid, int *mode, long *count)
{
	char fn[64], line[256];
	FILE *f;

	*mode = 0;
	*count = -1;
	snprintf(fn, sizeof(fn), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	f = fopen(fn, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Seccomp:", 8))
			*mode = atoi(line + 8);
		else if (!strncmp(line, "Seccomp_filters:", 16))
			*count = atol(line + 16);
	}
	fclose(f);
	return 0;
}

/* Seccomp's whitelist (kernel/seccomp.c, seccomp_check_filter): loads of
 * aligned words of seccomp_data, its length, ALU, jumps, returns, scratch
 * memory. Shifts by X are left out: libpcap makes a shift by 32 or more 0,
 * where the kernel's eBPF shifts by X modulo 32. The opcode of the first
 * instruction outside it, or -1. */
static int outside_whitelist(const struct bpf_insn *p, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		switch (p[i].code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (p[i].k >= WORDS * 4 || p[i].k % 4)
				return p[i].code;
			continue;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (p[i].k >= 32)
				return p[i].code;
			continue;
		case BPF_ALU | BPF_DIV | BPF_K:
			if (p[i].k == 0)
				return p[i].code;
			continue;
		case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN:
		case BPF_RET | BPF_K: case BPF_RET | BPF_A:
		case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
		case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
		case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
		case BPF_ALU | BPF_DIV | BPF_X:
		case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
		case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
		case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
		case BPF_ALU | BPF_NEG:
		case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
		case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
		case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
		case BPF_ST: case BPF_STX:
		case BPF_JMP | BPF_JA:
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
			continue;
		default:
			return p[i].code;
		}
	}
	return -1;
}

/* Filter INDEX (0: the newest) of TID. The kernel copies a whole filter
 * into the buffer whatever its size, and a filter may be added between
 * two calls: the buffer always has room for the largest. 1 read, 0 no
 * such filter, -1 with errno. */
static int read_filter(pid_t tid, long index, struct ns_sc_prog *out)
{
	struct bpf_insn *buf = calloc(INSNS_MAX, sizeof(*buf)), *fit;
	long n;

	if (!buf)
		return -1;
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)index, buf);
	if (n <= 0 || n > INSNS_MAX) {
		int e = n == 0 ? EINVAL : n > INSNS_MAX ? E2BIG : errno;
		free(buf);
		if (e == ENOENT)
			return 0;
		errno = e;
		return -1;
	}
	fit = realloc(buf, (size_t)n * sizeof(*buf));
	if (fit)
		buf = fit;
	out->insn = buf;
	out->len = (unsigned)n;
	out->bad_code = outside_whitelist(buf, out->len);
	/* Jumps out of the program, or no return at its end. */
	if (out->bad_code < 0 && !ns_bpf_validate(buf, (int)out->len))
		out->bad_code = NS_SC_MALFORMED;
	return 1;
}

/* Every filter of S's thread, newest first, until the kernel has no more
 * (a filter may be added meanwhile by another thread: the count the
 * status gave is a floor). */
static int read_filters(struct ns_seccomp *s, long count, struct ns_err *err)
{
	size_t cap = 0;
	int rc = 1;

	while (rc == 1 && s->n < FILTERS_MAX) {
		if (s->n == cap) {
			struct ns_sc_prog *f = realloc(s->f, (cap ? cap * 2 : 4) *
						       sizeof(*f));
			if (!f) {
				ns_err_set(err, "out of memory");
				return -1;
			}
			s->f = f;
			cap = cap ? cap * 2 : 4;
		}
		rc = read_filter(s->tid, (long)s->n, &s->f[s->n]);
		s->n += rc == 1;
	}
	if (rc == 0 && s->n > 0 && (long)s->n >= count)
		return 0;
	ns_err_set(err, "process %d runs under a seccomp filter that this "
		 "user cannot read (thread %d: %s)", (int)s->pid, (int)s->tid,
		 rc >= 0 ? "its filters changed while read" :
		 errno == EACCES || errno == EPERM ?
		 "reading it needs CAP_SYS_ADMIN" : strerror(errno));
	return -1;
}

int ns_seccomp_read(struct ns_seccomp *s, pid_t pid, pid_t tid,
		    struct ns_err *err)
{
	long count;

	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->tid = tid;
	if (read_mode(pid, tid, &s->mode, &count) < 0) {
		ns_err_set(err, "cannot read the seccomp mode of thread %d "
			 "of process %d: %s", (int)tid, (int)pid, strerror(errno));
		return -1;
	}
	if (s->mode != SECCOMP_MODE_FILTER)
		return 0;
	if (ns_bpf_load(err) < 0 || read_filters(s, count, err) < 0) {
		ns_seccomp_free(s);
		return -1;
	}
	return 0;
}

void ns_seccomp_free(struct ns_seccomp *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->f[i].insn);
	free(s->f);
	s->f = NULL;
	s->n = 0;
}

/* ---- evaluating ------------------------------------------------------------ */

/* The call's seccomp_data laid out for libpcap: known words first, each
 * big-endian; POS[w] is where word W went. Returns how many are known. */
static unsigned lay_out(const struct ns_sc_call *c, uint8_t buf[WORDS * 4],
			unsigned pos[WORDS])
{
	uint32_t word[WORDS];
	bool known[WORDS];
	unsigned at = 0, nknown = 0;

	word[0] = (uint32_t)c->nr;
	word[1] = c->arch ? c->arch : AUDIT_ARCH_X86_64;
	word[2] = (uint32_t)c->ip;
	word[3] = (uint32_t)(c->ip >> 32);
	known[0] = known[1] = true;
	known[2] = known[3] = c->known & NS_SC_IP;
	for (int i = 0; i < 6; i++) {
		word[4 + 2 * i] = (uint32_t)c->args[i];
		word[5 + 2 * i] = (uint32_t)(c->args[i] >> 32);
		known[4 + 2 * i] = known[5 + 2 * i] = c->known & NS_SC_ARG(i);
	}
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			nknown = at;
		for (unsigned w = 0; w < WORDS; w++) {
			if (known[w] != (pass == 0))
				continue;
			pos[w] = at;
			buf[at * 4] = (uint8_t)(word[w] >> 24);
			buf[at * 4 + 1] = (uint8_t)(word[w] >> 16);
			buf[at * 4 + 2] = (uint8_t)(word[w] >> 8);
			buf[at * 4 + 3] = (uint8_t)word[w];
			at++;
		}
	}
	return nknown;
}

/* Runs filter F over the laid-out call BUF: its result, exact unless
 * *UNDECIDED (it read an unknown word on its way). */
static uint32_t run_one(const struct ns_sc_prog *f, const uint8_t buf[WORDS * 4],
			const unsigned pos[WORDS], unsigned nknown, bool *undecided)
{
	struct bpf_insn *p = malloc(f->len * sizeof(*p));
	uint8_t all[WORDS * 4];
	uint32_t r;

	*undecided = true;
	if (!p || f->bad_code >= 0) {
		free(p);
		return 0;
	}
	memcpy(p, f->insn, f->len * sizeof(*p));
	for (unsigned i = 0; i < f->len; i++)
		if (p[i].code == (BPF_LD | BPF_W | BPF_ABS))
			p[i].k = pos[p[i].k / 4] * 4;
	/* The length a filter may load (BPF_LEN) is seccomp_data's. */
	r = ns_bpf_filter(p, buf, WORDS * 4, nknown * 4);
	if (r != 0 || nknown == WORDS) {
		*undecided = false;
		free(p);
		return r;
	}
	/* 0: the filter returned SECCOMP_RET_KILL_THREAD, or read an unknown
	 * word. Run again with the unknown words readable, as given and as
	 * all ones: if it still returns 0, it kills (so it is reported);
	 * either way the call is refused. */
	memcpy(all, buf, sizeof(all));
	r = ns_bpf_filter(p, all, WORDS * 4, WORDS * 4);
	memset(all + nknown * 4, 0xff, (WORDS - nknown) * 4);
	if (r == 0)
		r = ns_bpf_filter(p, all, WORDS * 4, WORDS * 4);
	*undecided = r != 0;
	free(p);
	return 0;
}

/* SECCOMP_RET_* action of a filter's result, ordered as the kernel orders
 * them: the lower, the more restrictive. */
static int32_t action_rank(uint32_t ret)
{
	return (int32_t)(ret & SECCOMP_RET_ACTION_FULL);
}

/* Strict mode lets through read, write, _exit and rt_sigreturn, and
 * kills the thread (SIGKILL) for anything else. */
static uint32_t strict(int nr)
{
	return nr == SYS_read || nr == SYS_write || nr == SYS_exit ||
	       nr == SYS_rt_sigreturn ? SECCOMP_RET_ALLOW
				      : SECCOMP_RET_KILL_THREAD;
}

uint32_t ns_seccomp_eval(const struct ns_seccomp *s, const struct ns_sc_call *c,
			 bool *undecided)
{
	uint8_t buf[WORDS * 4];
	unsigned pos[WORDS], nknown;
	uint32_t ret = SECCOMP_RET_ALLOW;

	*undecided = false;
	if (s->mode == SECCOMP_MODE_STRICT)
		return strict(c->nr);
	if (s->mode != SECCOMP_MODE_FILTER)
		return SECCOMP_RET_ALLOW;
	nknown = lay_out(c, buf, pos);
	/* Every filter runs; the most restrictive action wins, the newest
	 * filter's among equals. */
	for (size_t i = 0; i < s->n; i++) {
		bool u;
		uint32_t r = run_one(&s->f[i], buf, pos, nknown, &u);

		*undecided |= u;
		if (!u && action_rank(r) < action_rank(ret))
			ret = r;
	}
	return ret;
}

/* What ACTION does to the call, for the message. */
static void describe(uint32_t ret, const struct ns_seccomp *s, const char *call,
		     char *buf, size_t len)
{
	uint32_t data = ret & SECCOMP_RET_DATA;
	const char *e;

	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_THREAD:
		snprintf(buf, len, "would kill its thread %d for %s", (int)s->tid,
			 call);
		break;
	case SECCOMP_RET_TRAP:
		snprintf(buf, len, "would send it SIGSYS for %s", call);
		break;
	case SECCOMP_RET_ERRNO:
		e = strerrorname_np((int)data);
		if (e)
			snprintf(buf, len, "would fail %s with %s", call, e);
		else
			snprintf(buf, len, "would fail %s with errno %u", call, data);
		break;
	case SECCOMP_RET_USER_NOTIF:
		snprintf(buf, len, "would hand %s to its supervisor "
			 "(SECCOMP_RET_USER_NOTIF)", call);
		break;
	case SECCOMP_RET_TRACE:
		snprintf(buf, len, "would hand %s to a tracer (SECCOMP_RET_TRACE)",
			 call);
		break;
	default:   /* KILL_PROCESS, and actions the kernel does not know */
		snprintf(buf, len, "would kill it for %s", call);
		break;
	}
}

/* Why S cannot tell whether it lets CALL through. */
static void undecided_why(const struct ns_seccomp *s, const char *call,
			  struct ns_err *err)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->f[i].bad_code == NS_SC_MALFORMED) {
			ns_err_set(err, "the seccomp filter of process %d "
				 "is malformed: nonstop cannot evaluate it: "
				 "refused", (int)s->pid);
			return;
		}
		if (s->f[i].bad_code >= 0) {
			ns_err_set(err, "the seccomp filter of process %d "
				 "has an instruction nonstop cannot evaluate "
				 "(opcode 0x%x): refused", (int)s->pid,
				 (unsigned)s->f[i].bad_code);
			return;
		}
	}
	ns_err_set(err, "the seccomp filter of process %d decides %s by a "
		 "value nonstop cannot know in advance (an argument, or where it "
		 "is called from): refused", (int)s->pid, call);
}

int ns_seccomp_allows(const struct ns_seccomp *s, const struct ns_sc_call *c,
		      struct ns_err *err)
{
	char nbuf[32], what[160];
	const char *call = c->name ? c->name
				   : ns_sc_name(c->nr, nbuf, sizeof(nbuf));
	bool undecided;
	uint32_t ret = ns_seccomp_eval(s, c, &undecided);
	uint32_t action = ret & SECCOMP_RET_ACTION_FULL;

	if (action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG) {
		if (!undecided)
			return 0;
		undecided_why(s, call, err);
		return -1;
	}
	if (s->mode == SECCOMP_MODE_STRICT) {
		ns_err_set(err, "thread %d of process %d runs in seccomp "
			 "strict mode, which would kill it for %s: refused",
			 (int)s->tid, (int)s->pid, call);
		return -1;
	}
	describe(ret, s, call, what, sizeof(what));
	ns_err_set(err, "the seccomp filter of process %d %s: refused",
		 (int)s->pid, what);
	return -1;
}

bool ns_seccomp_harms(const struct ns_seccomp *s, const struct ns_sc_call *c)
{
	bool undecided;
	uint32_t action = ns_seccomp_eval(s, c, &undecided) &
			  SECCOMP_RET_ACTION_FULL;

	return undecided || !(action == SECCOMP_RET_ALLOW ||
			      action == SECCOMP_RET_LOG ||
			      action == SECCOMP_RET_ERRNO ||
			      action == SECCOMP_RET_TRACE);
}

/* ---- every thread of a tracee ------------------------------------------- */

/* Reads the seccomp state of TH, stopping it for a moment if its filters
 * are to be read and it runs. */
static int read_thread(struct ns_tracee *tr, struct ns_thread *th,
		       struct ns_seccomp *s)
{
	struct ns_err *err = tr->err;
	bool was_stopped = th->stopped;
	long count;
	int mode, rc;

	memset(s, 0, sizeof(*s));
	if (read_mode(tr->pid, th->tid, &mode, &count) < 0) {
		ns_err_set(err, "cannot read the seccomp mode of thread %d "
			 "of process %d: %s", (int)th->tid, (int)tr->pid,
			 strerror(errno));
		return -1;
	}
	if (mode != SECCOMP_MODE_FILTER)
		return ns_seccomp_read(s, tr->pid, th->tid, err);
	if (!was_stopped && ns_tracee_stop_one(tr, th) < 0)
		return -1;
	rc = ns_seccomp_read(s, tr->pid, th->tid, err);
	if (!was_stopped && ns_tracee_resume_one(tr, th) < 0 && rc == 0) {
		ns_seccomp_free(s);
		rc = -1;
	}
	return rc;
}

int ns_seccomp_check_tracee(struct ns_tracee *tr, const struct ns_sc_list *l)
{
	struct ns_err *err = tr->err;

	for (size_t i = 0; i < tr->n; i++) {
		struct ns_thread *th = tr->t[i];
		struct ns_seccomp s;
		bool mark = ns_err_mark(err);
		int rc = 0;

		if (th->gone)
			continue;
		if (read_thread(tr, th, &s) < 0) {
			if (!th->gone)
				return -1;
			ns_err_forget(err, mark);   /* it exited meanwhile */
			continue;
		}
		for (size_t k = 0; k < l->n && rc == 0; k++)
			rc = ns_seccomp_allows(&s, &l->v[k], err);
		ns_seccomp_free(&s);
		if (rc < 0)
			return -1;
	}
	return 0;
}
