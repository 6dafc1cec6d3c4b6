/* patch_trust.h — this host's signing policy: the Ed25519 public keys in
 * the keys directory (the environment variable NONSTOP_KEYS_DIR, default
 * /etc/nonstop/keys.d), one PEM file each, named *.pem. While it holds at
 * least one key, `nonstop apply` takes only patches signed by one of them;
 * with none (or no directory), signed and unsigned patches alike. The
 * directory and its keys decide what runs as root in any process, so they
 * must be nobody else's to change: a directory or key file that is a
 * symlink, group- or world-writable, owned by someone other than root or
 * the caller, or not an Ed25519 public key makes every apply refused
 * (fail closed), naming the file and why. */
#ifndef NONSTOP_PATCH_TRUST_H
#define NONSTOP_PATCH_TRUST_H
#include "util/err.h"

#include <limits.h>
#include <stddef.h>

#include "patch/patch.h"

#define NS_KEYS_DIR_DEFAULT "/etc/nonstop/keys.d"

enum ns_trust_verdict {
	NS_TRUST_NO_POLICY = 0, /* no directory, or no *.pem in it */
	NS_TRUST_TRUSTED,       /* signed by the key in key_file */
	NS_TRUST_UNTRUSTED,     /* unsigned, or signed by a key not in dir */
	NS_TRUST_BROKEN,        /* the policy itself is refused: why */
};

struct ns_trust {
	enum ns_trust_verdict verdict;
	const char *dir;            /* the keys directory looked at */
	unsigned    nkeys;          /* keys read from it */
	char key_file[PATH_MAX];    /* NS_TRUST_TRUSTED: the signer's key */
	char why[PATH_MAX + 256];   /* NS_TRUST_BROKEN: which file, and why */
};

/* The keys directory: $NONSTOP_KEYS_DIR if set and not empty, else
 * NS_KEYS_DIR_DEFAULT. */
const char *ns_trust_dir(void);

/* Reads the policy and judges the patch sealed as SEAL (a seal the reader
 * checked: its signature verified) by it, into T. */
void ns_trust_lookup(const struct ns_patch_seal *seal, struct ns_trust *t);

/* apply's gate: 0 if this host's policy lets PATCH be applied; else -1
 * and one line in ERR saying why. */
int ns_trust_check(const struct ns_patch *patch, struct ns_err *err);

#endif
