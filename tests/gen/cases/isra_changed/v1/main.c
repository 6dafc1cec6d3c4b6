#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct pt { int x, y, z, w; };
static __attribute__((noinline)) int sum(struct pt *p, int unused) { return p->x * 3 + p->y ; }
NOINLINE int drive(int a) { struct pt p = { a, a + 1, a + 2, a + 3 }; return sum(&p, a); }
int main(int argc, char **argv) { (void)argv; printf("%d\n", drive(argc)); return 0; }
