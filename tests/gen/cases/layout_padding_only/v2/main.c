#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct item { char a; char x; int c; };
struct item items[4];
NOINLINE int put(int i, int v) { items[i & 3].x = 1; items[i & 3].c = v; return items[i & 3].c + items[i & 3].x; }
int main(int argc, char **argv) { (void)argv; printf("%d %zu\n", put(argc, argc), sizeof(struct item)); return 0; }
