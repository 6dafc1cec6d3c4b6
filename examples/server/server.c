/* server.c — the demo server: a small multithreaded TCP line server.
 *
 *   server PORT PORTFILE
 *
 * Listens on 127.0.0.1:PORT (0 = an ephemeral port) and writes the port it
 * got to PORTFILE, so scripts can find it. Four worker threads wait in
 * accept() on the shared listening socket; each connection they accept is
 * served by a thread of its own, for as long as the client keeps it open.
 *
 * Linked with libnonstop, every loop of the server passes an update point
 * (nonstop_update_point()) between two requests, and waits at most
 * IDLE_MS for work, so that even an idle thread reaches its next update
 * point soon: `nonstop apply` then switches each thread to the new code by
 * itself, without stopping any (docs/per-thread.md).
 *
 * Protocol: one request per line, one reply line per request, answered
 * by requests.c (handle_request):
 *   WC <text>   the number of words in text (see wordcount.c)
 *   STATS       served=<n>: requests served since the server started
 *
 * The counter behind STATS is the live state a patch must keep: an update
 * that restarted the server, or re-initialised the variable, would reset it.
 * Each connection is a struct conn (server.h) for as long as it is open.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "nonstop.h"
#include "server.h"

#define WORKERS  4
#define IDLE_MS  100
#define LINE_MAX_LEN 4096

static int listen_fd;

/* Sends all of buf; 0 on success, -1 if the peer went away. */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Serves one connection until the client closes it. */
static void *connection_thread(void *arg)
{
	struct conn *c = arg;
	int fd = c->fd;
	char buf[LINE_MAX_LEN], reply[128];
	size_t have = 0;
	int discarding = 0;

	struct timeval idle = { .tv_sec = 0, .tv_usec = IDLE_MS * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
	for (;;) {
		ssize_t n;
		char *start, *nl;

		nonstop_update_point();
		n = recv(fd, buf + have, sizeof(buf) - have, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		start = buf;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			*nl = '\0';
			if (nl > start && nl[-1] == '\r')
				nl[-1] = '\0';
			if (discarding) {
				discarding = 0;
				snprintf(reply, sizeof(reply), "ERR line too long");
			} else {
				handle_request(c, start, reply, sizeof(reply));
			}
			strcat(reply, "\n");
			if (send_all(fd, reply, strlen(reply)) < 0)
				goto out;
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof(buf)) {	/* a line longer than the buffer */
			discarding = 1;
			have = 0;
		}
	}
out:
	conn_close(c);
	return NULL;
}

/* A worker: waits for a connection and hands it to a thread of its own. */
static void *worker_thread(void *arg)
{
	pthread_attr_t attr;

	(void)arg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct pollfd p = { .fd = listen_fd, .events = POLLIN };
		pthread_t t;
		struct conn *c;
		int fd;

		nonstop_update_point();
		if (poll(&p, 1, IDLE_MS) <= 0)
			continue;
		/* The listening socket does not block: when another worker
		 * took the connection first, accept fails with EAGAIN. (The
		 * connection's own socket blocks, as Linux does not pass
		 * O_NONBLOCK on.) */
		fd = accept(listen_fd, NULL, NULL);
		if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			perror("server: accept");
			exit(1);
		}
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if (pthread_create(&t, &attr, connection_thread, c)) {
			fprintf(stderr, "server: cannot start a connection thread\n");
			conn_close(c);
		}
	}
	return NULL;
}

/* Writes the port to path atomically (readers never see half a number). */
static int write_port_file(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof(addr);
	pthread_t workers[WORKERS];
	sigset_t stop;
	int one = 1, sig;
	char *end;
	long port;

	if (argc != 3) {
		fprintf(stderr, "usage: server PORT PORTFILE  (PORT 0: any free port)\n");
		return 2;
	}
	port = strtol(argv[1], &end, 10);
	if (*end || port < 0 || port > 65535) {
		fprintf(stderr, "server: bad port '%s'\n", argv[1]);
		return 2;
	}
	/* Under Yama ptrace_scope=1 only an ancestor may attach to us; allow
	 * any process of ours, so that a non-root `nonstop apply` works. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);

	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0) {
		perror("server: socket");
		return 1;
	}
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)port);
	fcntl(listen_fd, F_SETFL, O_NONBLOCK);
	if (bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listen_fd, 128) < 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&addr, &alen) < 0) {
		perror("server: bind/listen");
		return 1;
	}

	/* SIGINT/SIGTERM are taken by main's sigwait(), never by a worker. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (int i = 0; i < WORKERS; i++)
		if (pthread_create(&workers[i], NULL, worker_thread, NULL)) {
			fprintf(stderr, "server: cannot start worker threads\n");
			return 1;
		}
	if (write_port_file(argv[2], ntohs(addr.sin_port)) < 0) {
		perror("server: port file");
		return 1;
	}
	printf("server: pid %d listening on 127.0.0.1:%u\n", (int)getpid(),
	       ntohs(addr.sin_port));
	fflush(stdout);

	for (;;) {
		struct timespec idle = { 0, IDLE_MS * 1000000L };

		nonstop_update_point();
		sig = sigtimedwait(&stop, NULL, &idle);
		if (sig > 0)
			break;
	}
	printf("server: signal %d, served %lu requests, exiting\n", sig,
	       requests_served());
	return 0;
}
