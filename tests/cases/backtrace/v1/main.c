/* Target of the backtrace() test. It calls backtrace() once at start, so
 * that glibc loads libgcc_s (the unwinder backtrace() uses). "trace"
 * prints traced() (0 in v1; the patch's traced() takes a backtrace from
 * new code, writes it to stderr with backtrace_symbols_fd and returns its
 * depth); "bt" takes a backtrace from the program's own code and prints
 * its depth. Unchanged in v2. Linked with -rdynamic, so that the frames of
 * the program are named in backtrace_symbols_fd's output. */
#include <execinfo.h>

#include "fixture.h"

int traced(void);

__attribute__((noinline)) int bt(void)
{
	void *b[64];

	return backtrace(b, 64);
}

__attribute__((noinline)) int handle(const char *line)
{
	if (!strcmp(line, "trace"))
		return printf("%d\n", traced());
	if (!strcmp(line, "bt"))
		return printf("%d\n", bt());
	return 0;
}

int main(void)
{
	fixture_init();
	if (bt() <= 0)
		return 1;
	printf("ready\n");
	return fixture_loop(handle);
}
