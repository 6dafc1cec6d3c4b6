#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
NOINLINE int compute(int x) { return x * 10 + (x >> 3); }
