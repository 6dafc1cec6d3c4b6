#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE const char *first(int x) { return x > 100 ? "one, but much longer now" : "first, and longer too"; }
NOINLINE const char *second(int x) { return x > 100 ? "two" : "second"; }
int main(int argc, char **argv) { (void)argv; printf("%s %s\n", first(argc), second(argc)); return 0; }
