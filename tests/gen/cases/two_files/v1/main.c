#include <stdio.h>
int util_a(int x);
int util_b(int x);
__attribute__((noinline)) int local(int x) { return x - 1; }
int main(int argc, char **argv) { (void)argv; printf("%d %d %d\n", util_a(argc), util_b(argc), local(argc)); return 0; }
