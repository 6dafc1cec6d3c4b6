#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static int scratch;
static int table_b[4] = { 5, 6, 7, 8 };
static int table_a[4] = { 1, 2, 3, 4 };
NOINLINE int fa(int i) { scratch += i; return table_a[i & 3] + table_a[2]; }
NOINLINE int fb(int i) { return table_b[i & 3] + table_b[3] + scratch; }
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", fa(argc), fb(argc)); return 0; }
