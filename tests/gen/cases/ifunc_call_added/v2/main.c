#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
#include <string.h>
NOINLINE int compute(const char *s)
{
	char tmp[32];
	size_t n = strlen(s);
	if (n > 31) n = 31;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return tmp[0] + (int)n;
}
int main(int argc, char **argv)
{
	char buf[64];
	size_t n = strlen(argv[0]);
	if (n >= sizeof buf) n = sizeof buf - 1;
	memcpy(buf, argv[0], n);
	buf[n] = 0;
	printf("%d %d %s\n", argc, compute(argv[0]), buf);
	return 0;
}
