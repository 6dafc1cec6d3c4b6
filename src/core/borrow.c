/* borrow.c — choosing a thread that may run a function call in the
 * target, and borrowing it (borrow.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/borrow.h"
#include "patch/patch.h"
#include "proc/sigframe.h"
#include "util/clock.h"

/* Functions in whose frames a thread may hold a lock (by prefix), by the
 * class of the lock (patch.h: enum ns_lock_class). The exported entry
 * points are here as well as the internal functions below them: without
 * the C library's debug symbols (libc6-dbg), a frame inside it is named
 * by the nearest exported symbol. */
struct frame_locks {
	const char *prefix;
	uint32_t    locks;
};

static const struct frame_locks frame_locks[] = {
	/* libgcc's unwinder, the dynamic loader */
	{ "_Unwind_", NS_LOCK_OTHER }, { "__register_frame", NS_LOCK_OTHER },
	{ "__deregister_frame", NS_LOCK_OTHER },
	{ "__frame_state_for", NS_LOCK_OTHER }, { "_dl_", NS_LOCK_OTHER },
	{ "dl_iterate_phdr", NS_LOCK_OTHER }, { "__dl_iterate_phdr", NS_LOCK_OTHER },
	{ "__libc_dl", NS_LOCK_OTHER }, { "dlopen", NS_LOCK_OTHER },
	{ "dlclose", NS_LOCK_OTHER }, { "dlsym", NS_LOCK_OTHER },
	{ "dlmopen", NS_LOCK_OTHER }, { "dlvsym", NS_LOCK_OTHER },
	/* malloc */
	{ "mall", NS_LOCK_MALLOC },     /* malloc*, mallopt, mallinfo */
	{ "free", NS_LOCK_MALLOC },
	{ "calloc", NS_LOCK_MALLOC }, { "realloc", NS_LOCK_MALLOC },
	{ "memalign", NS_LOCK_MALLOC }, { "posix_memalign", NS_LOCK_MALLOC },
	{ "aligned_alloc", NS_LOCK_MALLOC }, { "valloc", NS_LOCK_MALLOC },
	{ "pvalloc", NS_LOCK_MALLOC }, { "__libc_malloc", NS_LOCK_MALLOC },
	{ "__libc_free", NS_LOCK_MALLOC }, { "__libc_calloc", NS_LOCK_MALLOC },
	{ "__libc_realloc", NS_LOCK_MALLOC }, { "__libc_memalign", NS_LOCK_MALLOC },
	{ "_int_", NS_LOCK_MALLOC }, { "sysmalloc", NS_LOCK_MALLOC },
	{ "systrim", NS_LOCK_MALLOC }, { "tcache_", NS_LOCK_MALLOC },
	{ "arena_", NS_LOCK_MALLOC }, { "__malloc_", NS_LOCK_MALLOC },
	/* fork holds malloc's, stdio's and the loader's locks at once */
	{ "fork", NS_LOCKS_ALL }, { "_Fork", NS_LOCKS_ALL },
	{ "__libc_fork", NS_LOCKS_ALL }, { "__run_fork_handlers", NS_LOCKS_ALL },
	/* stdio: a stream's lock */
	{ "_IO_", NS_LOCK_STDIO }, { "__vfprintf", NS_LOCK_STDIO },
	{ "vfprintf", NS_LOCK_STDIO }, { "printf", NS_LOCK_STDIO },
	{ "fprintf", NS_LOCK_STDIO }, { "dprintf", NS_LOCK_STDIO },
	{ "puts", NS_LOCK_STDIO }, { "fputs", NS_LOCK_STDIO },
	{ "fputc", NS_LOCK_STDIO }, { "putc", NS_LOCK_STDIO },
	{ "putchar", NS_LOCK_STDIO }, { "fwrite", NS_LOCK_STDIO },
	{ "fread", NS_LOCK_STDIO }, { "fgets", NS_LOCK_STDIO },
	{ "fgetc", NS_LOCK_STDIO }, { "getc", NS_LOCK_STDIO },
	{ "getchar", NS_LOCK_STDIO }, { "getline", NS_LOCK_STDIO },
	{ "getdelim", NS_LOCK_STDIO }, { "__getdelim", NS_LOCK_STDIO },
	{ "fflush", NS_LOCK_STDIO }, { "fclose", NS_LOCK_STDIO },
	{ "fopen", NS_LOCK_STDIO }, { "fdopen", NS_LOCK_STDIO },
	{ "fseek", NS_LOCK_STDIO }, { "ftell", NS_LOCK_STDIO },
	{ "rewind", NS_LOCK_STDIO }, { "flockfile", NS_LOCK_STDIO },
	{ "funlockfile", NS_LOCK_STDIO }, { "__uflow", NS_LOCK_STDIO },
	{ "__overflow", NS_LOCK_STDIO }, { "scanf", NS_LOCK_STDIO },
	{ "fscanf", NS_LOCK_STDIO }, { "__isoc99_", NS_LOCK_STDIO },
	{ "ungetc", NS_LOCK_STDIO }, { "setvbuf", NS_LOCK_STDIO },
	{ "setbuf", NS_LOCK_STDIO }, { "popen", NS_LOCK_STDIO },
	{ "pclose", NS_LOCK_STDIO }, { "__fxprintf", NS_LOCK_STDIO },
	{ "fwprintf", NS_LOCK_STDIO }, { "vfwprintf", NS_LOCK_STDIO },
	{ "wprintf", NS_LOCK_STDIO }, { "fputws", NS_LOCK_STDIO },
	{ "fgetws", NS_LOCK_STDIO }, { "getwc", NS_LOCK_STDIO },
	{ "putwc", NS_LOCK_STDIO }, { "fputwc", NS_LOCK_STDIO },
	{ "fgetwc", NS_LOCK_STDIO }, { "perror", NS_LOCK_STDIO },
	/* gettext's and the locale's */
	{ "__dcigettext", NS_LOCK_LOCALE }, { "dcgettext", NS_LOCK_LOCALE },
	{ "__dcgettext", NS_LOCK_LOCALE }, { "dgettext", NS_LOCK_LOCALE },
	{ "gettext", NS_LOCK_LOCALE }, { "setlocale", NS_LOCK_LOCALE },
	{ "newlocale", NS_LOCK_LOCALE }, { "freelocale", NS_LOCK_LOCALE },
	{ "_nl_", NS_LOCK_LOCALE }, { "__wcsmbs_load_conv", NS_LOCK_LOCALE },
	{ "__gconv", NS_LOCK_LOCALE }, { "iconv", NS_LOCK_LOCALE },
	{ "strerror", NS_LOCK_LOCALE }, { "strsignal", NS_LOCK_LOCALE },
	{ "perror", NS_LOCK_LOCALE }, { "duplocale", NS_LOCK_LOCALE },
	{ "mbrtowc", NS_LOCK_LOCALE }, { "wcrtomb", NS_LOCK_LOCALE },
};

