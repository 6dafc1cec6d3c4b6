#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int lookup1(int x)
{
	switch (x) { case 0: return 11; case 1: return 23; case 2: return 37; case 3: return 41;
	case 4: return 53; case 5: return 67; case 6: return 71; default: return -1; }
}
NOINLINE int lookup2(int x)
{
	switch (x) { case 0: return 101; case 1: return 203; case 2: return 307; case 3: return 401;
	case 4: return 503; case 5: return 607; case 6: return 701; default: return -1; }
}
NOINLINE int drive(int x) { return lookup1(x) + lookup2(x); }
int main(int argc, char **argv) { (void)argv; printf("%d\n", drive(argc)); return 0; }
