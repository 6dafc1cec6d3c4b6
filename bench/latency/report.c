/* report.c — the analysis of the latency benchmark (bench/latency.sh):
 * request latency before, during and after each nonstop command.
 *
 *   report WINDOWS MODE RECORDS EVENTS [MODE RECORDS EVENTS ...]
 *
 * RECORDS is what `client latency` wrote (examples/client/lat_record.h);
 * EVENTS is the script's account of the same run, in the same clock
 * (CLOCK_MONOTONIC ns, from `client now`), one per line:
 *     start NS            the measured part begins (the load is running)
 *     apply START END     a nonstop command ran from START to END
 *     revert START END
 *     end NS              the measured part ends
 *
 * Time from `start` is cut into 100 ms windows; a request belongs to the
 * window in which it completed. A request is
 *   during  if its window overlaps [START, END + 100 ms] of a command;
 *   before  otherwise, if it completed in the second before an apply;
 *   after   otherwise, if it completed from END + 100 ms of a command to
 *           the start of the next (or `end`).
 * Prints, as a Markdown table, p50/p99/p99.9/max of each mode's before,
 * during and after requests (all cycles together) and p99.9 over the
 * before's; then each mode's worst window (highest p99.9). Writes every
 * window (and command) of every mode to WINDOWS for the plot (plot.c):
 *     window MODE INDEX T_S N P50_US P99_US P999_US MAX_US DURING
 *     event MODE KIND START_S END_S          (T_S, START_S: from start)
 * Exit 1 on unreadable input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lat_record.h"

#define WINDOW_NS  100000000ull	/* 100 ms */
#define BEFORE_NS 1000000000ull	/* the baseline: 1 s before an apply */
#define MAX_CMDS  1024

enum cat { CAT_NONE, CAT_BEFORE, CAT_DURING, CAT_AFTER, NCAT };
static const char *const cat_name[NCAT] = { "", "before", "during", "after" };

struct cmd {
	char kind[16];		/* apply or revert */
	uint64_t start, end;
};

struct events {
	uint64_t start, end;
	struct cmd c[MAX_CMDS];
	size_t n;
};

/* Latency percentiles of a set of requests, in ns. */
struct stats {
	size_t n;
	uint32_t p50, p99, p999, max;
};

/* A growable array of latencies (ns). */
struct lats {
	uint32_t *v;
	size_t n, cap;
};

