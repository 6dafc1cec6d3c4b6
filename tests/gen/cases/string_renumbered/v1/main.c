#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE const char *alpha(int x) { return x > 100 ? "alpha-big" : "alpha"; }
NOINLINE const char *beta(int x) { return x > 100 ? "beta-big" : "beta"; }
int main(int argc, char **argv) { (void)argv; printf("%s %s\n", alpha(argc), beta(argc)); return 0; }
