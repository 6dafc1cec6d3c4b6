/* patch_seal.h — the seal at the end of a patch file: the SHA-256 digest of
 * everything before it and, for a signed patch, the signer's Ed25519 key and
 * signature (its layout is patch_seal.c's). Also the signing key `build --sign`
 * loads. All cryptography is OpenSSL's libcrypto (EVP). */
#ifndef NONSTOP_PATCH_SEAL_H
#define NONSTOP_PATCH_SEAL_H
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

#define NS_DIGEST_LEN 32   /* SHA-256 */
#define NS_KEY_LEN    32   /* a raw Ed25519 public key */
#define NS_SEAL_SIZE  184  /* sizeof(struct ns_seal), patch_seal.c */

/* What a checked seal says about the patch (struct ns_patch.seal). */
struct ns_patch_seal {
	uint8_t digest[NS_DIGEST_LEN];  /* SHA-256 of the body */
	int     is_signed;              /* and the signature verified */
	uint8_t key_id[NS_DIGEST_LEN];  /* signed: SHA-256 of public_key */
	uint8_t public_key[NS_KEY_LEN]; /* signed: the signer's key */
};

/* An Ed25519 private key to sign patches with. */
struct ns_sign_key;

/* Loads the PEM private key at PATH (as `openssl genpkey -algorithm
 * ed25519` writes it). Any other key type, an encrypted key or a file that
 * is not a key is refused: NULL with a message in ERR. */
struct ns_sign_key *ns_sign_key_load(const char *path, struct ns_err *err);
void ns_sign_key_free(struct ns_sign_key *key);
/* The key id of KEY (NS_DIGEST_LEN bytes): SHA-256 of its public key. */
const uint8_t *ns_sign_key_id(const struct ns_sign_key *key);

/* Writes into SEAL (NS_SEAL_SIZE bytes) the seal of BODY (LEN bytes): its
 * digest, and with KEY (may be NULL: unsigned) the key and signature. 0, or
 * -1 with a message in ERR. */
int ns_seal_make(const uint8_t *body, size_t len, const struct ns_sign_key *key,
		 uint8_t *seal, struct ns_err *err);

/* Checks the seal at the end of FILE (LEN bytes): its fields, the digest of
 * the body and, if signed, the signature. 0 with the body's length in
 * *BODY_LEN and what the seal says in OUT; -1 with a message in ERR (to be
 * put after "patch file NAME: "). */
int ns_seal_check(const uint8_t *file, size_t len, size_t *body_len,
		  struct ns_patch_seal *out, struct ns_err *err);

/* "SHA256:" and the hex of KEY_ID: how a key is named to users. */
#define NS_KEY_NAME_LEN (7 + 2 * NS_DIGEST_LEN + 1)
void ns_key_name(const uint8_t *key_id, char *out);

/* Reads the Ed25519 public key in PEM (as `openssl pkey -pubout` writes
 * it) from FD, a regular file of a few kilobytes (PATH names it in
 * messages), into PUBLIC_KEY (NS_KEY_LEN raw bytes). Any other key type is
 * refused. 0, or -1 with a message in ERR. */
int ns_public_key_read(int fd, const char *path, uint8_t *public_key,
		       struct ns_err *err);

/* The SHA-256 of a raw public key: its key id. 0, or -1. */
int ns_key_id(const uint8_t *public_key, uint8_t *key_id);

#endif
