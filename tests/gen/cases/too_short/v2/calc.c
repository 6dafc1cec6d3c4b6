int counter;
void tick(void) { counter += 10; }
void tock(void) { counter++; }
