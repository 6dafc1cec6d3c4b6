int inc(int x) { return x + 2; }
int other(int x, int y) { return x * y + (x >> 3) - (y << 2); }
