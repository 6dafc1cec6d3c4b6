#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct acc { int count; int total; };
struct acc acc;
NOINLINE int add(int v) { acc.count++; acc.total += v; return acc.total / acc.count; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", add(argc)); return 0; }
