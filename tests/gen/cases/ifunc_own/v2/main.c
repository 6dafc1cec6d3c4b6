#include <stdio.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
/* An ifunc of the program itself: its symbol is the resolver. */
static int fast_impl(int x) { return x + 1000; }
static int (*resolve_fast(void))(int) { return fast_impl; }
int fast(int x) __attribute__((ifunc("resolve_fast")));
NOINLINE int calc(int x) { return fast(x) * 3; }
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", calc(argc + 4), fast(1)); return 0; }
