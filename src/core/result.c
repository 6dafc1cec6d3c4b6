/* result.c — what apply and revert report: the failure message, and what
 * the result holds. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "proc/mem.h"
#include "proc/ptrace_why.h"

int ns_op_fail(struct ns_op_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ns_err_vset(&res->err, fmt, ap);
	va_end(ap);
	return -1;
}

void ns_op_result_free(struct ns_op_result *res)
{
	free(res->replaced);
	res->replaced = NULL;
	res->nreplaced = 0;
	free(res->completed);
	res->completed = NULL;
	res->ncompleted = 0;
}

int ns_op_mem_open(pid_t pid, struct ns_op_result *res)
{
	int fd = ns_mem_open(pid);

	if (fd < 0 && (errno == EACCES || errno == EPERM))
		res->why = NS_WHY_NOT_PERMITTED;
	else if (fd < 0 && errno == ENOENT)
		res->why = NS_WHY_GONE;
	if (fd < 0) {
		int e = errno;
		char why[256];

		ns_ptrace_why(pid, e, why, sizeof(why));
		ns_op_fail(res, "cannot open the memory of process %d: %s%s",
			   (int)pid, strerror(e), why);
		errno = e;
	}
	return fd;
}