uint32_t ns_borrow_frame_locks(const char *func, const char *module)
{
	uint32_t locks = 0;

	if (module && strstr(module, "libgcc_s"))
		locks |= NS_LOCK_OTHER;
	for (size_t i = 0; func && i < sizeof(frame_locks) / sizeof(*frame_locks); i++)
		if (!strncmp(func, frame_locks[i].prefix, strlen(frame_locks[i].prefix)))
			locks |= frame_locks[i].locks;
	return locks;
}

/* The frame callback of a choice: what the thread's frames may hold, and
 * whether it is any of what the call may take. */
struct choice {
	uint32_t locks;       /* the call's */
	uint32_t held;        /* the threads', for the message */
};

static int frame_hazard(void *arg, uint64_t pc, const char *func,
			const char *module)
{
	struct choice *c = arg;
	uint32_t held = ns_borrow_frame_locks(func, module);

	(void)pc;
	c->held |= held;
	return (held & c->locks) != 0;
}

/* Whether TH (stopped) may be borrowed in pass PASS: first a thread
 * blocked in a system call, then any; a thread in a nanosleep-like call
 * only in the last pass (were nonstop to die while it runs the call, the
 * rt_sigreturn that brings it back would end that call with EINTR). */
static bool fits_pass(const struct ns_thread *th, int pass)
{
	if (ns_regs_in_restart_block(&th->regs))
		return pass == 2;
	return pass >= 1 || (int64_t)th->regs.orig_rax >= 0;
}

/* Whether TH (stopped) may run a call that takes C->locks: not stopped
 * outside a system call if it may spin (a lock taken in place may be held
 * there), and none of its frames where it may hold one of the others
 * (unwound only then: a call that takes no lock runs anywhere). */
static bool may_run(struct ns_safety *s, struct ns_thread *th, struct choice *c)
{
	if ((c->locks & NS_LOCK_SPIN) && (int64_t)th->regs.orig_rax < 0) {
		c->held |= NS_LOCK_SPIN;
		return false;
	}
	if (!(c->locks & ~NS_LOCK_SPIN))
		return true;
	return ns_safety_frames(s, th, frame_hazard, c) == 0;
}

