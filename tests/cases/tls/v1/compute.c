/* v1: thread-local state of the executable. tcalls is referenced from
 * another file (initial-exec TLS, through a GOT slot); tsum is defined
 * here (local-exec TLS, a direct offset from the thread pointer). */
__thread int tcalls;
__thread int tsum = 100;

int compute(int x)
{
	tcalls++;
	tsum += x;
	return x + 1;
}
