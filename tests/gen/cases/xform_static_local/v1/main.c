#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct ctr { int n; };
NOINLINE int next(void) { static struct ctr st = { 40 }; return ++st.n; }
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%d\n", next()); return 0; }
