#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct cfg { int a; int c; };
struct cfg conf = { 5, 9 };
NOINLINE int get(void) { return conf.a * 100 + conf.c; }
NOINLINE int first(void) { return conf.a; }
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%d %d\n", get(), first()); return 0; }
