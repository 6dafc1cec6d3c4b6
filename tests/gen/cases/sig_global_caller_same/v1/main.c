#include <stdio.h>
#include <string.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
extern long total;
int add(int x);
NOINLINE void feed(int x) { add(x); }
int main(int argc, char **argv) { (void)argv; feed(argc); feed(2); printf("%ld\n", total); return 0; }
