#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
typedef struct { int id; int flags; int hits; } entry_t;
entry_t table[4];
NOINLINE int hit(int i) { table[i & 3].id = i; return ++table[i & 3].hits; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", hit(argc)); return 0; }
