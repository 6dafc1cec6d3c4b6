/* hooks.c — a patch's hooks, run in the target (hooks.h).
 *
 * A hook is called like the frames' functions (proc/call.h): a borrowed
 * thread runs the patch's call stub, which calls the hook, stores what it
 * returned in the hook's own slot in the patch's writable memory, and
 * rt_sigreturns home; killed at any instant, nonstop leaves a thread that
 * finishes the hook and returns by itself. Before the thread is pointed
 * at the stub, the record says the hook's call is set up (called[k]), its
 * slot zeroed. Every decision below reads the record and the slot afresh
 * from the target: a later nonstop decides exactly as this one would. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/borrow.h"
#include "core/hooks.h"
#include "proc/call.h"
#include "proc/mem.h"

enum status { ABSENT, NOT_RUN, RUNNING, RETURNED };

bool ns_hooks_any(const struct ns_patch *p)
{
	for (size_t k = 0; k < NS_HOOK_KINDS; k++)
		if (p->hooks[k])
			return true;
	return false;
}

void ns_hooks_record(struct ns_rec *rec, const struct ns_patch *p,
		     const struct ns_image *img)
{
	struct ns_rec_hooks *h = ns_rec_hooks(rec);
	uint64_t data = img->base + img->hooks_off;

	if (!h)
		return;
	memset(h, 0, sizeof(*h));
	h->msg = data + NS_LINK_HOOK_SLOTS;
	h->msg_size = NS_LINK_HOOK_MSG;
	for (uint32_t k = 0; k < NS_HOOK_KINDS; k++) {
		uint32_t sym = p->hooks[k];

		h->slot[k] = data + k * sizeof(struct ns_call_slot);
		if (!sym)
			continue;
		h->fn[k] = ns_link_sym_addr(img, sym);
		h->locks |= (NS_REC_LOCKS_KNOWN | (p->hook_locks[k] & NS_LOCKS_ALL))
			    << (8 * k);
		snprintf(h->name[k], sizeof(h->name[k]), "%s", p->syms[sym].name);
	}
}

_Static_assert(NS_REC_HOOKS == NS_HOOK_KINDS, "hook kinds in the record");
_Static_assert(NS_LINK_HOOK_SLOTS >= NS_HOOK_KINDS * sizeof(struct ns_call_slot),
	       "room for the hooks' call slots");
_Static_assert(NS_LINK_HOOK_MSG == sizeof(((struct ns_hook_run *)0)->msg),
	       "the message a hook leaves fits the result");

/* *REC: the record at BASE if it has hooks (malloc'd), else NULL (no
 * record there: a mapping never filled; or one without hooks). -1 with
 * ERR if it cannot be read, or a record with hooks is damaged (its
 * values out of range: rec_check.h): nothing is done with it. */
static int read_rec(struct ns_tracee *tr, uint64_t base, struct ns_rec **rec)
{
	struct ns_err *err = tr->err;
	char magic[8], why[256];
	bool damaged;

	*rec = NULL;
	if (ns_mem_read(tr->mem_fd, base, magic, sizeof(magic)) < 0) {
		ns_err_set(err, "cannot read process %d: %s", (int)tr->pid,
			 strerror(errno));
		return -1;
	}
	if (memcmp(magic, NS_REC_MAGIC_V4, sizeof(magic)))
		return 0;
	*rec = ns_rec_read_at(tr->pid, tr->mem_fd, base, &damaged, why, sizeof(why));
	if (!*rec || !ns_rec_hooks(*rec)) {
		free(*rec);
		*rec = NULL;
		ns_err_set(err, "%s", damaged ? why : "the record of a patch "
			 "with hooks is gone");
		return -1;
	}
	return 0;
}

/* Where hook KIND (1..4) of REC stands. With TR, a call set up but not
 * started counts as running while a thread is on the stub (a nonstop
 * died right after pointing it there). */
