/* result.c — what apply and revert report: the failure message, and what
 * the result holds. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/core.h"

int ns_op_fail(struct ns_op_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
	return -1;
}

void ns_op_result_free(struct ns_op_result *res)
{
	free(res->replaced);
	res->replaced = NULL;
	res->nreplaced = 0;
}
