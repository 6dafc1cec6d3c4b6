/* patch_seal.c — makes and checks the seal that ends every patch file
 * (its layout is below): the SHA-256 of the body and, for a signed
 * patch, the signer's Ed25519 public key, its key id and the signature.
 * Also loads the private key `nonstop build --sign` signs with. Every
 * cryptographic step is OpenSSL's (EVP API); nothing here is hand-rolled. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "patch/patch_seal.h"
#include "util/err.h"

/* The seal on disk: one struct ns_seal (NS_SEAL_SIZE bytes) at the very end
 * of the file, after the ELF object (the "body", patch_format.h); readelf
 * ignores it. The reader checks it FIRST, before libelf sees a byte of the
 * body:
 *   magic      NS_SEAL_MAGIC; a file without it has no digest (older
 *              nonstop, or not a patch file) and is refused
 *   version    NS_SEAL_VERSION
 *   flags      0 (unsigned) or NS_SEAL_SIGNED; any other bit is refused
 *   body_size  the size of the body: the file is exactly body + seal
 *   digest     SHA-256 of every byte of the body
 *   key_id     signed: SHA-256 of public_key; unsigned: all zero
 *   public_key signed: the signer's raw Ed25519 public key (RFC 8032, 32
 *              bytes); unsigned: all zero
 *   signature  signed: Ed25519 signature over the seal's first
 *              NS_SEAL_SIGNED_BYTES bytes (every field above, digest
 *              included); unsigned: all zero
 * So every byte of the file is covered: the body by the digest, the seal
 * by the signature, or, unsigned, by these exact checks (a damaged seal of
 * an unsigned patch fails them or the digest). */
#define NS_SEAL_MAGIC   "NS-SEAL" /* 8 bytes with its NUL */
#define NS_SEAL_VERSION 1
#define NS_SEAL_SIGNED  1u        /* flags: key_id, public_key, signature */

struct ns_seal {
	char     magic[8];
	uint32_t version;
	uint32_t flags;
	uint64_t body_size;
	uint8_t  digest[NS_DIGEST_LEN];
	uint8_t  key_id[NS_DIGEST_LEN];
	uint8_t  public_key[NS_KEY_LEN];
	uint8_t  signature[64];
};
#define NS_SEAL_SIGNED_BYTES offsetof(struct ns_seal, signature)

_Static_assert(sizeof(struct ns_seal) == NS_SEAL_SIZE, "seal layout");
_Static_assert(NS_SEAL_SIGNED_BYTES == 120, "seal signed prefix");

/* A PEM key is a few hundred bytes; this bounds what a key file may make
 * nonstop read. */
#define NS_KEY_FILE_MAX (64 * 1024)

struct ns_sign_key {
	EVP_PKEY *pkey;
	uint8_t   public_key[NS_KEY_LEN];
	uint8_t   key_id[NS_DIGEST_LEN];
};

/* OpenSSL's reason for its last failure, into BUF, for a message; clears
 * its error queue. */
#define SSL_REASON_LEN 256
static const char *ssl_reason(char *buf)
{
	unsigned long e = ERR_peek_last_error();

	if (!e)
		return "no reason given";
	ERR_error_string_n(e, buf, SSL_REASON_LEN);
	ERR_clear_error();
	return buf;
}

static int sha256(const void *data, size_t len, uint8_t *out)
{
	unsigned int n = 0;

	if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) ||
	    n != NS_DIGEST_LEN)
		return -1;
	return 0;
}

int ns_key_id(const uint8_t *public_key, uint8_t *key_id)
{
	return sha256(public_key, NS_KEY_LEN, key_id);
}

void ns_key_name(const uint8_t *key_id, char *out)
{
	memcpy(out, "SHA256:", 7);
	for (size_t i = 0; i < NS_DIGEST_LEN; i++)
		sprintf(out + 7 + 2 * i, "%02x", key_id[i]);
}

