#include <stdio.h>
int compute(int x);
int main(int argc, char **argv) { (void)argv; printf("%d\n", compute(argc)); return 0; }
