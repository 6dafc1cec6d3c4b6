/* tests/real/lib/rwload.c — the bounded loopback load of the real-world
 * harness (tests/real/realworld.sh), for any server that answers framed
 * requests on TCP: a frame is a 2-byte big-endian length and that many
 * bytes (DNS over TCP, RFC 1035 4.2.2; tests/real/libxml2/xmlserve.c
 * speaks the same). Plain sockets and pthreads, nothing else.
 *
 *   rwload run [-c CONNS] [-d SECONDS] [-p PAUSE_US] [-t MS] PORT FILE...
 *   rwload ask [-t MS] PORT FILE
 *   rwload dnsq NAME [TYPE]
 *
 * run: first sends every FILE (one request each, its bytes as they are)
 * once on one connection and keeps each answer as the reference. Then
 * CONNS connections (default 4), one thread each, kept open for the whole
 * run, send one request at a time, each a FILE chosen at random, and
 * check that the answer is byte for byte the reference, until SIGTERM or
 * SIGINT or SECONDS (default 600) have passed; PAUSE_US (default 1000)
 * between two requests of a connection keeps the load bounded. A failed
 * request is a different answer, a connection closed or reset, or no
 * complete answer within MS milliseconds (default 5000); the connection is
 * then opened again. The first 20 failures are described on stderr. It
 * prints one line on stdout:
 *   requests=N failed=N reconnects=N max_ms=N.N seconds=N.N
 * and exits 0 when no request failed, 1 otherwise, 2 on a usage error or
 * when the reference pass failed.
 *
 * ask: one request on a new connection; writes the answer's bytes to
 * stdout; exits 1 if none came within MS milliseconds.
 *
 * dnsq: writes a DNS query for NAME (TYPE: A, AAAA, TXT, MX, NS, SOA;
 * default A; recursion desired, id 0x4242) to stdout, for FILEs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME 65535
#define MAX_REPORTED 20

struct req {
	const char *name;
	unsigned char *data, *ref;
	size_t len, ref_len;
};

static struct req *reqs;
static int nreqs;
static int port, timeout_ms = 5000, pause_us = 1000;
static double duration = 600;
static atomic_int stop;
static atomic_long n_requests, n_failed, n_reconnects, n_reported;
static atomic_long max_us;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *fmt, ...)
{
	if (atomic_fetch_add(&n_reported, 1) >= MAX_REPORTED)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "rwload: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static int connect_to(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* io_all: writes (wr) or reads len bytes before the deadline; 0 or -1
 * with errno (ETIMEDOUT, ECONNRESET for an end of stream). */
static int io_all(int fd, void *buf, size_t len, int wr, double deadline)
{
	unsigned char *p = buf;
	while (len > 0) {
		int left = (int)((deadline - now()) * 1000);
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd pfd = { .fd = fd, .events = wr ? POLLOUT : POLLIN };
		int r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		ssize_t n = wr ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* exchange: sends one frame and reads the answer's into out (MAX_FRAME
 * bytes); its length, or -1 with errno. */
static long exchange(int fd, const struct req *r, unsigned char *out)
{
	double deadline = now() + timeout_ms / 1000.0;
	unsigned char hdr[2] = { (unsigned char)(r->len >> 8), (unsigned char)r->len };
	if (io_all(fd, hdr, 2, 1, deadline) < 0 || io_all(fd, r->data, r->len, 1, deadline) < 0)
		return -1;
	if (io_all(fd, hdr, 2, 0, deadline) < 0)
		return -1;
	size_t n = (size_t)hdr[0] << 8 | hdr[1];
	if (io_all(fd, out, n, 0, deadline) < 0)
		return -1;
	return (long)n;
}

static int load_file(struct req *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "rwload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	r->name = path;
	r->data = malloc(MAX_FRAME + 1);
	r->len = fread(r->data, 1, MAX_FRAME + 1, f);
	fclose(f);
	if (r->len == 0 || r->len > MAX_FRAME) {
		fprintf(stderr, "rwload: %s: empty or longer than %d bytes\n", path, MAX_FRAME);
		return -1;
	}
	return 0;
}

static void *conn_main(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 7919u + (unsigned)time(NULL);
	unsigned char *out = malloc(MAX_FRAME);
	int fd = -1;
	double end = now() + duration;
	while (!atomic_load(&stop) && now() < end) {
		if (fd < 0) {
			fd = connect_to();
			if (fd < 0) {
				atomic_fetch_add(&n_failed, 1);
				report("connect: %s", strerror(errno));
				usleep(100000);
				continue;
			}
		}
		const struct req *r = &reqs[rand_r(&seed) % (unsigned)nreqs];
		double t0 = now();
		long n = exchange(fd, r, out);
		long us = (long)((now() - t0) * 1e6);
		long m = atomic_load(&max_us);
		while (us > m && !atomic_compare_exchange_weak(&max_us, &m, us))
			;
		atomic_fetch_add(&n_requests, 1);
		if (n < 0 || (size_t)n != r->ref_len || memcmp(out, r->ref, (size_t)n) != 0) {
			atomic_fetch_add(&n_failed, 1);
			if (n < 0)
				report("%s: %s after %.1f ms", r->name, strerror(errno), us / 1e3);
			else
				report("%s: answer of %ld bytes differs from the reference (%zu bytes)",
				       r->name, n, r->ref_len);
			close(fd);
			fd = -1;
			atomic_fetch_add(&n_reconnects, 1);
			continue;
		}
		if (pause_us > 0)
			usleep((useconds_t)pause_us);
	}
	if (fd >= 0)
		close(fd);
	free(out);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, 1);
}

