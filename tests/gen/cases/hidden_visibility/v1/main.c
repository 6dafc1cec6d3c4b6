/* A library built with -fvisibility=hidden into the program (cflags):
 * its functions are global in their objects and local in the linked
 * program. v2 changes one of them (scale), called from another object,
 * and one that calls it (report). */
#include <stdio.h>
int scale(int x);
int report(int x);
__attribute__((visibility("default"))) int main(int argc, char **argv)
{
	(void)argv;
	printf("%d %d\n", scale(argc), report(argc));
	return 0;
}
