/* plot.c — the latency benchmark's figure: an SVG timeline of the p99.9
 * (and p50) request latency in each 100 ms window, one panel per mode,
 * with the applies and reverts marked.
 *
 *   plot WINDOWS OUT.svg
 *
 * WINDOWS is what report.c writes ("window ..." and "event ..." lines);
 * the panels come in the order of the modes there. The latency axis is
 * logarithmic (the panels share it, and the time axis), so that a pause
 * of a millisecond and a baseline of tens of microseconds both show.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODES 4
#define MAX_POINTS 100000
#define MAX_EVENTS 1024

#define WIDTH   960
#define LEFT     78	/* room for the latency labels */
#define RIGHT    20
#define PANEL_H 230	/* one mode's plot area */
#define PANEL_GAP 70	/* its title above, the time labels below */
#define TOP      56	/* the legend */

struct point { double t, p50, p999; int during; };
struct event { char kind[16]; double start, end; };

struct mode {
	char name[32];
	struct point *p;
	size_t np;
	struct event e[MAX_EVENTS];
	size_t ne;
};

struct plot {
	struct mode m[MAX_MODES];
	int nm;
	double tmax, ymin, ymax;	/* seconds; µs */
};

static struct mode *mode_of(struct plot *pl, const char *name)
{
	for (int i = 0; i < pl->nm; i++)
		if (!strcmp(pl->m[i].name, name))
			return &pl->m[i];
	if (pl->nm == MAX_MODES)
		return NULL;
	snprintf(pl->m[pl->nm].name, sizeof(pl->m[0].name), "%s", name);
	return &pl->m[pl->nm++];
}

/* One line of WINDOWS into pl; -1 if it is neither kind. */
static int parse_line(struct plot *pl, const char *line)
{
	char name[32], kind[16];
	double t, p50, p99, p999, max, s, e;
	unsigned long long k;
	size_t n;
	int during;
	struct mode *m;

	if (sscanf(line, "window %31s %llu %lf %zu %lf %lf %lf %lf %d", name, &k,
		   &t, &n, &p50, &p99, &p999, &max, &during) == 9) {
		m = mode_of(pl, name);
		if (!m || m->np == MAX_POINTS)
			return -1;
		if (!m->p && !(m->p = malloc(MAX_POINTS * sizeof(*m->p))))
			return -1;
		m->p[m->np++] = (struct point){ t, p50, p999, during };
		if (t + 0.1 > pl->tmax)
			pl->tmax = t + 0.1;
		if (n && p50 > 0 && p50 < pl->ymin)
			pl->ymin = p50;
		if (p999 > pl->ymax)
			pl->ymax = p999;
		return 0;
	}
	if (sscanf(line, "event %31s %15s %lf %lf", name, kind, &s, &e) == 4) {
		m = mode_of(pl, name);
		if (!m || m->ne == MAX_EVENTS)
			return -1;
		snprintf(m->e[m->ne].kind, sizeof(m->e[0].kind), "%s", kind);
		m->e[m->ne].start = s;
		m->e[m->ne++].end = e;
		return 0;
	}
	return -1;
}

static int read_windows(const char *path, struct plot *pl)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	pl->ymin = 1e12;
	while (!rc && fgets(line, sizeof(line), f))
		rc = parse_line(pl, line);
	fclose(f);
	if (rc || !pl->nm || pl->ymax <= 0) {
		fprintf(stderr, "plot: %s: not a windows file of report\n", path);
		return -1;
	}
	/* Whole decades around the data. */
	pl->ymin = pow(10, floor(log10(pl->ymin)));
	pl->ymax = pow(10, ceil(log10(pl->ymax)));
	if (pl->ymax <= pl->ymin)
		pl->ymax = pl->ymin * 10;
	return 0;
}

static double x_of(const struct plot *pl, double t)
{
	return LEFT + t / pl->tmax * (WIDTH - LEFT - RIGHT);
}

/* The y of latency v (µs) in panel i, clamped to the axis. */
static double y_of(const struct plot *pl, int i, double v)
{
	double top = TOP + PANEL_GAP / 2.0 + i * (PANEL_H + PANEL_GAP);
	double f;

	if (v < pl->ymin)
		v = pl->ymin;
	if (v > pl->ymax)
		v = pl->ymax;
	f = (log10(v) - log10(pl->ymin)) / (log10(pl->ymax) - log10(pl->ymin));
	return top + PANEL_H * (1 - f);
}

static void label_us(char *buf, size_t len, double us)
{
	if (us >= 1000)
		snprintf(buf, len, "%g ms", us / 1000);
	else
		snprintf(buf, len, "%g µs", us);
}