static enum status status(struct ns_tracee *tr, struct ns_rec *rec,
			  uint32_t kind, int32_t *ret)
{
	struct ns_rec_hooks *h = ns_rec_hooks(rec);
	struct ns_call_slot s;
	uint32_t k = kind - 1;

	*ret = 0;
	if (!h || !h->fn[k])
		return ABSENT;
	if (!h->called[k])
		return NOT_RUN;
	if (ns_mem_read(tr->mem_fd, h->slot[k], &s, sizeof(s)) < 0)
		return RUNNING;   /* cannot tell: assume the worst */
	if (s.done) {
		*ret = (int32_t)(uint32_t)s.ret;
		return RETURNED;
	}
	if (s.started || (rec->call_stub &&
			  ns_borrow_thread_in(tr, rec->call_stub, NS_LINK_CALL_STUB)))
		return RUNNING;
	return NOT_RUN;       /* set up, never started */
}

static void fill_run(struct ns_hook_run *run, struct ns_rec *rec,
		     uint32_t kind, int32_t ret)
{
	memset(run, 0, sizeof(*run));
	run->kind = kind;
	run->ret = ret;
	snprintf(run->fn, sizeof(run->fn), "%s", ns_rec_hooks(rec)->name[kind - 1]);
}

/* The message the hook left: one line of printable characters. */
static void read_msg(struct ns_tracee *tr, const struct ns_rec_hooks *h,
		     struct ns_hook_run *run)
{
	size_t n = h->msg_size < sizeof(run->msg) ? h->msg_size : sizeof(run->msg);

	if (!n || ns_mem_read(tr->mem_fd, h->msg, run->msg, n) < 0) {
		run->msg[0] = 0;
		return;
	}
	run->msg[n - 1] = 0;
	for (char *c = run->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}

/* Zeroes the message buffer and the slot, then says the call is set up. */
static int announce(struct ns_tracee *tr, struct ns_rec *rec, uint32_t k)
{
	struct ns_err *err = tr->err;
	struct ns_rec_hooks *h = ns_rec_hooks(rec);
	struct ns_call_slot zero = { 0 };
	uint64_t called = ns_rec_hooks_addr(rec) +
			  offsetof(struct ns_rec_hooks, called) + k * sizeof(uint32_t);
	uint32_t one = 1;
	char *clear = calloc(1, h->msg_size ? h->msg_size : 1);
	int rc = -1;

	if (clear && ns_mem_write(tr->mem_fd, h->msg, clear, h->msg_size) == 0 &&
	    ns_mem_write(tr->mem_fd, h->slot[k], &zero, sizeof(zero)) == 0 &&
	    ns_mem_write(tr->mem_fd, called, &one, sizeof(one)) == 0)
		rc = 0;
	else
		ns_err_set(err, "cannot write to process %d: %s",
			 (int)tr->pid, clear ? strerror(errno) : "out of memory");
	free(clear);
	return rc;
}

/* A call that failed with the thread back in nonstop's hands: one that did
 * not start leaves the hook not run; one that started and did not return
 * (the hook faulted: the thread was put back where it was, the fault not
 * delivered) is recorded as returned NS_HOOK_FAULTED, so that nothing
 * waits for it. */
static void settle_failed(struct ns_tracee *tr, struct ns_rec *rec, uint32_t k)
{
	uint64_t called = ns_rec_hooks_addr(rec) +
			  offsetof(struct ns_rec_hooks, called) + k * sizeof(uint32_t);
	uint64_t slot = ns_rec_hooks(rec)->slot[k];
	uint32_t zero = 0;
	struct ns_call_slot s;

	if (ns_mem_read(tr->mem_fd, slot, &s, sizeof(s)) < 0 || s.done)
		return;
	if (!s.started) {
		ns_mem_write(tr->mem_fd, called, &zero, sizeof(zero));
		return;
	}
	s.ret = (uint32_t)NS_HOOK_FAULTED;
	s.done = 1;
	ns_mem_write(tr->mem_fd, slot, &s, sizeof(s));
}

/* The thread the hook runs in (borrow.h): libnonstop's, the only one the
 * tracee holds, in the per-thread mode; else one that holds none of the
 * locks the hook may take (the record says which: what the generator
 * found in its code), any thread for a hook that takes none. WHY, when
 * the patch is at hand, says which calls take them. */
static int borrow_for(struct ns_borrow *b, struct ns_tracee *tr,
		      struct ns_safety *safety, const struct ns_rec *rec,
		      const struct ns_rec_hooks *h, uint32_t kind,
		      double timeout, const char *why)
{
	struct ns_err *err = tr->err;
	bool known;
	uint32_t locks = ns_rec_hook_locks(h, kind, &known);
	char names[96];
	int rc;

	if (rec->mode == NS_MODE_PER_THREAD) {
		if (tr->n != 1 || tr->t[0]->gone) {
			memset(b, 0, sizeof(*b));
			ns_err_set(err, "libnonstop's thread is not held");
			return -1;
		}
		return ns_borrow_thread(b, tr, tr->t[0]);
	}
	rc = ns_borrow(b, tr, safety, locks, timeout, "run it without taking a "
		       "lock that thread may hold");
	if (rc != -2)
		return rc;
	ns_locks_name(locks, names, sizeof(names));
	if (why)
		return ns_err_append(err, "the hook's code may take locks of %s: "
				     "%.400s", names, why);
	return ns_err_append(err, "the hook's code may take locks of %s%s", names,
			     known ? " (`nonstop show` on the patch says which "
			     "calls)" : " (the patch does not say which: any)");
}

/* Calls hook KIND of REC in a borrowed thread. */
static int call(struct ns_tracee *tr, struct ns_safety *safety,
		struct ns_rec *rec, uint32_t kind, double timeout,
		struct ns_hook_run *run, const char *why)
{
	struct ns_err *err = tr->err;
	struct ns_rec_hooks *h = ns_rec_hooks(rec);
	uint32_t k = kind - 1;
	struct ns_borrow b;
	uint64_t ret = 0;
	int rc;

