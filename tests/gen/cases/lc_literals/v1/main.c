#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE double area(double r) { return r * r * 3.14159; }
NOINLINE double grow(double r) { return r * 1.25 + 0.5; }
int main(int argc, char **argv) { (void)argv; printf("%f %f\n", area(argc), grow(argc)); return 0; }
