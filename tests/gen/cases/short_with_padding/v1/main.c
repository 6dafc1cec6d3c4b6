#include <stdio.h>
int inc(int x);
int other(int x, int y);
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", inc(argc), other(argc, argc)); return 0; }
