# The keys directory decides what runs as root in any process, so nonstop
# believes it only if nobody else could have changed it: a keys directory
# that is group- or world-writable, a symlink, or owned by another user,
# and a key file that is group-writable, a symlink, owned by another user,
# or not an Ed25519 public key, each make apply refuse every patch, even a
# patch signed by a trusted key, with one line naming the file and why;
# the target is untouched. Once fixed, the signed patch applies.
. "$TEST_LIB"
build_case global_func
openssl genpkey -algorithm ed25519 -out mine.pem 2>/dev/null || fail "openssl genpkey"
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null ||
	fail "openssl genpkey rsa"
expect_exit 0 "$NONSTOP" build --sign mine.pem -o signed.nsp --binary v1/prog v1 v2
mkdir -m 755 keys
openssl pkey -in mine.pem -pubout -out keys/mine.pem || fail "openssl pkey -pubout"
chmod 644 keys/mine.pem
export NONSTOP_KEYS_DIR=$PWD/keys
uid=$(ensure_user ns-attacker)
start_target v1/prog
maps_snapshot maps.before

# refused ERE: apply of the signed patch exits 1 with one line matching ERE.
refused() {
	expect_exit 1 "$NONSTOP" apply "$TPID" signed.nsp
	expect_one_error_line
	expect_stderr_match "key policy is refused.*$1"
}

chmod 775 keys
refused "$PWD/keys is group- or world-writable \(mode 0775\)"
chmod 757 keys
refused "$PWD/keys is group- or world-writable \(mode 0757\)"
chmod 755 keys
chown ns-attacker keys
refused "$PWD/keys is owned by uid $uid, neither root nor the caller"
chown root keys

chmod 664 keys/mine.pem
refused "$PWD/keys/mine\.pem is group- or world-writable \(mode 0664\)"
chmod 644 keys/mine.pem
chown ns-attacker keys/mine.pem
refused "$PWD/keys/mine\.pem is owned by uid $uid"
chown root keys/mine.pem

ln -s "$PWD/keys/mine.pem" keys/link.pem
refused "$PWD/keys/link\.pem is a symbolic link"
rm keys/link.pem
openssl pkey -in rsa.pem -pubout -out keys/rsa.pem || fail "openssl pkey -pubout"
refused "$PWD/keys/rsa\.pem: key type RSA"
rm keys/rsa.pem
echo "not a key" >keys/junk.pem
refused "$PWD/keys/junk\.pem: not a PEM public key"
rm keys/junk.pem

mv keys real-keys
ln -s real-keys keys
refused "$PWD/keys is a symbolic link"
rm keys
mv real-keys keys

expect_exit 0 "$NONSTOP" show signed.nsp
expect_stdout_match '\(trusted: '
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after refused applies"
expect_eq 6 "$(ask call 5)" "compute(5) after the refusals"
expect_alive
expect_exit 0 "$NONSTOP" apply "$TPID" signed.nsp
expect_eq 500 "$(ask call 5)" "compute(5) with the signed patch, the policy fixed"
