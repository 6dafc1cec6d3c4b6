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
 *   client latency PORT SECONDS CONNS OUTFILE
 *       the same load (without RESULTFILE), and every request's latency
 *       with its completion time is recorded (CLOCK_MONOTONIC, ns) in a
 *       buffer of its thread, reserved at the start, and written to
 *       OUTFILE at the end: a struct lat_header, then a struct lat_record
 *       for each request (lat_record.h; bench/latency reads them). A
 *       buffer holds SECONDS x 100000 records at most (a connection on
 *       loopback answers far fewer per second); what does not fit is
 *       counted as dropped. Prints
 *           requests=N failed=M old=A new=B records=R dropped=D
 *   client now
 *       prints CLOCK_MONOTONIC in ns, the clock of the records, so that a
 *       script can place its own events among them.
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lat_record.h"

#define REQUEST "WC hello  world\n"
#define MAX_CONNS 1024
#define RECORDS_PER_SECOND 100000	/* per connection, at most */

/* One load thread's recording: none in the load mode (rec == NULL). */
struct recorder {
	struct lat_record *rec;
	size_t n, cap;
	uint64_t dropped;
	uint16_t conn;
	pthread_t thread;
};

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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Records one request that started at start_ns, if r records. */
static void record(struct recorder *r, uint64_t start_ns, int status)
{
	uint64_t end, lat;

	if (!r->rec)
		return;
	end = now_ns();
	lat = end - start_ns;
	if (r->n == r->cap) {
		r->dropped++;
		return;
	}
	r->rec[r->n++] = (struct lat_record){
		.end_ns = end, .lat_ns = lat > UINT32_MAX ? UINT32_MAX : (uint32_t)lat,
		.conn = r->conn, .status = (uint16_t)status,
	};
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
	struct recorder *r = arg;
	char reply[256];
	int fd = -1;

	while (!stopping && now() < deadline) {
		uint64_t start = now_ns();

		if (fd < 0 && (fd = connect_server(1000)) < 0) {
			atomic_fetch_add(&failed, 1);
			record(r, start, LAT_FAILED);
			usleep(10000);
			continue;
		}
		if (send_all(fd, REQUEST, strlen(REQUEST)) < 0 ||
		    read_line(fd, reply, sizeof(reply)) < 0) {
			atomic_fetch_add(&failed, 1);
			record(r, start, LAT_FAILED);
			close(fd);
			fd = -1;
			continue;
		}
		atomic_fetch_add(&requests, 1);
		if (strcmp(reply, "3") == 0) {
			atomic_fetch_add(&old_answers, 1);
			record(r, start, LAT_OLD);
		} else if (strcmp(reply, "2") == 0) {
			atomic_fetch_add(&new_answers, 1);
			record(r, start, LAT_NEW);
		} else {
			atomic_fetch_add(&failed, 1);
			record(r, start, LAT_FAILED);
		}
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

/* Reserves each recorder's buffer: address space only (MAP_NORESERVE),
 * the pages are the kernel's to provide as the records fill them. */
static int reserve(struct recorder *r, double seconds)
{
	double cap = seconds * RECORDS_PER_SECOND;

	r->cap = (size_t)cap;
	r->rec = mmap(NULL, r->cap * sizeof(*r->rec), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->rec == MAP_FAILED) {
		r->rec = NULL;
		perror("client: mmap");
		return -1;
	}
	return 0;
}

/* Writes the latency file: header, then every thread's records. */
static int write_records(const char *path, const struct recorder *r, int conns)
{
	struct lat_header h = { .magic = LAT_MAGIC,
				.record_size = sizeof(struct lat_record),
				.conns = (uint32_t)conns };
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < conns; i++)
		h.count += r[i].n;
	if (fwrite(&h, sizeof(h), 1, f) != 1)
		rc = -1;
	for (int i = 0; i < conns && !rc; i++)
		if (r[i].n && fwrite(r[i].rec, sizeof(*r[i].rec), r[i].n, f) != r[i].n)
			rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc)
		perror(path);
	return rc;
}

/* The load of `client load` (recfile NULL) and `client latency`. */
static int load(double seconds, int conns, const char *resultfile,
		const char *recfile)
{
	struct recorder r[MAX_CONNS] = { 0 };
	char result[256];
	uint64_t nrec = 0, dropped = 0;
	int rc;

	struct sigaction sa = { .sa_handler = stop_load };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int i = 0; i < conns; i++) {
		r[i].conn = (uint16_t)i;
		if (recfile && reserve(&r[i], seconds) < 0)
			return 1;
	}
	deadline = now() + seconds;
	for (int i = 0; i < conns; i++)
		if (pthread_create(&r[i].thread, NULL, load_thread, &r[i])) {
			fprintf(stderr, "client: cannot start thread %d\n", i);
			return 1;
		}
	for (int i = 0; i < conns; i++) {
		pthread_join(r[i].thread, NULL);
		nrec += r[i].n;
		dropped += r[i].dropped;
	}
	rc = snprintf(result, sizeof(result), "requests=%lu failed=%lu old=%lu new=%lu",
		      atomic_load(&requests), atomic_load(&failed),
		      atomic_load(&old_answers), atomic_load(&new_answers));
	if (recfile)
		snprintf(result + rc, sizeof(result) - (size_t)rc,
			 " records=%llu dropped=%llu", (unsigned long long)nrec,
			 (unsigned long long)dropped);
	strcat(result, "\n");
	fputs(result, stdout);
	if (recfile && write_records(recfile, r, conns) < 0)
		return 1;
	if (resultfile) {
		FILE *f = fopen(resultfile, "w");

		if (!f || fputs(result, f) < 0 || fclose(f) != 0) {
			perror(resultfile);
			return 1;
		}
	}
	return atomic_load(&failed) ? 1 : 0;
}

/* SECONDS and CONNS of the load modes; exit code 2 on bad ones, else 0. */
static int parse_load(char **argv, double *secs, int *conns)
{
	char *end;
	long c;

	*secs = strtod(argv[3], &end);
	if (*end || !(*secs > 0 && *secs <= 3600)) {
		fprintf(stderr, "client: bad SECONDS '%s'\n", argv[3]);
		return 2;
	}
	c = strtol(argv[4], &end, 10);
	if (*end || c < 1 || c > MAX_CONNS) {
		fprintf(stderr, "client: CONNS must be 1..%d\n", MAX_CONNS);
		return 2;
	}
	*conns = (int)c;
	port = (unsigned short)parse_port(argv[2]);
	return 0;
}

int main(int argc, char **argv)
{
	double secs;
	int conns;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && strcmp(argv[1], "query") == 0) {
		port = (unsigned short)parse_port(argv[2]);
		return query(argv[3]);
	}
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "load") == 0)
		return parse_load(argv, &secs, &conns) ? 2 :
			load(secs, conns, argc == 6 ? argv[5] : NULL, NULL);
	if (argc == 6 && strcmp(argv[1], "latency") == 0)
		return parse_load(argv, &secs, &conns) ? 2 :
			load(secs, conns, NULL, argv[5]);
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%llu\n", (unsigned long long)now_ns());
		return 0;
	}
	fprintf(stderr, "usage: client query PORT LINE\n"
		"       client load PORT SECONDS CONNS [RESULTFILE]\n"
		"       client latency PORT SECONDS CONNS OUTFILE\n"
		"       client now\n");
	return 2;
}
