/* v2: answer() is 2; hold() still sleeps forever, differently. */
#include <unistd.h>

int answer(void)
{
	return 2;
}

void hold(void)
{
	for (;;)
		sleep(1000);
}
