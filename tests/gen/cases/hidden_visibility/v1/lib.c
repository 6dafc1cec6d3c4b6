#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int scale(int x) { return x * 10; }
NOINLINE int report(int x) { return scale(x) + 1; }