static int usage(void)
{
	fprintf(stderr, "usage: rwload run [-c CONNS] [-d SECONDS] [-p PAUSE_US] [-t MS] PORT FILE...\n"
			"       rwload ask [-t MS] PORT FILE\n"
			"       rwload dnsq NAME [TYPE]\n");
	return 2;
}

static int dnsq(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	static const struct { const char *name; int code; } types[] = {
		{ "A", 1 }, { "NS", 2 }, { "SOA", 6 }, { "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 },
	};
	int type = -1;
	const char *tname = argc > 3 ? argv[3] : "A";
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, tname) == 0)
			type = types[i].code;
	if (type < 0)
		return usage();
	unsigned char q[300] = { 0x42, 0x42, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	size_t n = 12;
	const char *s = argv[2];
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || n + l + 6 > sizeof q)
			return usage();
		q[n++] = (unsigned char)l;
		memcpy(q + n, s, l);
		n += l;
		s += l + (dot ? 1 : 0);
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = (unsigned char)type;
	q[n++] = 0;
	q[n++] = 1; /* class IN */
	return fwrite(q, 1, n, stdout) == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (strcmp(cmd, "dnsq") == 0)
		return dnsq(argc, argv);
	int conns = 4, opt;
	optind = 2;
	while ((opt = getopt(argc, argv, "c:d:p:t:")) != -1) {
		switch (opt) {
		case 'c': conns = atoi(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'p': pause_us = atoi(optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		default: return usage();
		}
	}
	if (argc - optind < 2 || conns < 1 || conns > 256)
		return usage();
	port = atoi(argv[optind++]);
	nreqs = argc - optind;
	reqs = calloc((size_t)nreqs, sizeof *reqs);
	for (int i = 0; i < nreqs; i++)
		if (load_file(&reqs[i], argv[optind + i]) < 0)
			return 2;

	if (strcmp(cmd, "ask") == 0) {
		unsigned char *out = malloc(MAX_FRAME);
		int fd = connect_to();
		long n = fd < 0 ? -1 : exchange(fd, &reqs[0], out);
		if (n < 0) {
			fprintf(stderr, "rwload: ask %s: %s\n", reqs[0].name, strerror(errno));
			return 1;
		}
		fwrite(out, 1, (size_t)n, stdout);
		return 0;
	}
	if (strcmp(cmd, "run") != 0)
		return usage();

	/* The reference pass. */
	int fd = connect_to();
	if (fd < 0) {
		fprintf(stderr, "rwload: cannot connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
		return 2;
	}
	for (int i = 0; i < nreqs; i++) {
		reqs[i].ref = malloc(MAX_FRAME);
		long n = exchange(fd, &reqs[i], reqs[i].ref);
		if (n < 0) {
			fprintf(stderr, "rwload: reference %s: %s\n", reqs[i].name, strerror(errno));
			return 2;
		}
		reqs[i].ref_len = (size_t)n;
	}
	close(fd);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	double t0 = now();
	pthread_t *th = calloc((size_t)conns, sizeof *th);
	for (int i = 0; i < conns; i++)
		pthread_create(&th[i], NULL, conn_main, (void *)(uintptr_t)i);
	for (int i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	printf("requests=%ld failed=%ld reconnects=%ld max_ms=%.1f seconds=%.1f\n",
	       atomic_load(&n_requests), atomic_load(&n_failed), atomic_load(&n_reconnects),
	       atomic_load(&max_us) / 1e3, now() - t0);
	return atomic_load(&n_failed) == 0 ? 0 : 1;
}
