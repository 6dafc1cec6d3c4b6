#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif


/* two blank lines and this comment shift everything below */
#define LOG(fmt, ...) fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__)
NOINLINE int work(int x)
{
	LOG("work %d", x);
	return x + 3;
}
NOINLINE int more(int x)
{
	if (x > 2)
		LOG("more %d", x);
	return x - 3;
}
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", work(argc), more(argc)); return 0; }
