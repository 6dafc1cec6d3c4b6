/* v1: answer() is 1; hold() sleeps forever (a caller never returns). */
#include <unistd.h>

int answer(void)
{
	return 1;
}

void hold(void)
{
	for (;;)
		pause();
}
