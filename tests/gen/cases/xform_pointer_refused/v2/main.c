#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
#include "nonstop.h"
struct entry { int id; int hits; };
struct entry table[4] = { { 1, 0 }, { 2, 0 } };
struct entry *cur = &table[0];
NOINLINE int id(void) { return cur->id + table[0].id + table[0].hits; }
void xf_table(const void *old, void *new) { (void)old; (void)new; }
NONSTOP_TRANSFORM(table, xf_table);
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%d\n", id()); return 0; }
