#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
#include "nonstop.h"
struct s { int a; };
struct s fresh = { 2 };
NOINLINE int get(void) { return fresh.a; }
void xf_fresh(const void *old, void *new) { (void)old; (void)new; }
NONSTOP_TRANSFORM(fresh, xf_fresh);
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%d\n", get()); return 0; }
