/* parent.c — the parent of a target, as a supervisor would be:
 *
 *   parent LOG PROG [ARGS...]
 *
 * forks, runs PROG in the child (stdin/stdout/stderr inherited) and then
 * waits for it with waitpid(child, WUNTRACED | WCONTINUED) in a loop,
 * appending one line to LOG for everything it sees:
 *   child PID         first, once the child is forked
 *   stopped SIG       the child stopped (WIFSTOPPED)
 *   continued         the child continued (WIFCONTINUED)
 *   exited CODE       the child exited (and the parent ends)
 *   killed SIG        the child was killed by a signal (and the parent ends)
 *   SIGCHLD           a SIGCHLD arrived (the handler logs it)
 *   waitpid-error E   waitpid failed with errno E (other than EINTR)
 *   other STATUS      anything else
 * A live update of the child must add nothing to LOG. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int logfd = -1;

static void logline(const char *s)
{
	/* One write() per line, O_APPEND: safe from a signal handler too. */
	ssize_t r = write(logfd, s, strlen(s));
	(void)r;
}

static void on_sigchld(int sig)
{
	(void)sig;
	logline("SIGCHLD\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char buf[128];
	pid_t child;

	if (argc < 3) {
		fprintf(stderr, "usage: parent LOG PROG [ARGS...]\n");
		return 2;
	}
	logfd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		perror(argv[1]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (child == 0) {
		execv(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	snprintf(buf, sizeof(buf), "child %d\n", (int)child);
	logline(buf);
	for (;;) {
		int st;
		pid_t w = waitpid(child, &st, WUNTRACED | WCONTINUED);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(buf, sizeof(buf), "waitpid-error %d\n", errno);
			logline(buf);
			return 1;
		}
		if (WIFSTOPPED(st))
			snprintf(buf, sizeof(buf), "stopped %d\n", WSTOPSIG(st));
		else if (WIFCONTINUED(st))
			snprintf(buf, sizeof(buf), "continued\n");
		else if (WIFEXITED(st))
			snprintf(buf, sizeof(buf), "exited %d\n", WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			snprintf(buf, sizeof(buf), "killed %d\n", WTERMSIG(st));
		else
			snprintf(buf, sizeof(buf), "other %#x\n", st);
		logline(buf);
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return 0;
	}
}
