#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE const char *bye(int x) { return x > 100 ? "see you" : "bye"; }
NOINLINE const char *greet(int x) { return x > 100 ? "hello there" : "HELLO"; }
int main(int argc, char **argv) { (void)argv; printf("%s %s\n", greet(argc), bye(argc)); return 0; }
