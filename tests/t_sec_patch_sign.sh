# Signed patches. build --sign KEY.pem seals a patch with an Ed25519
# signature; show names the key (SHA256: of its raw public key) and says
# whether this host trusts it. With the key's public half in the keys
# directory (NONSTOP_KEYS_DIR), the signed patch applies, while an
# unsigned patch, one signed by another key and one whose signature bytes
# were altered are each refused with one line, the target untouched. A
# signature that does not verify is refused even with no policy; with no
# policy an unsigned patch applies. A key of another type is refused by
# build.
. "$TEST_LIB"
build_case global_func
openssl genpkey -algorithm ed25519 -out mine.pem 2>/dev/null || fail "openssl genpkey"
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null || fail "openssl genpkey"
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null ||
	fail "openssl genpkey rsa"
# A key id: the SHA-256 of the raw public key (the last 32 bytes of its DER).
key_id() {
	openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | sha256sum | cut -c1-64
}
mine=$(key_id mine.pem)
mkdir -m 755 keys
openssl pkey -in mine.pem -pubout -out keys/mine.pem || fail "openssl pkey -pubout"
chmod 644 keys/mine.pem
export NONSTOP_KEYS_DIR=$PWD/nokeys # none yet: no policy

expect_exit 0 "$NONSTOP" build --sign mine.pem -o signed.nsp --binary v1/prog v1 v2
expect_stdout_match "signed by key SHA256:$mine"
expect_exit 0 "$NONSTOP" build --sign other.pem -o other.nsp --binary v1/prog v1 v2
make_patch unsigned.nsp
expect_exit 1 "$NONSTOP" build --sign rsa.pem -o rsa.nsp --binary v1/prog v1 v2
expect_one_error_line
expect_stderr_match 'signing key rsa\.pem: key type RSA; nonstop signs with Ed25519 keys only'
[ ! -e rsa.nsp ] || fail "build wrote a patch with a refused key"

# One bit of the signature (the file's last 64 bytes), altered.
cp signed.nsp altered.nsp
flip_bit altered.nsp $(( ($(stat -c %s altered.nsp) - 1) * 8 + 5 ))

expect_exit 0 "$NONSTOP" show signed.nsp
expect_stdout_match "^digest: +[0-9a-f]{64} \(SHA-256\)$"
expect_stdout_match "^seal: +signed by key SHA256:$mine \(this host has no key policy"
expect_exit 0 "$NONSTOP" show unsigned.nsp
expect_stdout_match '^seal: +unsigned'

start_target v1/prog
maps_snapshot maps.before
# No policy: a signature that does not verify is still refused.
expect_exit 1 "$NONSTOP" apply "$TPID" altered.nsp
expect_one_error_line
expect_stderr_match "altered\.nsp: its signature by key SHA256:$mine does not verify"

export NONSTOP_KEYS_DIR=$PWD/keys
expect_exit 0 "$NONSTOP" show signed.nsp
expect_stdout_match "^seal: +signed by key SHA256:$mine \(trusted: $PWD/keys/mine\.pem\)$"
expect_exit 0 "$NONSTOP" show --json signed.nsp
expect_stdout_match "\"signed_by\":\"SHA256:$mine\",\"trust\":\"trusted\",\"key_file\":\"$PWD/keys/mine\.pem\""
expect_exit 0 "$NONSTOP" show other.nsp
expect_stdout_match "^seal: +signed by key SHA256:$(key_id other.pem) \(not trusted by this host's policy\)$"
expect_exit 0 "$NONSTOP" show --json unsigned.nsp
expect_stdout_match '"signed_by":null,"trust":"untrusted"'

expect_exit 1 "$NONSTOP" apply "$TPID" unsigned.nsp
expect_one_error_line
expect_stderr_match "patch 'unsigned' is not signed, and this host applies only patches signed by a key in $PWD/keys"
expect_exit 1 "$NONSTOP" apply "$TPID" other.nsp
expect_one_error_line
expect_stderr_match "patch 'other' is signed by key SHA256:$(key_id other.pem), which is not in $PWD/keys"
expect_exit 1 "$NONSTOP" apply "$TPID" altered.nsp
expect_one_error_line
expect_stderr_match 'does not verify'
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after refused patches"
expect_eq 6 "$(ask call 5)" "compute(5) after the refusals"
expect_alive

expect_exit 0 "$NONSTOP" apply "$TPID" signed.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with the signed patch"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 6 "$(ask call 5)"
# No policy again: the unsigned patch applies as before.
export NONSTOP_KEYS_DIR=$PWD/nokeys
expect_exit 0 "$NONSTOP" apply "$TPID" unsigned.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with the unsigned patch, no policy"
