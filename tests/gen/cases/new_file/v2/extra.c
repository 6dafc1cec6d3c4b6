int extra_scale(int x) { return x * 7 + 2; }
