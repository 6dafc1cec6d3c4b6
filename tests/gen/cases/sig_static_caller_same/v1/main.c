#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static long total;
static NOINLINE int add(int x) { total += x; return (int)total; }
NOINLINE void feed(int x) { add(x); }
int main(int argc, char **argv) { (void)argv; feed(argc); feed(2); printf("%ld\n", total); return 0; }