/* Stops threads of TR one at a time until one may run the call (see
 * borrow.h); returns it stopped, or NULL after TIMEOUT. */
static struct ns_thread *choose_thread(struct ns_tracee *tr, struct ns_safety *s,
				       struct choice *c, double timeout)
{
	double deadline = ns_clock_s() + timeout;
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	bool mark = ns_err_mark(tr->err);

	do {
		for (int pass = 0; pass < 3; pass++) {
			for (size_t i = 0; i < tr->n; i++) {
				struct ns_thread *th = tr->t[i];

				if (th->gone || th->fresh)
					continue;
				if (ns_tracee_stop_one(tr, th) < 0) {
					if (!th->gone)
						return NULL;
					ns_err_forget(tr->err, mark);   /* it exited */
					continue;
				}
				if (fits_pass(th, pass) && may_run(s, th, c))
					return th;
				if (ns_tracee_resume_one(tr, th) < 0)
					return NULL;
			}
		}
		nanosleep(&nap, NULL);
	} while (ns_clock_s() < deadline);
	return NULL;
}

/* The gadgets a call needs; the signal restorer brings the thread back. */
static int gadgets(struct ns_tracee *tr, struct ns_gadgets *g)
{
	struct ns_err *err = tr->err;

	if (ns_remote_find_gadgets(tr, g) < 0)
		return -1;
	if (!g->sigreturn) {
		ns_err_set(err, "process %d has no signal restorer "
			 "(__restore_rt) to bring a borrowed thread back",
			 (int)tr->pid);
		return -1;
	}
	return 0;
}

static int begin(struct ns_borrow *b, struct ns_thread *th,
		 const struct ns_gadgets *g)
{
	if (ns_remote_begin_on(&b->rs, b->tr, th, g) < 0) {
		ns_tracee_resume_one(b->tr, th);
		return -1;
	}
	b->begun = true;
	return 0;
}

int ns_borrow(struct ns_borrow *b, struct ns_tracee *tr, struct ns_safety *s,
	      uint32_t locks, double timeout, const char *what)
{
	struct choice c = { .locks = locks & NS_LOCKS_ALL };
	struct ns_thread *th;
	struct ns_gadgets g;
	char held[96];

	memset(b, 0, sizeof(*b));
	b->tr = tr;
	b->safety = s;
	if (gadgets(tr, &g) < 0)
		return -1;
	if (!b->safety && (c.locks & ~NS_LOCK_SPIN)) {
		b->safety = ns_safety_new(tr);
		if (!b->safety)
			return -1;
		b->own_safety = true;
	}
	th = choose_thread(tr, b->safety, &c, timeout);
	if (!th) {
		c.held &= c.locks;
		ns_err_set(tr->err, "no thread of process %d was at a point "
			 "where it could %s within %.3g s%s%s", (int)tr->pid,
			 what, timeout, c.held ? " (where they were, the threads "
			 "may hold locks of " : "", c.held ? ns_locks_name(c.held,
			 held, sizeof(held)) : "");
		if (c.held)
			ns_err_replace(tr->err, "%s)", ns_err_msg(tr->err));
		return -2;
	}
	return begin(b, th, &g);
}

int ns_borrow_thread(struct ns_borrow *b, struct ns_tracee *tr,
		     struct ns_thread *th)
{
	struct ns_gadgets g;

	memset(b, 0, sizeof(*b));
	b->tr = tr;
	if (gadgets(tr, &g) < 0)
		return -1;
	return begin(b, th, &g);
}

int ns_unborrow(struct ns_borrow *b)
{
	int rc = 0;

	if (b->begun && !b->rs.th->gone && ns_remote_end(&b->rs, false) < 0) {
		rc = -1;
	} else if (b->begun && b->rs.th->gone) {
		ns_remote_release(&b->rs);   /* exited, or let go */
	}
	if (b->own_safety)
		ns_safety_free(b->safety);
	b->safety = NULL;
	b->begun = false;
	return rc;
}

bool ns_borrow_thread_in(struct ns_tracee *tr, uint64_t at, uint64_t len)
{
	bool mark = ns_err_mark(tr->err);
	bool in = false;

	for (size_t i = 0; i < tr->n && !in; i++) {
		struct ns_thread *th = tr->t[i];

		if (th->gone || th->fresh)
			continue;
		if (ns_tracee_stop_one(tr, th) < 0) {
			ns_err_forget(tr->err, mark);   /* gone: not in it */
			continue;
		}
		in = th->regs.rip >= at && th->regs.rip < at + len;
		ns_tracee_resume_one(tr, th);
	}
	return in;
}
