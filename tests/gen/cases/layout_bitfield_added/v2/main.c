#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct flags { unsigned a : 3; unsigned n : 1; unsigned b : 5; int c; };
struct flags state;
NOINLINE unsigned set(unsigned v) { state.a = v; state.b = v + 1; return state.a + state.b; }
int main(int argc, char **argv) { (void)argv; printf("%u %zu\n", set((unsigned)argc), sizeof(state)); return 0; }
