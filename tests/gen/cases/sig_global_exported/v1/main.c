#include <stdio.h>
#include <string.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
int scan(const char *s, int n);
NOINLINE int count(const char *s) { return scan(s, 64); }
int main(void) { printf("%d\n", count("banana bread")); return 0; }
