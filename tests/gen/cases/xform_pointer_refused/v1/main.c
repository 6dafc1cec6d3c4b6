#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct entry { int id; };
struct entry table[4] = { { 1 }, { 2 } };
struct entry *cur = &table[0];
NOINLINE int id(void) { return cur->id + table[0].id; }
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%d\n", id()); return 0; }
