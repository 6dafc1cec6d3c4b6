#include <stdio.h>
#include <string.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int scan(const char *s, int n)
{
	int k = 0;

	for (int i = 0; i < n && s[i]; i++)
		k += s[i] == 'a';
	return k;
}
