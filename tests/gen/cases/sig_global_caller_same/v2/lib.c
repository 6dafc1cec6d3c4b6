#include <stdio.h>
#include <string.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
long total;
NOINLINE long add(int x) { total += 10L * x; return total; }
