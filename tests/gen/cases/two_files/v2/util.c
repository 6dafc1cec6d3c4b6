#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int util_a(int x) { return x + 100; }
NOINLINE int util_b(int x) { return x * 101 + (x >> 4); }
