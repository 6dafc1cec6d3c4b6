/* tracer PID: seizes process PID with ptrace (stopping nothing) and holds
 * it until killed: a debugger attached, which no other tracer may join.
 * Prints "traced" once it holds it. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2 || ptrace(PTRACE_SEIZE, atoi(argv[1]), 0, 0) < 0) {
		perror("tracer");
		return 1;
	}
	printf("traced\n");
	fflush(stdout);
	for (;;)
		pause();
}
