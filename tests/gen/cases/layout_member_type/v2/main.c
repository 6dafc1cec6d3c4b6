#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct acc { long count; int total; };
struct acc acc;
NOINLINE int add(int v) { acc.count++; acc.total += v; return acc.total / (int)acc.count; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", add(argc)); return 0; }
