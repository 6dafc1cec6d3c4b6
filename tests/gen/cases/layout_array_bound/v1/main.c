#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct buf { char name[8]; int len; };
static struct buf b;
NOINLINE int setname(int c) { b.name[b.len & 7] = (char)(c + 64); return ++b.len + b.name[0]; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", setname(argc)); return 0; }
