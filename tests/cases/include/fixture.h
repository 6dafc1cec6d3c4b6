/* tests/cases/include/fixture.h — the request loop every target of the
 * tests (tests/cases/CASE/v1/main.c) shares; tests/lib.sh (case_cflags)
 * puts this folder on the include path.
 *
 * A target reads one command a line on stdin and answers each with
 * exactly one line on stdout (line-buffered); it prints "ready" once it
 * has started. "ping" answers "pong", a line no command matches
 * "unknown command: LINE". A case writes only its own commands, as a
 * function that answers LINE and returns nonzero, or returns 0 for a line
 * that is none of its commands:
 *
 *   static int command(const char *line)
 *   {
 *           const char *arg;
 *
 *           if ((arg = FIXTURE_ARG(line, "call ")))
 *                   return printf("%d\n", compute(atoi(arg)));
 *           return 0;
 *   }
 *
 *   int main(void)
 *   {
 *           fixture_init();
 *           printf("ready\n");
 *           return fixture_loop(command);
 *   }
 *
 * Only main.c includes it, the same in v1 and v2: its code is identical
 * in both builds and never part of a patch. It calls nothing a case's
 * main.c did not call before (t_new_libc_calls needs a program that
 * imports neither snprintf nor strlen). */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

/* The longest command line, newline included (a longer one is read as
 * several, as fgets does). */
#define FIXTURE_LINE_MAX 256

/* A case's commands: answers LINE (its newline taken off) with one line
 * and returns nonzero; 0 if LINE is none of its commands. */
typedef int fixture_command(const char *line);

/* FIXTURE_ARG(LINE, "cmd "): what follows the string literal "cmd " if
 * LINE starts with it, else NULL. */
#define FIXTURE_ARG(line, cmd) \
	(strncmp((line), cmd, sizeof(cmd) - 1) ? NULL : (line) + sizeof(cmd) - 1)

/* fixture_init: at the start of main(), before any thread. */
static inline void fixture_init(void)
{
	/* Under Yama ptrace_scope=1, let nonstop (not our parent) attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* fixture_answer: answers one command LINE: ping, one of COMMAND's, or
 * unknown. */
static inline void fixture_answer(const char *line, fixture_command *command)
{
	if (!strcmp(line, "ping"))
		printf("pong\n");
	else if (!command(line))
		printf("unknown command: %s\n", line);
}

/* fixture_read: the next line of stdin into LINE (FIXTURE_LINE_MAX
 * bytes), its newline taken off; 0 at the end of the input. */
static inline int fixture_read(char *line)
{
	if (!fgets(line, FIXTURE_LINE_MAX, stdin))
		return 0;
	line[strcspn(line, "\n")] = '\0';
	return 1;
}

/* fixture_loop: answers every line of stdin, waiting for each in fgets;
 * returns 0 at the end of the input (main returns it). */
static inline int fixture_loop(fixture_command *command)
{
	char line[FIXTURE_LINE_MAX];

	while (fixture_read(line))
		fixture_answer(line, command);
	return 0;
}

/* fixture_poll_loop: the same for a thread that passes update points:
 * before each wait for input (poll, 10 ms at most) it calls UPDATE_POINT
 * (nonstop_update_point, or NULL: a weak reference without libnonstop).
 * Returns 0 at the end of the input. */
static inline int fixture_poll_loop(fixture_command *command,
				    void (*update_point)(void))
{
	char line[FIXTURE_LINE_MAX];

	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };

		if (update_point)
			update_point();
		if (poll(&p, 1, 10) <= 0)
			continue;
		if (!fixture_read(line))
			return 0;
		fixture_answer(line, command);
	}
}

#endif
