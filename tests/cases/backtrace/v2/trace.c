/* v2: traced() takes a backtrace from new code, in dump(), a new function:
 * dump -> traced -> handle -> main. It writes the frames to stderr, then a
 * line "--", and returns how many there were. */
#include <execinfo.h>
#include <unistd.h>

int traced_calls;

__attribute__((noinline)) int dump(void)
{
	void *b[64];
	int n = backtrace(b, 64);

	backtrace_symbols_fd(b, n, 2);
	if (write(2, "--\n", 3) != 3)
		return -1;
	return n;
}

__attribute__((noinline)) int traced(void)
{
	if (traced_calls < 0)
		return -1;
	traced_calls++;
	return dump();
}
