/* tests/real/memcached/mcload.c — a bounded loopback load for memcached's
 * text protocol, and a one-request client, for tests/t_real_memcached.sh.
 * Plain sockets and pthreads, nothing else.
 *
 *   mcload run [-c CONNS] [-k KEYS] [-d SECONDS] [-t MS] [-V ANSWER]... PORT
 *   mcload ask PORT COMMAND
 *
 * run: opens CONNS connections (default 4) to 127.0.0.1:PORT, one thread
 * each. Every connection owns the keys k with k % CONNS == its index
 * (KEYS keys in all, default 1000): it first stores each of them with a
 * known value, then, until SIGTERM/SIGINT or SECONDS (default 30) have
 * passed, sends one request at a time: 70% get of one of its keys (the
 * value must be the last one it stored), 25% set of one of its keys to a
 * new value of a new length, 5% `version` when -V gives the accepted
 * answers (each -V is one accepted line, e.g. -V "VERSION 1.6.18"; the
 * count of each is reported, any other answer is a failure). At the end,
 * it reads every key again on a new connection and checks its value.
 *
 * A failed request is any protocol error or unexpected answer, a wrong or
 * missing value, a connection closed or reset, or no complete answer
 * within MS milliseconds (default 2000). After a failure the connection is
 * closed and opened again; a set that failed leaves its key with either
 * value accepted until the next set succeeds. The first 20 failures are
 * described on stderr.
 *
 * It prints one line on stdout:
 *   requests=N failed=N gets=N sets=N versions=N answer0=N answer1=N ...
 *   keys_ok=N/KEYS max_ms=N.N seconds=N.N
 * (answerI: how many `version` requests got the I-th -V answer; max_ms:
 * the longest request) and exits 0 when no request failed and every key
 * was intact, 1 otherwise, 2 on a usage error or when no connection
 * could be opened at all.
 *
 * ask: sends COMMAND, prints the answer (its lines up to END for stats,
 * else its first line) without the \r, exits 0; 1 if none came within
 * MS milliseconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
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

#define BUFSZ 8192
#define MAX_VALUE 512
#define MAX_ANSWERS 8
#define MAX_REPORTED 20

static int port;
static unsigned nconns = 4, nkeys = 1000;
static double max_seconds = 30;
static int timeout_ms = 2000;
static const char *answers[MAX_ANSWERS];
static unsigned nanswers;

static atomic_int stop_flag;
static atomic_uint reported;
static int64_t end_ns;		/* when the timed phase ends (CLOCK_MONOTONIC ns) */

/* The state of one key, touched only by the connection that owns it
 * (and by main after every connection thread has ended). */
struct key {
	uint32_t gen;		/* the generation of the value last stored */
	uint32_t prev;		/* with uncertain: the one before it */
	int uncertain;		/* a set failed: gen or prev may be stored */
};
static struct key *keys;

struct conn {
	int idx;
	int fd;
	char buf[BUFSZ];
	size_t off, len;	/* unread bytes: buf[off..len) */
	uint64_t rng;
	char err[256];
	/* counts */
	uint64_t requests, failed, gets, sets, versions;
	uint64_t answer[MAX_ANSWERS];
	int64_t max_ns;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_stop(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, 1);
}

