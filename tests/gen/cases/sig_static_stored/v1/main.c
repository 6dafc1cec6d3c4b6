#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static NOINLINE int twice(int x) { return 2 * x; }
int (*ops[])(int) = { twice };
NOINLINE int run(int x) { return ops[0](x) + twice(x); }
int main(int argc, char **argv) { (void)argv; printf("%d\n", run(argc)); return 0; }
