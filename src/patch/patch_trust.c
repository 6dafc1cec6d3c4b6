/* patch_trust.c — reads this host's signing policy (the keys directory,
 * patch_trust.h) and judges a patch's signer by it. Everything in the
 * directory is checked before it is believed: the directory and each key
 * file are opened without following a symlink, and their owner and mode
 * are checked on the opened file, so what is checked is what is read. Any
 * doubt refuses every patch (fail closed). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "patch/patch_trust.h"

const char *ns_trust_dir(void)
{
	const char *d = getenv("NONSTOP_KEYS_DIR");

	return d && *d ? d : NS_KEYS_DIR_DEFAULT;
}

static int broken(struct ns_trust *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int broken(struct ns_trust *t, const char *fmt, ...)
{
	va_list ap;

	t->verdict = NS_TRUST_BROKEN;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Whoever may change a policy file chooses what this host runs: it must be
 * root's or the caller's, and writable by its owner only. */
static int check_owner(struct ns_trust *t, const char *path,
		       const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return broken(t, "%s is owned by uid %u, neither root nor the "
			      "caller (uid %u)", path, (unsigned)st->st_uid,
			      (unsigned)geteuid());
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return broken(t, "%s is group- or world-writable (mode %04o)",
			      path, (unsigned)(st->st_mode & 07777));
	return 0;
}

/* Opens the keys directory. Returns its fd; -1 if the policy is broken;
 * -2 if there is no directory (no policy). */
static int open_dir(struct ns_trust *t)
{
	struct stat lst, st;
	int fd;

	if (lstat(t->dir, &lst)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return -2;
		return broken(t, "%s: %s", t->dir, strerror(errno));
	}
	if (S_ISLNK(lst.st_mode))
		return broken(t, "%s is a symbolic link", t->dir);
	if (!S_ISDIR(lst.st_mode))
		return broken(t, "%s is not a directory", t->dir);
	fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return broken(t, "%s: %s", t->dir, strerror(errno));
	if (fstat(fd, &st) || st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		close(fd);
		return broken(t, "%s changed while it was read", t->dir);
	}
	if (check_owner(t, t->dir, &st)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A key file's name: *.pem, not hidden (what the shell's *.pem matches). */
static int is_key_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".pem");
}

/* Reads the key file NAME of the directory DFD into PUBLIC_KEY. */
static int read_key_file(struct ns_trust *t, int dfd, const char *name,
			 uint8_t *public_key)
{
	struct ns_err why = { 0 };
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return broken(t, "%s is a symbolic link", path);
		return broken(t, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st)) {
		close(fd);
		return broken(t, "%s: %s", path, strerror(errno));
	}
	if (check_owner(t, path, &st)) {
		close(fd);
		return -1;
	}
	rc = ns_public_key_read(fd, path, public_key, &why);
	close(fd);
	if (rc)
		return broken(t, "%s", why.msg);
	return 0;
}

/* Reads every key of the directory DFD; notes in T the first (by name)
 * that is SEAL's signer. */
static int read_keys(struct ns_trust *t, int dfd,
		     const struct ns_patch_seal *seal)
{
	struct dirent **names;
	int n = scandirat(dfd, ".", &names, NULL, alphasort), rc = 0;

	if (n < 0)
		return broken(t, "%s: %s", t->dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		uint8_t key[NS_KEY_LEN];

		if (rc || !is_key_name(names[i]->d_name))
			continue;
		rc = read_key_file(t, dfd, names[i]->d_name, key);
		if (rc)
			continue;
		t->nkeys++;
		if (seal->is_signed && !t->key_file[0] &&
		    !memcmp(key, seal->public_key, sizeof(key)))
			snprintf(t->key_file, sizeof(t->key_file), "%s/%s",
				 t->dir, names[i]->d_name);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

void ns_trust_lookup(const struct ns_patch_seal *seal, struct ns_trust *t)
{
	int dfd;

	memset(t, 0, sizeof(*t));
	t->dir = ns_trust_dir();
	dfd = open_dir(t);
	if (dfd < 0)
		return; /* no directory: no policy; or broken, said */
	if (read_keys(t, dfd, seal) == 0 && t->nkeys)
		t->verdict = t->key_file[0] ? NS_TRUST_TRUSTED : NS_TRUST_UNTRUSTED;
	close(dfd);
}

int ns_trust_check(const struct ns_patch *p, struct ns_err *err)
{
	char name[NS_KEY_NAME_LEN];
	struct ns_trust t;

	ns_trust_lookup(&p->seal, &t);
	switch (t.verdict) {
	case NS_TRUST_NO_POLICY:
	case NS_TRUST_TRUSTED:
		return 0;
	case NS_TRUST_BROKEN:
		ns_err_set(err, "this host's key policy is refused, and so "
			 "is every patch until it is fixed: %s", t.why);
		return -1;
	case NS_TRUST_UNTRUSTED:
		break;
	}
	if (!p->seal.is_signed) {
		ns_err_set(err, "patch '%s' is not signed, and this host "
			 "applies only patches signed by a key in %s", p->name, t.dir);
		return -1;
	}
	ns_key_name(p->seal.key_id, name);
	ns_err_set(err, "patch '%s' is signed by key %s, which is not in "
		 "%s: this host applies only patches signed by a key there",
		 p->name, name, t.dir);
	return -1;
}
