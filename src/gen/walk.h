/* walk.h — the object files of a build tree (walk.c). */
#ifndef NONSTOP_GEN_WALK_H
#define NONSTOP_GEN_WALK_H

#include "gen/gen.h"

struct gen_files {
	char  **rel;   /* sorted paths relative to the root */
	size_t  n, cap;
};

int  gen_find_objects(struct gen *g, const char *root, struct gen_files *out);
int  gen_files_has(const struct gen_files *f, const char *rel);
void gen_files_free(struct gen_files *f);

#endif
