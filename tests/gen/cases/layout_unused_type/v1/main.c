#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct rec { int a; int b; };
struct other { int n; };
struct other seen;
NOINLINE int sum(const struct rec *r) { return r->a + r->b; }
int main(int argc, char **argv) { struct rec r = { argc, 2 }; (void)argv; seen.n++; printf("%d %d\n", sum(&r), seen.n); return 0; }
