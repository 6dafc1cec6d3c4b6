#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct pt { int y; int x; };
NOINLINE int move(int d) { static struct pt cur = { 2, 1 }; cur.x += d; return cur.x * 10 + cur.y; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", move(argc)); return 0; }
