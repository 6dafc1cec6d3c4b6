int counter;
void tick(void) { }
void tock(void) { counter++; }