static uint64_t next_rand(struct conn *c)
{
	/* xorshift64 */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static void set_err(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_err(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* make_value K GEN OUT: the value of key K at generation GEN (its length,
 * 16 to 495 bytes, changes with GEN). */
static size_t make_value(unsigned k, uint32_t gen, char *out)
{
	int n = snprintf(out, MAX_VALUE, "k%u-g%" PRIu32 "-", k, gen);
	size_t len = 16 + (k * 131u + gen * 17u) % 480, i;

	if (len < (size_t)n)
		len = (size_t)n;
	for (i = (size_t)n; i < len; i++)
		out[i] = (char)('a' + (k + gen + i) % 26);
	return len;
}

static int conn_open(struct conn *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->off = c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		set_err(c, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		set_err(c, "connect to 127.0.0.1:%d: %s", port, strerror(errno));
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* wait_fd: waits until fd is ready for EVENTS or DEADLINE (ns) passed. */
static int wait_fd(struct conn *c, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ns();
		struct pollfd p = { .fd = c->fd, .events = events };
		int r;

		if (left <= 0) {
			set_err(c, "no answer within %d ms", timeout_ms);
			return -1;
		}
		r = poll(&p, 1, (int)((left + 999999) / 1000000));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			set_err(c, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

static int send_all(struct conn *c, const char *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(c, POLLOUT, deadline) < 0)
				return -1;
			continue;
		}
		set_err(c, "send: %s", w < 0 ? strerror(errno) : "nothing sent");
		return -1;
	}
	return 0;
}

/* fill: reads more bytes into the buffer (moving what is unread to its
 * start first). */
static int fill(struct conn *c, int64_t deadline)
{
	ssize_t r;

	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == sizeof(c->buf)) {
		set_err(c, "answer line longer than %d bytes", BUFSZ);
		return -1;
	}
	for (;;) {
		if (wait_fd(c, POLLIN, deadline) < 0)
			return -1;
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (r > 0) {
			c->len += (size_t)r;
			return 0;
		}
		if (r == 0) {
			set_err(c, "connection closed by the server");
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			set_err(c, "recv: %s", strerror(errno));
			return -1;
		}
	}
}

/* read_line: the next line of the answer, without its \r\n, NUL-terminated
 * in place (valid until the next read). */
static char *read_line(struct conn *c, int64_t deadline)
{
	for (;;) {
		char *start = c->buf + c->off;
		char *nl = memmem(start, c->len - c->off, "\r\n", 2);

		if (nl) {
			*nl = '\0';
			c->off = (size_t)(nl + 2 - c->buf);
			return start;
		}
		if (fill(c, deadline) < 0)
			return NULL;
	}
}

/* read_exact: the next N bytes (N < BUFSZ), valid until the next read. */
static char *read_exact(struct conn *c, size_t n, int64_t deadline)
{
	char *p;

	while (c->len - c->off < n)
		if (fill(c, deadline) < 0)
			return NULL;
	p = c->buf + c->off;
	c->off += n;
	return p;
}

static int do_set(struct conn *c, unsigned k, uint32_t gen, int64_t deadline)
{
	char req[MAX_VALUE + 128], val[MAX_VALUE];
	size_t vlen = make_value(k, gen, val);
	int n = snprintf(req, sizeof(req), "set nsload:%u 0 0 %zu\r\n", k, vlen);
	char *line;

	memcpy(req + n, val, vlen);
	memcpy(req + n + vlen, "\r\n", 2);
	if (send_all(c, req, (size_t)n + vlen + 2, deadline) < 0)
		return -1;
	line = read_line(c, deadline);
	if (!line)
		return -1;
	if (strcmp(line, "STORED") != 0) {
		set_err(c, "set nsload:%u answered '%.100s', not STORED", k, line);
		return -1;
	}
	return 0;
}

/* do_get: reads key K; its value must be that of generation GEN or, when
 * ALT_OK, of generation ALT. Sets *WHICH to 0 (GEN) or 1 (ALT). */
static int do_get(struct conn *c, unsigned k, uint32_t gen, int alt_ok,
		  uint32_t alt, int *which, int64_t deadline)
{
	char req[64], want[MAX_VALUE], head[64], *line, *data;
	int n = snprintf(req, sizeof(req), "get nsload:%u\r\n", k);
	size_t wlen, len;
	unsigned flags;
	char tail;

	if (send_all(c, req, (size_t)n, deadline) < 0)
		return -1;
	line = read_line(c, deadline);
	if (!line)
		return -1;
	if (strcmp(line, "END") == 0) {
		set_err(c, "get nsload:%u: the key is missing", k);
		return -1;
	}
	snprintf(head, sizeof(head), "VALUE nsload:%u ", k);
	if (strncmp(line, head, strlen(head)) != 0 ||
	    sscanf(line + strlen(head), "%u %zu%c", &flags, &len, &tail) != 2 ||
	    len >= MAX_VALUE) {
		set_err(c, "get nsload:%u answered '%.100s'", k, line);
		return -1;
	}
	data = read_exact(c, len + 2, deadline);
	if (!data)
		return -1;
	if (data[len] != '\r' || data[len + 1] != '\n') {
		set_err(c, "get nsload:%u: value not followed by \\r\\n", k);
		return -1;
	}
	wlen = make_value(k, gen, want);
	*which = 0;
	if (wlen != len || memcmp(want, data, len) != 0) {
		wlen = alt_ok ? make_value(k, alt, want) : 0;
		if (!alt_ok || wlen != len || memcmp(want, data, len) != 0) {
			set_err(c, "get nsload:%u: wrong value '%.*s' (%zu bytes), expected generation %" PRIu32,
				k, (int)(len < 40 ? len : 40), data, len, gen);
			/* The END line is still to be read: the connection is
			 * closed after a failure anyway. */
			return -1;
		}
		*which = 1;
	}
	line = read_line(c, deadline);
	if (!line)
		return -1;
	if (strcmp(line, "END") != 0) {
		set_err(c, "get nsload:%u: '%.100s' after the value, not END", k, line);
		return -1;
	}
	return 0;
}

static int do_version(struct conn *c, int64_t deadline)
{
	char *line;
	unsigned i;

	if (send_all(c, "version\r\n", 9, deadline) < 0)
		return -1;
	line = read_line(c, deadline);
	if (!line)
		return -1;
	for (i = 0; i < nanswers; i++)
		if (strcmp(line, answers[i]) == 0) {
			c->answer[i]++;
			return 0;
		}
	set_err(c, "version answered '%.100s', none of the %u accepted answers", line, nanswers);
	return -1;
}

/* failed: counts and describes one failed request, and opens the
 * connection again. */
static void failed(struct conn *c, const char *what)
{
	c->failed++;
	if (atomic_fetch_add(&reported, 1) < MAX_REPORTED)
		fprintf(stderr, "mcload: connection %d: %s failed: %s\n", c->idx, what, c->err);
	conn_close(c);
	while (conn_open(c) < 0) {
		c->failed++;
		if (atomic_fetch_add(&reported, 1) < MAX_REPORTED)
			fprintf(stderr, "mcload: connection %d: reconnect failed: %s\n", c->idx, c->err);
		if (atomic_load(&stop_flag) || now_ns() >= end_ns)
			return;
		usleep(10000);
	}
}

static void account(struct conn *c, int64_t t0)
{
	int64_t d = now_ns() - t0;

	c->requests++;
	if (d > c->max_ns)
		c->max_ns = d;
}

static pthread_barrier_t stored;

/* one request of the timed phase, on a key this connection owns */
static void one_request(struct conn *c)
{
	unsigned mine = (nkeys - (unsigned)c->idx + nconns - 1) / nconns;
	unsigned k = (unsigned)c->idx + nconns * (unsigned)(next_rand(c) % mine);
	unsigned r = (unsigned)(next_rand(c) % 100);
	struct key *key = &keys[k];
	int64_t t0 = now_ns(), deadline = t0 + (int64_t)timeout_ms * 1000000;
	const char *what;
	int which, rc;

	if (r >= 95 && nanswers > 0) {
		c->versions++;
		what = "version";
		rc = do_version(c, deadline);
	} else if (r >= 70) {
		uint32_t old = key->gen;

		c->sets++;
		what = "set";
		key->gen = old + 1;
		rc = do_set(c, k, key->gen, deadline);
		if (rc < 0) {
			/* Stored or not: either value may be read back. */
			if (!key->uncertain)
				key->prev = old;
			key->uncertain = 1;
		} else {
			key->uncertain = 0;
		}
	} else {
		c->gets++;
		what = "get";
		rc = do_get(c, k, key->gen, key->uncertain, key->prev, &which, deadline);
		if (rc == 0 && key->uncertain) {
			if (which)
				key->gen = key->prev;
			key->uncertain = 0;
		}
	}
	account(c, t0);
	if (rc < 0)
		failed(c, what);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	unsigned k;

	if (c->fd < 0)
		failed(c, "connect");
	/* Store every key this connection owns, at generation 0. */
	for (k = (unsigned)c->idx; k < nkeys; k += nconns) {
		int64_t t0 = now_ns();

		int rc = do_set(c, k, 0, t0 + (int64_t)timeout_ms * 1000000);

		/* Not stored: the final check finds the key missing. */
		keys[k].gen = 0;
		account(c, t0);
		if (rc < 0)
			failed(c, "initial set");
	}
	pthread_barrier_wait(&stored);
	while (!atomic_load(&stop_flag) && now_ns() < end_ns)
		one_request(c);
	conn_close(c);
	return NULL;
}

/* verify_keys: reads every key on a new connection; returns how many hold
 * the value last stored. */
static unsigned verify_keys(void)
{
	struct conn *c = calloc(1, sizeof(*c));
	unsigned k, ok = 0;
	int which;

	if (!c)
		return 0;
	c->idx = -1;
	if (conn_open(c) < 0) {
		fprintf(stderr, "mcload: final check: %s\n", c->err);
		free(c);
		return 0;
	}
	for (k = 0; k < nkeys; k++) {
		int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;

		if (do_get(c, k, keys[k].gen, keys[k].uncertain, keys[k].prev,
			   &which, deadline) == 0) {
			ok++;
			continue;
		}
		if (atomic_fetch_add(&reported, 1) < MAX_REPORTED)
			fprintf(stderr, "mcload: final check: %s\n", c->err);
		conn_close(c);
		if (conn_open(c) < 0) {
			fprintf(stderr, "mcload: final check: %s\n", c->err);
			break;
		}
	}
	conn_close(c);
	free(c);
	return ok;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: mcload run [-c CONNS] [-k KEYS] [-d SECONDS] [-t MS] [-V ANSWER]... PORT\n"
		"       mcload ask [-t MS] PORT COMMAND\n");
	return 2;
}

static int parse_port(const char *s)
{
	char *end;
	long p = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || p <= 0 || p > 65535) {
		fprintf(stderr, "mcload: '%s' is not a port\n", s);
		return -1;
	}
	port = (int)p;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct conn **conns;
	struct sigaction sa = { .sa_handler = on_stop };
	pthread_t *tids;
	uint64_t requests = 0, fails = 0, gets = 0, sets = 0, versions = 0;
	uint64_t answer[MAX_ANSWERS] = { 0 };
	int64_t start, max_ns = 0;
	unsigned i, j, ok, opened = 0;
	int opt;

	while ((opt = getopt(argc, argv, "c:k:d:t:V:")) != -1) {
		switch (opt) {
		case 'c': nconns = (unsigned)atoi(optarg); break;
		case 'k': nkeys = (unsigned)atoi(optarg); break;
		case 'd': max_seconds = atof(optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'V':
			if (nanswers == MAX_ANSWERS) {
				fprintf(stderr, "mcload: at most %d -V\n", MAX_ANSWERS);
				return 2;
			}
			answers[nanswers++] = optarg;
			break;
		default: return usage();
		}
	}
	if (optind + 1 != argc || parse_port(argv[optind]) < 0)
		return usage();
	if (nconns < 1 || nconns > 256 || nkeys < nconns || nkeys > 1000000 ||
	    max_seconds <= 0 || timeout_ms < 1) {
		fprintf(stderr, "mcload: need 1 <= CONNS <= 256, CONNS <= KEYS <= 1000000, SECONDS > 0, MS >= 1\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	keys = calloc(nkeys, sizeof(*keys));
	conns = calloc(nconns, sizeof(*conns));
	tids = calloc(nconns, sizeof(*tids));
	if (!keys || !conns || !tids) {
		fprintf(stderr, "mcload: out of memory\n");
		return 2;
	}
	for (i = 0; i < nconns; i++) {
		conns[i] = calloc(1, sizeof(**conns));
		if (!conns[i]) {
			fprintf(stderr, "mcload: out of memory\n");
			return 2;
		}
		conns[i]->idx = (int)i;
		conns[i]->rng = 0x9e3779b97f4a7c15ull * (i + 1);
		if (conn_open(conns[i]) == 0)
			opened++;
		else
			fprintf(stderr, "mcload: connection %u: %s\n", i, conns[i]->err);
	}
	if (opened == 0) {
		fprintf(stderr, "mcload: no connection to 127.0.0.1:%d could be opened\n", port);
		return 2;
	}
	pthread_barrier_init(&stored, NULL, nconns);
	start = now_ns();
	end_ns = start + (int64_t)(max_seconds * 1e9);
	for (i = 0; i < nconns; i++)
		if (pthread_create(&tids[i], NULL, conn_main, conns[i]) != 0) {
			fprintf(stderr, "mcload: pthread_create failed\n");
			return 2;
		}
	for (i = 0; i < nconns; i++) {
		struct conn *c = conns[i];

		pthread_join(tids[i], NULL);
		requests += c->requests;
		fails += c->failed;
		gets += c->gets;
		sets += c->sets;
		versions += c->versions;
		for (j = 0; j < nanswers; j++)
			answer[j] += c->answer[j];
		if (c->max_ns > max_ns)
			max_ns = c->max_ns;
	}
	ok = verify_keys();
	printf("requests=%" PRIu64 " failed=%" PRIu64 " gets=%" PRIu64 " sets=%" PRIu64
	       " versions=%" PRIu64, requests, fails, gets, sets, versions);
	for (j = 0; j < nanswers; j++)
		printf(" answer%u=%" PRIu64, j, answer[j]);
	printf(" keys_ok=%u/%u max_ms=%.1f seconds=%.1f\n", ok, nkeys, max_ns / 1e6,
	       (now_ns() - start) / 1e9);
	return fails == 0 && ok == nkeys ? 0 : 1;
}

static int cmd_ask(int argc, char **argv)
{
	struct conn *c;
	char *line;
	int64_t deadline;
	size_t n;
	int opt, all;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			return usage();
		timeout_ms = atoi(optarg);
	}
	if (optind + 2 != argc || parse_port(argv[optind]) < 0 || timeout_ms < 1)
		return usage();
	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	if (conn_open(c) < 0) {
		fprintf(stderr, "mcload: %s\n", c->err);
		return 1;
	}
	n = strlen(argv[optind + 1]);
	if (send_all(c, argv[optind + 1], n, deadline) < 0 ||
	    send_all(c, "\r\n", 2, deadline) < 0) {
		fprintf(stderr, "mcload: %s\n", c->err);
		return 1;
	}
	all = strncmp(argv[optind + 1], "stats", 5) == 0;
	do {
		line = read_line(c, deadline);
		if (!line) {
			fprintf(stderr, "mcload: '%s': %s\n", argv[optind + 1], c->err);
			return 1;
		}
		printf("%s\n", line);
	} while (all && strcmp(line, "END") != 0 && strncmp(line, "STAT ", 5) == 0);
	conn_close(c);
	free(c);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "ask") == 0)
		return cmd_ask(argc - 1, argv + 1);
	return usage();
}