/* Panel i's frame: title, decade lines with labels, second ticks. */
static void axes(FILE *f, const struct plot *pl, int i)
{
	double y0 = y_of(pl, i, pl->ymax), y1 = y_of(pl, i, pl->ymin);
	double step = pl->tmax > 30 ? 5 : pl->tmax > 12 ? 2 : 1;
	char lab[32];

	fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"title\">%s</text>\n", LEFT,
		y0 - 10, pl->m[i].name);
	for (double v = pl->ymin; v <= pl->ymax * 1.001; v *= 10) {
		label_us(lab, sizeof(lab), v);
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n"
			"<text x=\"%d\" y=\"%.1f\" class=\"ylab\">%s</text>\n",
			LEFT, WIDTH - RIGHT, y_of(pl, i, v), y_of(pl, i, v),
			LEFT - 6, y_of(pl, i, v) + 4, lab);
	}
	for (double t = 0; t <= pl->tmax + 1e-9; t += step)
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n"
			"<text x=\"%.1f\" y=\"%.1f\" class=\"xlab\">%g s</text>\n",
			x_of(pl, t), x_of(pl, t), y1, y1 + 5, x_of(pl, t), y1 + 18, t);
	fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n",
		LEFT, y0, WIDTH - LEFT - RIGHT, PANEL_H);
}

/* The commands of panel i: a band from start to end, a line at the start. */
static void events(FILE *f, const struct plot *pl, int i)
{
	const struct mode *m = &pl->m[i];
	double y0 = y_of(pl, i, pl->ymax), y1 = y_of(pl, i, pl->ymin);

	for (size_t k = 0; k < m->ne; k++) {
		const struct event *e = &m->e[k];
		double xs = x_of(pl, e->start), xe = x_of(pl, e->end);
		int apply = !strcmp(e->kind, "apply");

		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" class=\"%s\"/>\n"
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>\n"
			"<text x=\"%.1f\" y=\"%.1f\" class=\"mark\">%s</text>\n",
			xs, y0, xe - xs > 1 ? xe - xs : 1, PANEL_H,
			apply ? "aband" : "rband", xs, xs, y0, y1,
			apply ? "aline" : "rline", xs, y0 + 12, apply ? "A" : "R");
	}
}

/* A polyline of one percentile of panel i's windows. */
static void series(FILE *f, const struct plot *pl, int i, int p999, const char *cls)
{
	const struct mode *m = &pl->m[i];

	fprintf(f, "<polyline class=\"%s\" points=\"", cls);
	for (size_t k = 0; k < m->np; k++)
		fprintf(f, "%.1f,%.1f ", x_of(pl, m->p[k].t + 0.05),
			y_of(pl, i, p999 ? m->p[k].p999 : m->p[k].p50));
	fprintf(f, "\"/>\n");
}

static void legend(FILE *f)
{
	fprintf(f,
		"<text x=\"%d\" y=\"22\" class=\"head\">Request latency of the demo server "
		"per 100 ms window, during apply (A) / revert (R) cycles</text>\n"
		"<line x1=\"%d\" x2=\"%d\" y1=\"40\" y2=\"40\" class=\"p999\"/>"
		"<text x=\"%d\" y=\"44\" class=\"leg\">p99.9</text>\n"
		"<line x1=\"%d\" x2=\"%d\" y1=\"40\" y2=\"40\" class=\"p50\"/>"
		"<text x=\"%d\" y=\"44\" class=\"leg\">p50</text>\n"
		"<rect x=\"%d\" y=\"34\" width=\"12\" height=\"12\" class=\"aband\"/>"
		"<text x=\"%d\" y=\"44\" class=\"leg\">apply running</text>\n"
		"<rect x=\"%d\" y=\"34\" width=\"12\" height=\"12\" class=\"rband\"/>"
		"<text x=\"%d\" y=\"44\" class=\"leg\">revert running</text>\n",
		LEFT, LEFT, LEFT + 24, LEFT + 30, LEFT + 90, LEFT + 114, LEFT + 120,
		LEFT + 170, LEFT + 188, LEFT + 300, LEFT + 318);
}

static int write_svg(const struct plot *pl, const char *path)
{
	int height = TOP + pl->nm * (PANEL_H + PANEL_GAP);
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
		"<style>\n"
		".head{font-size:15px;font-weight:bold} .title{font-size:14px;font-weight:bold}\n"
		".leg,.xlab,.ylab{font-size:11px} .xlab{text-anchor:middle} .ylab{text-anchor:end}\n"
		".mark{font-size:10px;fill:#555} .grid{stroke:#ddd} .axis{stroke:#333}\n"
		".frame{fill:none;stroke:#333}\n"
		".aband{fill:#e4572e;fill-opacity:.25} .rband{fill:#4c72b0;fill-opacity:.25}\n"
		".aline{stroke:#e4572e;stroke-width:1} .rline{stroke:#4c72b0;stroke-width:1;stroke-dasharray:4 3}\n"
		".p999{fill:none;stroke:#222;stroke-width:1.6} .p50{fill:none;stroke:#999;stroke-width:1}\n"
		"</style>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		WIDTH, height, WIDTH, height);
	legend(f);
	for (int i = 0; i < pl->nm; i++) {
		axes(f, pl, i);
		events(f, pl, i);
		series(f, pl, i, 0, "p50");
		series(f, pl, i, 1, "p999");
	}
	fprintf(f, "</svg>\n");
	if (fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct plot pl;	/* the events make it large for a stack */
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: plot WINDOWS OUT.svg\n");
		return 2;
	}
	rc = read_windows(argv[1], &pl) < 0 || write_svg(&pl, argv[2]) < 0;
	for (int i = 0; i < pl.nm; i++)
		free(pl.m[i].p);
	return rc;
}
