#include <stdio.h>
#include <string.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
long total;
NOINLINE int add(int x) { total += x; return (int)total; }
