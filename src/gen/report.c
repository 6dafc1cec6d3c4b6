/* report.c — what the generator tells its caller, and how: the one error
 * that ends a run (gen_fail, into the caller's error value: util/err.h), warnings (gen_warn,
 * kept in the result for the caller to print: the library writes nothing
 * to stderr), and the trace of decisions -v asks for (gen_note). */
#include <stdarg.h>
#include <stdio.h>

#include "gen/gen.h"

int gen_fail(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ns_err_vset(g->err, fmt, ap);
	va_end(ap);
	return -1;
}

void gen_warn(struct gen *g, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Out of memory loses the warning, never the build. */
	sb_printf(&g->warnings, "%s\n", line);
}

/* The trace is the output `build -v` asks for, written as the decisions
 * are taken (a long build shows its progress): stdout is where the caller
 * asked for it, through ns_gen_opts.verbose. */
void gen_note(const struct gen *g, int level, const char *fmt, ...)
{
	va_list ap;

	if (g->opts->verbose < level)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
