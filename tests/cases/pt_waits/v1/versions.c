/* The functions t_pt_waits patches: v2 changes both, so a thread that
 * mixed versions between two of its waits would see a pair that does not
 * match. */
int ver_a(int x) { return x + 1; }
int ver_b(int x) { return x + 10; }
