#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
struct pt { int x; int y; };
NOINLINE int move(int d) { static struct pt cur = { 1, 2 }; cur.x += d; return cur.x * 10 + cur.y; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", move(argc)); return 0; }