/* PEM_read_bio_PrivateKey asks on the terminal for the passphrase of an
 * encrypted key unless told otherwise: nonstop has none to give. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/* Reads the PEM key in FD (PATH names it in messages): a private key if
 * PRIV, else a public one. It must be an Ed25519 key in a regular file of
 * at most NS_KEY_FILE_MAX bytes (not a FIFO that would block, not a
 * device). Its raw public key goes to PUBLIC_KEY; returns the key, or NULL
 * with a message in ERR. */
static EVP_PKEY *read_key(int fd, const char *path, int priv,
			  uint8_t *public_key, struct ns_err *err)
{
	const char *what = priv ? "signing key" : "public key";
	char why[SSL_REASON_LEN];
	size_t n = NS_KEY_LEN;
	EVP_PKEY *pkey = NULL;
	struct stat st;
	BIO *bio;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > NS_KEY_FILE_MAX) {
		ns_err_set(err, "%s %s: not a regular file of at most %d bytes",
		     what, path, NS_KEY_FILE_MAX);
		return NULL;
	}
	bio = BIO_new_fd(fd, BIO_NOCLOSE);
	if (bio)
		pkey = priv ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) :
			      PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey) {
		ns_err_set(err, "%s %s: not %s (%s)", what, path,
		     priv ? "an unencrypted PEM private key" : "a PEM public key",
		     ssl_reason(why));
		return NULL;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
		ns_err_set(err, "%s %s: key type %s; nonstop %s Ed25519 keys only "
		     "(make one with: openssl genpkey -algorithm ed25519 -out "
		     "KEY.pem)", what, path, EVP_PKEY_get0_type_name(pkey) ?
		     EVP_PKEY_get0_type_name(pkey) : "non-Ed25519",
		     priv ? "signs with" : "trusts");
		goto fail;
	}
	if (!EVP_PKEY_get_raw_public_key(pkey, public_key, &n) || n != NS_KEY_LEN) {
		ns_err_set(err, "%s %s: %s", what, path, ssl_reason(why));
		goto fail;
	}
	return pkey;
fail:
	EVP_PKEY_free(pkey);
	return NULL;
}

int ns_public_key_read(int fd, const char *path, uint8_t *public_key,
		       struct ns_err *err)
{
	EVP_PKEY *pkey = read_key(fd, path, 0, public_key, err);

	EVP_PKEY_free(pkey);
	return pkey ? 0 : -1;
}

struct ns_sign_key *ns_sign_key_load(const char *path, struct ns_err *err)
{
	struct ns_sign_key *key = calloc(1, sizeof(*key));
	int fd;

	if (!key) {
		ns_err_set(err, "signing key %s: out of memory", path);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ns_err_set(err, "signing key %s: %s", path, strerror(errno));
		goto fail;
	}
	key->pkey = read_key(fd, path, 1, key->public_key, err);
	close(fd);
	if (!key->pkey)
		goto fail;
	if (ns_key_id(key->public_key, key->key_id)) {
		ns_err_set(err, "signing key %s: SHA-256 failed", path);
		goto fail;
	}
	return key;
fail:
	ns_sign_key_free(key);
	return NULL;
}

void ns_sign_key_free(struct ns_sign_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

const uint8_t *ns_sign_key_id(const struct ns_sign_key *key)
{
	return key->key_id;
}

/* Signs the first NS_SEAL_SIGNED_BYTES of S into its signature. */
static int sign_seal(struct ns_seal *s, const struct ns_sign_key *key,
		     struct ns_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char why[SSL_REASON_LEN];
	size_t n = sizeof(s->signature);
	int ok;

	/* Ed25519 is one-shot and hashes by itself: no digest is named. */
	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
	     EVP_DigestSign(ctx, s->signature, &n, (const uint8_t *)s,
			    NS_SEAL_SIGNED_BYTES) == 1 &&
	     n == sizeof(s->signature);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return ns_err_set(err, "signing the patch: %s", ssl_reason(why));
	return 0;
}

int ns_seal_make(const uint8_t *body, size_t len, const struct ns_sign_key *key,
		 uint8_t *seal, struct ns_err *err)
{
	char why[SSL_REASON_LEN];
	struct ns_seal s;

	memset(&s, 0, sizeof(s));
	memcpy(s.magic, NS_SEAL_MAGIC, sizeof(s.magic));
	s.version = NS_SEAL_VERSION;
	s.body_size = len;
	if (sha256(body, len, s.digest))
		return ns_err_set(err, "SHA-256 of the patch: %s", ssl_reason(why));
	if (key) {
		s.flags = NS_SEAL_SIGNED;
		memcpy(s.key_id, key->key_id, sizeof(s.key_id));
		memcpy(s.public_key, key->public_key, sizeof(s.public_key));
		if (sign_seal(&s, key, err))
			return -1;
	}
	memcpy(seal, &s, sizeof(s));
	return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* 1 if the signature of S verifies with its own public key, else 0. */
static int signature_verifies(const struct ns_seal *s)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
						     s->public_key,
						     sizeof(s->public_key));
	EVP_MD_CTX *ctx = pkey ? EVP_MD_CTX_new() : NULL;
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		 EVP_DigestVerify(ctx, s->signature, sizeof(s->signature),
				  (const uint8_t *)s, NS_SEAL_SIGNED_BYTES) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return ok;
}

