/* walk.c — finds the object files of a build tree: every "*.o" under a
 * directory, recursively, as sorted paths relative to it, so that the old
 * and new builds pair up by relative path. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen/walk.h"

static int add(struct gen_files *f, const char *rel)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		char **p = realloc(f->rel, cap * sizeof(*p));

		if (!p)
			return -1;
		f->rel = p;
		f->cap = cap;
	}
	f->rel[f->n] = strdup(rel);
	return f->rel[f->n++] ? 0 : -1;
}

static int is_object(const char *name)
{
	size_t n = strlen(name);

	return n > 2 && !strcmp(name + n - 2, ".o");
}

/* Walks ROOT/REL (REL "" for the root itself). */
static int walk(struct gen *g, const char *root, const char *rel,
		struct gen_files *f, int depth)
{
	char *dirpath;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (depth > 64)
		return gen_fail(g, "%s/%s: directories nested too deeply", root, rel);
	if (asprintf(&dirpath, "%s%s%s", root, *rel ? "/" : "", rel) < 0)
		return gen_fail(g, "out of memory");
	d = opendir(dirpath);
	if (!d) {
		gen_fail(g, "%s: %s", dirpath, strerror(errno));
		free(dirpath);
		return -1;
	}
	while (rc == 0 && (de = readdir(d))) {
		char *sub, *full;
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0) {
			rc = gen_fail(g, "out of memory");
			break;
		}
		if (asprintf(&full, "%s/%s", dirpath, de->d_name) < 0) {
			free(sub);
			rc = gen_fail(g, "out of memory");
			break;
		}
		if (stat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = walk(g, root, sub, f, depth + 1);
			else if (S_ISREG(st.st_mode) && is_object(de->d_name) && add(f, sub))
				rc = gen_fail(g, "out of memory");
		}
		free(sub);
		free(full);
	}
	closedir(d);
	free(dirpath);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int gen_find_objects(struct gen *g, const char *root, struct gen_files *out)
{
	memset(out, 0, sizeof(*out));
	if (walk(g, root, "", out, 0)) {
		gen_files_free(out);
		return -1;
	}
	qsort(out->rel, out->n, sizeof(*out->rel), cmp_str);
	return 0;
}

int gen_files_has(const struct gen_files *f, const char *rel)
{
	return f->n && bsearch(&rel, f->rel, f->n, sizeof(*f->rel), cmp_str) != NULL;
}

void gen_files_free(struct gen_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->rel[i]);
	free(f->rel);
	memset(f, 0, sizeof(*f));
}
