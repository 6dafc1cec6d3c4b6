/* err.c — the one error value (err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

static void vformat(struct ns_err *e, const char *fmt, va_list ap)
{
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	e->set = true;
}

int ns_err_set(struct ns_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e->set)
		return -1;
	va_start(ap, fmt);
	vformat(e, fmt, ap);
	va_end(ap);
	return -1;
}

int ns_err_vset(struct ns_err *e, const char *fmt, va_list ap)
{
	if (!e->set)
		vformat(e, fmt, ap);
	return -1;
}

int ns_err_replace(struct ns_err *e, const char *fmt, ...)
{
	struct ns_err n;
	va_list ap;

	/* Into a copy first: the old message may be one of the arguments. */
	va_start(ap, fmt);
	vformat(&n, fmt, ap);
	va_end(ap);
	*e = n;
	return -1;
}

int ns_err_wrap(struct ns_err *e, const char *fmt, ...)
{
	char cause[sizeof(e->msg)];
	bool had = e->set;
	size_t n;
	va_list ap;

	if (had)
		memcpy(cause, e->msg, sizeof(cause));
	va_start(ap, fmt);
	vformat(e, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (had && n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", cause);
	return -1;
}

int ns_err_append(struct ns_err *e, const char *fmt, ...)
{
	size_t n = strlen(e->msg);
	va_list ap;

	if (!e->set || n + 2 >= sizeof(e->msg))
		return -1;
	memcpy(e->msg + n, "; ", 2);
	va_start(ap, fmt);
	vsnprintf(e->msg + n + 2, sizeof(e->msg) - n - 2, fmt, ap);
	va_end(ap);
	return -1;
}

void ns_err_clear(struct ns_err *e)
{
	e->set = false;
	e->msg[0] = 0;
}

void ns_err_forget(struct ns_err *e, bool mark)
{
	if (!mark)
		ns_err_clear(e);
}