	fill_run(run, rec, kind, 0);
	if (!rec->call_stub) {
		ns_err_set(err, "patch '%s': its record has no call stub for "
			 "its hooks", rec->name);
		return -1;
	}
	if (borrow_for(&b, tr, safety, rec, h, kind, timeout, why) < 0) {
		ns_unborrow(&b);
		return ns_err_wrap(err, "cannot run the %s hook '%s'",
				   ns_hook_kind_name(kind), h->name[k]);
	}
	if (announce(tr, rec, k) < 0) {
		ns_unborrow(&b);
		return -1;
	}
	rc = ns_remote_call(&b.rs, rec->call_stub, h->slot[k], h->fn[k], 0, 0,
			    timeout, &ret);
	if (rc == NS_CALL_OK) {
		run->ret = (int32_t)(uint32_t)ret;
		read_msg(tr, h, run);
		return ns_unborrow(&b);
	}
	if (rc == NS_CALL_LET_GO)
		ns_err_replace(err, "the %s hook '%s' did not return within %.3g s "
			 "(it goes on in thread %d; patch '%s' stays as it is "
			 "until it returns)", ns_hook_kind_name(kind), h->name[k],
			 timeout, b.rs.th->tid, rec->name);
	else
		ns_err_wrap(err, "cannot run the %s hook '%s'",
			    ns_hook_kind_name(kind), h->name[k]);
	if (rc == NS_CALL_FAILED)
		settle_failed(tr, rec, k);
	ns_unborrow(&b);
	return -1;
}

int ns_hook_run(struct ns_tracee *tr, struct ns_safety *safety, uint64_t base,
		uint32_t kind, double timeout, struct ns_hook_run *run,
		const char *why)
{
	struct ns_err *err = tr->err;
	struct ns_rec *rec;
	int32_t ret;
	int rc = 1;

	if (read_rec(tr, base, &rec) < 0)
		return -1;
	if (!rec)
		return 1;
	switch (status(tr, rec, kind, &ret)) {
	case ABSENT:
		break;
	case RETURNED:
		/* Once is enough; but a pre-revert veto is asked again at the
		 * next revert. */
		if (ret != 0 && kind == NS_HOOK_PRE_REVERT) {
			rc = call(tr, safety, rec, kind, timeout, run, why);
			break;
		}
		fill_run(run, rec, kind, ret);
		break;
	case NOT_RUN:
		rc = call(tr, safety, rec, kind, timeout, run, why);
		break;
	case RUNNING:
		ns_err_set(err, "the %s hook '%s' of patch '%s' is still "
			 "running in process %d (try again when it has returned)",
			 ns_hook_kind_name(kind), ns_rec_hooks(rec)->name[kind - 1],
			 rec->name, (int)tr->pid);
		rc = -1;
		break;
	}
	free(rec);
	return rc;
}

int ns_hook_veto(struct ns_tracee *tr, struct ns_safety *safety, uint64_t base,
		 uint32_t kind, double timeout, struct ns_hook_run *run,
		 const char *why, char *what, size_t len)
{
	int rc = ns_hook_run(tr, safety, base, kind, timeout, run, why);

	if (rc < 0)
		return -1;
	if (rc == 1 || !run->ret)
		return 0;
	ns_hook_describe(run, what, len);
	return 1;
}

int ns_hooks_idle(struct ns_tracee *tr, uint64_t base)
{
	struct ns_err *err = tr->err;
	struct ns_rec *rec;
	int32_t ret;
	int rc = 0;

	if (read_rec(tr, base, &rec) < 0)
		return -1;
	for (uint32_t kind = 1; rec && kind <= NS_HOOK_KINDS && !rc; kind++) {
		if (status(tr, rec, kind, &ret) != RUNNING)
			continue;
		ns_err_set(err, "the %s hook '%s' of patch '%s' is still "
			 "running in process %d (try again when it has returned)",
			 ns_hook_kind_name(kind), ns_rec_hooks(rec)->name[kind - 1],
			 rec->name, (int)tr->pid);
		rc = -1;
	}
	free(rec);
	return rc;
}

bool ns_hooks_pre_revert_due(struct ns_tracee *tr, uint64_t base)
{
	struct ns_rec *rec;
	int32_t post_ret, pre_ret;
	enum status post, pre;
	bool mark = ns_err_mark(tr->err);
	bool due;

	if (read_rec(tr, base, &rec) < 0 || !rec) {
		ns_err_forget(tr->err, mark);
		return false;   /* (ns_hooks_idle, first, refuses the former) */
	}
	post = status(tr, rec, NS_HOOK_POST_APPLY, &post_ret);
	pre = status(tr, rec, NS_HOOK_PRE_REVERT, &pre_ret);
	due = pre != ABSENT && !(pre == RETURNED && pre_ret == 0) &&
	      (post == ABSENT || (post == RETURNED && post_ret == 0));
	free(rec);
	return due;
}

/* Whether the post-revert hook of REC is due when its memory goes: it
 * was switched to and back, or never switched to after its pre-apply
 * hook succeeded. */
static bool post_revert_due(struct ns_tracee *tr, struct ns_rec *rec)
{
	int32_t ret;

	if (rec->state != NS_REC_LOADED)
		return true;
	return status(tr, rec, NS_HOOK_PRE_APPLY, &ret) == RETURNED && ret == 0;
}

int ns_hooks_post_revert(struct ns_tracee *tr, struct ns_safety *safety,
		     uint64_t base, double timeout, struct ns_hook_run *run)
{
	struct ns_err *err = tr->err;
	struct ns_hook_run mine;
	struct ns_rec *rec;
	int32_t ret;
	int rc = 0;

	if (ns_hooks_idle(tr, base) < 0 ||
	    read_rec(tr, base, &rec) < 0)
		return -1;
	if (!rec)
		return 0;
	if (status(tr, rec, NS_HOOK_POST_REVERT, &ret) == NOT_RUN &&
	    post_revert_due(tr, rec)) {
		if (!run)
			run = &mine;
		if (call(tr, safety, rec, NS_HOOK_POST_REVERT, timeout, run, NULL) < 0)
			rc = ns_err_append(err, "the memory of patch '%s' is "
					   "kept", rec->name);
	}
	free(rec);
	return rc;
}

void ns_hook_describe(const struct ns_hook_run *run, char *buf, size_t len)
{
	snprintf(buf, len, "the %s hook '%s' returned %d%s%s",
		 ns_hook_kind_name(run->kind), run->fn, (int)run->ret,
		 run->msg[0] ? ": " : "", run->msg);
}