/* The fields of S, each exactly as the writer makes them. */
static int check_fields(const struct ns_seal *s, size_t body_len,
			struct ns_err *err)
{
	uint8_t id[NS_DIGEST_LEN];
	char why[SSL_REASON_LEN];

	if (s->version != NS_SEAL_VERSION)
		return ns_err_set(err, "damaged, or sealed by a newer nonstop: "
			    "seal version %u, this nonstop reads %u", s->version,
			    NS_SEAL_VERSION);
	if (s->flags & ~NS_SEAL_SIGNED)
		return ns_err_set(err, "damaged: unknown seal flags %#x", s->flags);
	if (s->body_size != body_len)
		return ns_err_set(err, "damaged: its seal is for %llu bytes of "
			    "content, the file has %zu",
			    (unsigned long long)s->body_size, body_len);
	if (!(s->flags & NS_SEAL_SIGNED)) {
		if (!all_zero(s->key_id, sizeof(s->key_id)) ||
		    !all_zero(s->public_key, sizeof(s->public_key)) ||
		    !all_zero(s->signature, sizeof(s->signature)))
			return ns_err_set(err, "damaged: its seal says it is "
				    "unsigned but holds key or signature bytes");
		return 0;
	}
	if (ns_key_id(s->public_key, id))
		return ns_err_set(err, "SHA-256: %s", ssl_reason(why));
	if (memcmp(id, s->key_id, sizeof(id)))
		return ns_err_set(err, "damaged: the key id in its seal is not "
			    "the SHA-256 of the public key there");
	return 0;
}

int ns_seal_check(const uint8_t *file, size_t len, size_t *body_len,
		  struct ns_patch_seal *out, struct ns_err *err)
{
	uint8_t digest[NS_DIGEST_LEN];
	char name[NS_KEY_NAME_LEN], why[SSL_REASON_LEN];
	struct ns_seal s;
	size_t blen;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(s) ||
	    memcmp(file + len - sizeof(s), NS_SEAL_MAGIC, sizeof(s.magic)))
		return ns_err_set(err, "no digest: written by an older nonstop, "
			    "or not a patch file (rebuild it)");
	blen = len - sizeof(s);
	memcpy(&s, file + blen, sizeof(s));
	if (check_fields(&s, blen, err))
		return -1;
	if (sha256(file, blen, digest))
		return ns_err_set(err, "SHA-256: %s", ssl_reason(why));
	if (memcmp(digest, s.digest, sizeof(digest)))
		return ns_err_set(err, "damaged: its content does not match its "
			    "digest");
	if ((s.flags & NS_SEAL_SIGNED) && !signature_verifies(&s)) {
		ns_key_name(s.key_id, name);
		return ns_err_set(err, "its signature by key %s does not verify: "
			    "the patch or its seal was altered after signing", name);
	}
	memcpy(out->digest, s.digest, sizeof(out->digest));
	out->is_signed = !!(s.flags & NS_SEAL_SIGNED);
	memcpy(out->key_id, s.key_id, sizeof(out->key_id));
	memcpy(out->public_key, s.public_key, sizeof(out->public_key));
	*body_len = blen;
	return 0;
}
