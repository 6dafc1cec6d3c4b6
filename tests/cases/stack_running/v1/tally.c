/* v1: tally() counts in hits_a. v2 counts in hits_b: the code differs
 * only in the relocated field of an instruction with an immediate after
 * it (addl $1, hits_b(%rip)). */
static int hits_a, hits_b;
int *const hit_counters[] = { &hits_a, &hits_b };  /* both kept */

int tally(int w)
{
	hits_a += 1;
	return w;
}

int hits(int w)
{
	return w ? hits_b : hits_a;
}
