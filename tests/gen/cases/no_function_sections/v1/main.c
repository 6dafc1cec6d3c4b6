#include <stdio.h>
int compute(int x);
int other(int x);
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", compute(argc), other(argc)); return 0; }
