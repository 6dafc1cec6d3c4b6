#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
typedef int (*op_fn)(int);
static NOINLINE int twice(int x) { return 2 * x; }
NOINLINE op_fn get(void) { return twice; }
int main(int argc, char **argv) { (void)argv; printf("%d\n", get()(argc)); return 0; }