static int lats_push(struct lats *l, uint32_t v)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1 << 16;
		uint32_t *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = v;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int cmp_end(const void *a, const void *b)
{
	uint64_t x = ((const struct lat_record *)a)->end_ns;
	uint64_t y = ((const struct lat_record *)b)->end_ns;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p of all at or below. */
static uint32_t rank(const uint32_t *sorted, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	return sorted[(k > n ? n : k) - 1];
}

/* Sorts v (n values) and takes its percentiles. */
static struct stats stats_of(uint32_t *v, size_t n)
{
	struct stats s = { .n = n };

	if (!n)
		return s;
	qsort(v, n, sizeof(*v), cmp_u32);
	s.p50 = rank(v, n, 0.50);
	s.p99 = rank(v, n, 0.99);
	s.p999 = rank(v, n, 0.999);
	s.max = v[n - 1];
	return s;
}

/* Reads a latency file whole into *r (*n records). */
static int read_records(const char *path, struct lat_record **r, size_t *n)
{
	struct lat_header h;
	FILE *f = fopen(path, "rb");
	int rc = -1;

	*r = NULL;
	if (!f) {
		fprintf(stderr, "report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fread(&h, sizeof(h), 1, f) != 1 || memcmp(h.magic, LAT_MAGIC, 8) ||
	    h.record_size != sizeof(**r)) {
		fprintf(stderr, "report: %s: not a latency file of this client\n", path);
		goto out;
	}
	*r = malloc((h.count ? h.count : 1) * sizeof(**r));
	if (!*r) {
		fprintf(stderr, "report: %s: out of memory\n", path);
		goto out;
	}
	if (fread(*r, sizeof(**r), h.count, f) != h.count) {
		fprintf(stderr, "report: %s: truncated\n", path);
		goto out;
	}
	*n = h.count;
	rc = 0;
out:
	fclose(f);
	if (rc) {
		free(*r);
		*r = NULL;
	}
	return rc;
}

/* Reads an events file (see the top of this file). */
static int read_events(const char *path, struct events *ev)
{
	char line[256], kind[16];
	FILE *f = fopen(path, "r");
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	if (!f) {
		fprintf(stderr, "report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		uint64_t a, b = 0;
		int k = sscanf(line, "%15s %" SCNu64 " %" SCNu64, kind, &a, &b);

		if (k == 2 && !strcmp(kind, "start"))
			ev->start = a;
		else if (k == 2 && !strcmp(kind, "end"))
			ev->end = a;
		else if (k == 3 && (!strcmp(kind, "apply") || !strcmp(kind, "revert")) &&
			 ev->n < MAX_CMDS && b >= a) {
			snprintf(ev->c[ev->n].kind, sizeof(ev->c[0].kind), "%s", kind);
			ev->c[ev->n].start = a;
			ev->c[ev->n++].end = b;
		} else
			rc = -1;
	}
	fclose(f);
	if (rc || !ev->start || ev->end <= ev->start) {
		fprintf(stderr, "report: %s: not an events file (start, apply/revert, end)\n",
			path);
		return -1;
	}
	return 0;
}

/* Whether window k overlaps [start, end + 100 ms] of a command. */
static bool window_during(const struct events *ev, uint64_t k)
{
	uint64_t w0 = ev->start + k * WINDOW_NS, w1 = w0 + WINDOW_NS;

	for (size_t i = 0; i < ev->n; i++)
		if (w0 <= ev->c[i].end + WINDOW_NS && w1 > ev->c[i].start)
			return true;
	return false;
}

/* The class of a request that completed at t in a window not `during`. */
static enum cat classify(const struct events *ev, uint64_t t)
{
	for (size_t i = 0; i < ev->n; i++)
		if (!strcmp(ev->c[i].kind, "apply") && t < ev->c[i].start &&
		    t + BEFORE_NS >= ev->c[i].start)
			return CAT_BEFORE;
	for (size_t i = 0; i < ev->n; i++) {
		uint64_t next = i + 1 < ev->n ? ev->c[i + 1].start : ev->end;

		if (t >= ev->c[i].end + WINDOW_NS && t < next)
			return CAT_AFTER;
	}
	return CAT_NONE;
}

/* One mode's run: its requests, sorted by completion, and its events. */
struct run {
	const char *mode;
	struct lat_record *r;
	size_t n;
	struct events ev;
	struct stats cat[NCAT];
	struct stats worst;	/* the window with the highest p99.9 */
	uint64_t worst_k;
	size_t failed;
};

static double dabs(double x)
{
	return x < 0 ? -x : x;
}

/* Where window k lies, for a reader: "during, starting +0.05 s from the
 * start of apply 3" (the command whose start is nearest). */
static void describe_window(const struct run *ru, uint64_t k, char *buf, size_t len)
{
	uint64_t w0 = ru->ev.start + k * WINDOW_NS;
	const char *cls;
	size_t best = 0, nth = 0;
	double d = 0;

	if (!ru->ev.n) {
		snprintf(buf, len, "at %.1f s", (double)(k * WINDOW_NS) / 1e9);
		return;
	}
	for (size_t i = 0; i < ru->ev.n; i++) {
		double di = ((double)w0 - (double)ru->ev.c[i].start) / 1e9;

		if (i == 0 || dabs(di) < dabs(d)) {
			best = i;
			d = di;
		}
	}
	for (size_t i = 0; i <= best; i++)
		nth += !strcmp(ru->ev.c[i].kind, ru->ev.c[best].kind);
	cls = window_during(&ru->ev, k) ? "during" : cat_name[classify(&ru->ev, w0)];
	snprintf(buf, len, "%s, starting %+.2f s from the start of %s %zu",
		 *cls ? cls : "outside the windows", d, ru->ev.c[best].kind, nth);
}

/* Every window of ru: its stats to out, and the worst into ru. */
static int windows(struct run *ru, FILE *out)
{
	uint64_t nwin = (ru->ev.end - ru->ev.start) / WINDOW_NS;
	struct lats w = { 0 };
	size_t i = 0;

	while (i < ru->n && ru->r[i].end_ns < ru->ev.start)
		i++;
	for (uint64_t k = 0; k < nwin; k++) {
		uint64_t w1 = ru->ev.start + (k + 1) * WINDOW_NS;
		struct stats s;

		w.n = 0;
		for (; i < ru->n && ru->r[i].end_ns < w1; i++)
			if (lats_push(&w, ru->r[i].lat_ns) < 0)
				goto oom;
		s = stats_of(w.v, w.n);
		fprintf(out, "window %s %" PRIu64 " %.1f %zu %.1f %.1f %.1f %.1f %d\n",
			ru->mode, k, (double)(k * WINDOW_NS) / 1e9, s.n, s.p50 / 1e3,
			s.p99 / 1e3, s.p999 / 1e3, s.max / 1e3, window_during(&ru->ev, k));
		if (s.n && s.p999 > ru->worst.p999) {
			ru->worst = s;
			ru->worst_k = k;
		}
	}
	for (size_t c = 0; c < ru->ev.n; c++)
		fprintf(out, "event %s %s %.4f %.4f\n", ru->mode, ru->ev.c[c].kind,
			(double)(ru->ev.c[c].start - ru->ev.start) / 1e9,
			(double)(ru->ev.c[c].end - ru->ev.start) / 1e9);
	free(w.v);
	return 0;
oom:
	free(w.v);
	fprintf(stderr, "report: out of memory\n");
	return -1;
}

/* The before/during/after stats of ru (its records sorted by now). */
static int categories(struct run *ru)
{
	struct lats l[NCAT] = { { 0 } };
	int rc = -1;

	for (size_t i = 0; i < ru->n; i++) {
		const struct lat_record *r = &ru->r[i];
		enum cat c;

		if (r->end_ns < ru->ev.start || r->end_ns >= ru->ev.end)
			continue;
		ru->failed += r->status == LAT_FAILED;
		c = window_during(&ru->ev, (r->end_ns - ru->ev.start) / WINDOW_NS) ?
			CAT_DURING : classify(&ru->ev, r->end_ns);
		if (c != CAT_NONE && lats_push(&l[c], r->lat_ns) < 0) {
			fprintf(stderr, "report: out of memory\n");
			goto out;
		}
	}
	for (int c = 1; c < NCAT; c++)
		ru->cat[c] = stats_of(l[c].v, l[c].n);
	rc = 0;
out:
	for (int c = 0; c < NCAT; c++)
		free(l[c].v);
	return rc;
}

static int analyse(struct run *ru, const char *records, const char *events,
		   FILE *out)
{
	if (read_records(records, &ru->r, &ru->n) < 0 ||
	    read_events(events, &ru->ev) < 0)
		return -1;
	qsort(ru->r, ru->n, sizeof(*ru->r), cmp_end);
	return categories(ru) < 0 || windows(ru, out) < 0 ? -1 : 0;
}

static void print_table(const struct run *runs, int nruns)
{
	printf("| mode | window | requests | p50 (µs) | p99 (µs) | p99.9 (µs) "
	       "| max (µs) | p99.9 / before |\n");
	printf("|---|---|--:|--:|--:|--:|--:|--:|\n");
	for (int m = 0; m < nruns; m++) {
		const struct run *ru = &runs[m];
		double base = ru->cat[CAT_BEFORE].p999;

		for (int c = 1; c < NCAT; c++) {
			const struct stats *s = &ru->cat[c];

			printf("| %s | %s | %zu | %.1f | %.1f | %.1f | %.1f | ",
			       ru->mode, cat_name[c], s->n, s->p50 / 1e3, s->p99 / 1e3,
			       s->p999 / 1e3, s->max / 1e3);
			if (base > 0 && s->n)
				printf("%.2f |\n", s->p999 / base);
			else
				printf("– |\n");
		}
	}
	printf("\n");
	for (int m = 0; m < nruns; m++) {
		const struct run *ru = &runs[m];
		char where[128];

		describe_window(ru, ru->worst_k, where, sizeof(where));
		printf("Worst 100 ms window, %s: p99.9 %.1f µs, max %.1f µs, "
		       "%zu requests (%s).%s\n", ru->mode, ru->worst.p999 / 1e3,
		       ru->worst.max / 1e3, ru->worst.n, where,
		       m + 1 < nruns ? "  " : "");
	}
}

int main(int argc, char **argv)
{
	struct run *runs;
	int nruns, rc = 1;
	FILE *out;

	if (argc < 5 || (argc - 2) % 3) {
		fprintf(stderr, "usage: report WINDOWS MODE RECORDS EVENTS "
			"[MODE RECORDS EVENTS ...]\n");
		return 2;
	}
	nruns = (argc - 2) / 3;
	runs = calloc((size_t)nruns, sizeof(*runs));
	out = fopen(argv[1], "w");
	if (!runs || !out) {
		fprintf(stderr, "report: %s: %s\n", argv[1], strerror(errno));
		goto done;
	}
	for (int m = 0; m < nruns; m++) {
		runs[m].mode = argv[2 + 3 * m];
		if (analyse(&runs[m], argv[3 + 3 * m], argv[4 + 3 * m], out) < 0)
			goto done;
	}
	print_table(runs, nruns);
	rc = 0;
	for (int m = 0; m < nruns; m++)
		if (runs[m].failed) {
			fprintf(stderr, "report: %s: %zu requests failed\n",
				runs[m].mode, runs[m].failed);
			rc = 1;
		}
done:
	if (out && fclose(out) != 0)
		rc = 1;
	for (int m = 0; runs && m < nruns; m++)
		free(runs[m].r);
	free(runs);
	return rc;
}
