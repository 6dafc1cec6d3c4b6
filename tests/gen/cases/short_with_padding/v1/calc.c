int inc(int x) { return x + 1; }
int other(int x, int y) { return x * y + (x >> 3) - (y << 2); }
