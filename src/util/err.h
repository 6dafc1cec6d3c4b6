/* err.h — the one error value of nonstop.
 *
 * Every operation that can fail carries one struct ns_err, passed down by
 * pointer (a function's `struct ns_err *err`, a tracee's tr->err, the
 * generator's g->err, an apply's or revert's res->err all point at the
 * operation's one value). A failure is described once, at the site that
 * understands it, and the function returns -1; nothing above copies the
 * message from one buffer to another.
 *
 * Set once: the first failure of an operation is its cause. What fails
 * after it — a clean-up that cannot put a thread back, a detach of a
 * process that is gone — does not overwrite the cause (ns_err_set does
 * nothing once the value is set). A caller that knows what the callee
 * could not adds it in front (ns_err_wrap: "cannot map the patch: <cause>");
 * one that understands the failure better than the callee says so
 * instead (ns_err_replace: the process exited, not "ptrace: ESRCH"). A
 * failure the caller recovers from is forgotten, and only that one:
 * ns_err_mark before the attempt, ns_err_forget after it (a value that was
 * set before the attempt stays as it was).
 *
 * Warnings are not errors: they go into the operation's result (res->warn,
 * gen_warn), never straight to stderr from library code. */
#ifndef NONSTOP_UTIL_ERR_H
#define NONSTOP_UTIL_ERR_H

#include <stdarg.h>
#include <stdbool.h>

#define NS_ERR_MAX 1024

struct ns_err {
	bool set;
	char msg[NS_ERR_MAX];  /* one line naming what and why */
};

/* The cause, unless one is set already; returns -1, so that a failing
 * path reads `return ns_err_set(err, "...", ...);`. */
int ns_err_set(struct ns_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ns_err_set for a function taking (fmt, ...) itself. */
int ns_err_vset(struct ns_err *e, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Context in front of the cause: "<context>: <cause>" (or the context
 * alone if no cause was set). Returns -1. */
int ns_err_wrap(struct ns_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A better description of the failure than the one set below, which may
 * be one of its arguments (ns_err_msg(e)); returns -1. For a caller that
 * knows what the callee could not tell. */
int ns_err_replace(struct ns_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* More of the same failure, after the cause: "<cause>; <text>" (nothing
 * if no cause is set). Returns -1. */
int ns_err_append(struct ns_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The message ("" if none). */
static inline const char *ns_err_msg(const struct ns_err *e)
{
	return e->set ? e->msg : "";
}

/* Empties E: a new operation starts. */
void ns_err_clear(struct ns_err *e);

/* Recovering from a failure: MARK before the attempt, FORGET after it
 * forgets what the attempt set, and nothing set before it. */
static inline bool ns_err_mark(const struct ns_err *e)
{
	return e->set;
}
void ns_err_forget(struct ns_err *e, bool mark);

#endif
