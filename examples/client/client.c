/* client.c — talks to the demo server (examples/server) over loopback.
 *
 *   client query PORT LINE
 *       sends LINE, prints the reply line; exit 1 on error or after 2 s.
 *   client load PORT SECONDS CONNS [RESULTFILE]
 *       CONNS threads, each with one persistent connection, send
 *       "WC hello  world" in a closed loop (next request when the reply has
 *       come) for SECONDS. Prints, and writes to RESULTFILE,
 *           requests=N failed=M old=A new=B
 *       where old counts the buggy answer "3", new the fixed answer "2", and
 *       failed counts anything else: another reply, a connect error, a reply
 *       that took more than 1 s, a connection the server closed. After a
 *       failure the thread reconnects. SIGINT or SIGTERM ends the load
 *       early (the result is still printed). Exit 0 if failed=0, else 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQUEST "WC hello  world\n"
#define MAX_CONNS 1024

static unsigned short port;
static double deadline;		/* CLOCK_MONOTONIC seconds */
static atomic_ulong requests, failed, old_answers, new_answers;
static volatile sig_atomic_t stopping;	/* SIGINT/SIGTERM: end the load now */

static void stop_load(int sig)
{
	(void)sig;
	stopping = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connects to 127.0.0.1:port with a receive/send timeout of ms. */
static int connect_server(int ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one reply line (without newline) into buf; -1 on timeout/close. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t have = 0;

	while (have + 1 < len) {
		ssize_t n = recv(fd, buf + have, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (buf[have] == '\n') {
			buf[have] = '\0';
			if (have && buf[have - 1] == '\r')
				buf[have - 1] = '\0';
			return 0;
		}
		have++;
	}
	return -1;		/* line too long */
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *load_thread(void *arg)
{
	char reply[256];
	int fd = -1;

	(void)arg;
	while (!stopping && now() < deadline) {
		if (fd < 0 && (fd = connect_server(1000)) < 0) {
			atomic_fetch_add(&failed, 1);
			usleep(10000);
			continue;
		}
		if (send_all(fd, REQUEST, strlen(REQUEST)) < 0 ||
		    read_line(fd, reply, sizeof(reply)) < 0) {
			atomic_fetch_add(&failed, 1);
			close(fd);
			fd = -1;
			continue;
		}
		atomic_fetch_add(&requests, 1);
		if (strcmp(reply, "3") == 0)
			atomic_fetch_add(&old_answers, 1);
		else if (strcmp(reply, "2") == 0)
			atomic_fetch_add(&new_answers, 1);
		else
			atomic_fetch_add(&failed, 1);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v <= 0 || v > 65535) {
		fprintf(stderr, "client: bad port '%s'\n", s);
		exit(2);
	}
	return (int)v;
}

static int query(const char *line)
{
	char reply[4096];
	int fd = connect_server(2000);

	if (fd < 0) {
		perror("client: connect");
		return 1;
	}
	if (send_all(fd, line, strlen(line)) < 0 || send_all(fd, "\n", 1) < 0 ||
	    read_line(fd, reply, sizeof(reply)) < 0) {
		fprintf(stderr, "client: no reply within 2 s\n");
		close(fd);
		return 1;
	}
	close(fd);
	printf("%s\n", reply);
	return 0;
}

static int load(double seconds, int conns, const char *resultfile)
{
	pthread_t t[MAX_CONNS];
	char result[256];

	struct sigaction sa = { .sa_handler = stop_load };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	deadline = now() + seconds;
	for (int i = 0; i < conns; i++)
		if (pthread_create(&t[i], NULL, load_thread, NULL)) {
			fprintf(stderr, "client: cannot start thread %d\n", i);
			return 1;
		}
	for (int i = 0; i < conns; i++)
		pthread_join(t[i], NULL);
	snprintf(result, sizeof(result), "requests=%lu failed=%lu old=%lu new=%lu\n",
		 atomic_load(&requests), atomic_load(&failed),
		 atomic_load(&old_answers), atomic_load(&new_answers));
	fputs(result, stdout);
	if (resultfile) {
		FILE *f = fopen(resultfile, "w");

		if (!f || fputs(result, f) < 0 || fclose(f) != 0) {
			perror(resultfile);
			return 1;
		}
	}
	return atomic_load(&failed) ? 1 : 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && strcmp(argv[1], "query") == 0) {
		port = (unsigned short)parse_port(argv[2]);
		return query(argv[3]);
	}
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "load") == 0) {
		char *end;
		double secs = strtod(argv[3], &end);
		long conns;

		if (*end || !(secs > 0 && secs <= 3600)) {
			fprintf(stderr, "client: bad SECONDS '%s'\n", argv[3]);
			return 2;
		}
		conns = strtol(argv[4], &end, 10);
		if (*end || conns < 1 || conns > MAX_CONNS) {
			fprintf(stderr, "client: CONNS must be 1..%d\n", MAX_CONNS);
			return 2;
		}
		port = (unsigned short)parse_port(argv[2]);
		return load(secs, (int)conns, argc == 6 ? argv[5] : NULL);
	}
	fprintf(stderr, "usage: client query PORT LINE\n"
		"       client load PORT SECONDS CONNS [RESULTFILE]\n");
	return 2;
}
