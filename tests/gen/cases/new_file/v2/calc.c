#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
int extra_scale(int x);
NOINLINE int compute(int x) { return extra_scale(x) * 3; }
