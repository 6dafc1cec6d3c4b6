#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static NOINLINE int match(const char *s, const char *pat, int len)
{
	return strncmp(s, pat, (size_t)len) == 0;
}
NOINLINE int check(const char *s) { return match(s, "GET", 3); }
int main(int argc, char **argv) { (void)argc; printf("%d %d\n", check(argv[0]), check("get /")); return 0; }
