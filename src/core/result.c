/* result.c — what apply and revert report: the failure message. */
#include <stdarg.h>
#include <stdio.h>

#include "core/core.h"

int ns_op_fail(struct ns_op_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
	return -1;
}
