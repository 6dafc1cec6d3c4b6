#include <stdio.h>
void tick(void);
void tock(void);
extern int counter;
int main(void) { tick(); tock(); printf("%d\n", counter); return 0; }
