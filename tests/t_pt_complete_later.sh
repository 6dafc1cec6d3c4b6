# A per-thread transition left pending (--leave-pending) is completed by
# the next nonstop command once its last thread has switched: its
# dispatchers are retired, as the apply that waited would have done.
# The target's thread "held" is kept from its update point while A
# (v1 -> v2) is applied; once it is let go, `status` (which changes
# nothing) says every thread switched and that the next apply or revert
# retires the dispatchers. The entries still lead to them, until:
#   - an apply of B (v2 -> v4, stacked on A) completes A first: after B's
#     revert, A's entries jump straight to A's code; A then reverts;
#   - a revert of A itself completes it and reverts it;
#   - with B installed over A while both are pending, A is left alone
#     (B's dispatcher falls back to A's) and B completed; A is completed
#     by the command after the revert of B, and reverts.
# The program runs one version at a time throughout, never a mix.
# timeout: 300
. "$TEST_LIB"

build_case pt --libnonstop
build_version --libnonstop pt v4 v2 v4
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog --new-binary v4/prog v2 v4
start_target v1/prog --held

# dispatchers NAME: where the dispatchers of patch NAME stand, as
# `status --json` says ("switching", "to-retire", "under-later",
# "retired"; nothing if it says nothing).
dispatchers() {
	"$NONSTOP" status --json "$TPID" |
		grep -o "{\"name\":\"$1\",[^[]*" |
		sed -n 's/.*"dispatchers":"\([a-z-]*\)".*/\1/p'
}

# wait_dispatchers NAME WANT: until they stand at WANT (at most 4 s).
wait_dispatchers() {
	local got i
	for ((i = 0; i < 200; i++)); do
		got=$(dispatchers "$1")
		[ "$got" = "$2" ] && { note "ok: dispatchers of $1: $got"; return 0; }
		sleep 0.02
	done
	fail "dispatchers of $1: '$got', expected '$2'"
}

# entry_leads NAME FUNC: "new" if the entry of FUNC jumps straight to
# patch NAME's code for it, else where its pad's jump goes (hex): the
# entry holds a 2-byte jump to the pad before the function, which holds a
# 5-byte jmp (src/transition/dispatch.h).
entry_leads() {
	local rec old new pad op rel target
	rec=$("$NONSTOP" status --json "$TPID" | grep -o "{\"name\":\"$1\",[^]]*]")
	old=$(sed -n "s/.*\"name\":\"$2\",\"old\":\"0x\([0-9a-f]*\)\".*/\1/p" <<<"$rec")
	new=$(sed -n "s/.*\"name\":\"$2\",\"old\":\"0x[0-9a-f]*\",\"new\":\"0x\([0-9a-f]*\)\".*/\1/p" <<<"$rec")
	[ -n "$old" ] && [ -n "$new" ] || fail "status --json: no $2 in patch $1: $rec"
	pad=$((16#$old - 5))
	rd() { dd if="/proc/$TPID/mem" bs=4096 iflag=skip_bytes,count_bytes \
		skip="$1" count="$2" status=none; }
	op=$(rd "$pad" 1 | od -An -t x1 | tr -d ' ')
	[ "$op" = e9 ] || fail "the pad of $2 holds no jmp (first byte $op)"
	rel=$(rd $((pad + 1)) 4 | od -An -t d4 | tr -d ' ')
	target=$((pad + 5 + rel))
	if [ "$target" = $((16#$new)) ]; then
		echo new
	else
		printf '%x\n' "$target"
	fi
}

# pending_apply PATCH: applies PATCH while the thread "held" waits: it
# is left pending, that thread named.
pending_apply() {
	expect_exit 0 "$NONSTOP" apply --timeout 0.5 --leave-pending "$TPID" "$1"
	expect_stdout_match 'pending'
	expect_stderr_match 'thread [0-9]+ \(held\) has not passed an update point'
}

# no_leftovers: no patch, no patch memory, no mix ever seen.
no_leftovers() {
	expect_exit 0 "$NONSTOP" status "$TPID"
	expect_stdout_match 'no patches applied'
	grep -q 'nonstop:' "/proc/$TPID/maps" && fail "patch memory left: $(grep nonstop: "/proc/$TPID/maps")"
	expect_eq 0 "$(ask mixed)" "mixed pairs"
}

note "--- A left pending; completed by the apply of B"
expect_eq held "$(ask hold)" "hold"
pending_apply A.nsp
wait_answer "workers=new loop=new" v
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'switching per thread'
expect_stdout_match 'held .*not switched'
expect_eq switching "$(dispatchers A)" "dispatchers of A"
expect_ne new "$(entry_leads A ver_a)" "where ver_a's entry leads"
expect_eq released "$(ask release)" "release"
wait_dispatchers A to-retire
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'all on the newest code'
expect_stdout_match 'switched per thread; the next apply or revert retires its dispatchers'
# status changed nothing
expect_ne new "$(entry_leads A ver_a)" "where ver_a's entry leads after status"
expect_exit 0 "$NONSTOP" apply "$TPID" B.nsp
expect_eq retired "$(dispatchers A)" "dispatchers of A"
expect_eq retired "$(dispatchers B)" "dispatchers of B"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'A  \[applied per thread, dispatchers retired'
wait_answer "workers=v3 loop=v3" v
expect_exit 0 "$NONSTOP" revert "$TPID" B
wait_answer "workers=new loop=new" v
for f in ver_a ver_b handler; do
	expect_eq new "$(entry_leads A $f)" "where $f's entry leads once B is reverted"
done
expect_eq retired "$(dispatchers A)" "dispatchers of A"
expect_exit 0 "$NONSTOP" revert "$TPID" A
wait_answer "workers=old loop=old" v
no_leftovers

note "--- A left pending; completed and reverted by its own revert"
expect_eq held "$(ask hold)" "hold"
pending_apply A.nsp
expect_eq released "$(ask release)" "release"
wait_dispatchers A to-retire
wait_answer "workers=new loop=new" v
expect_exit 0 "$NONSTOP" revert "$TPID" A
wait_answer "workers=old loop=old" v
no_leftovers

note "--- B installed over A, both pending: B completed, A after B's revert"
expect_eq held "$(ask hold)" "hold"
pending_apply A.nsp
pending_apply B.nsp
wait_answer "workers=v3 loop=v3" v
expect_eq released "$(ask release)" "release"
wait_dispatchers B to-retire
expect_eq under-later "$(dispatchers A)" "dispatchers of A"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'its dispatchers stay under a later patch'
expect_exit 0 "$NONSTOP" revert "$TPID" B
wait_answer "workers=new loop=new" v
expect_eq to-retire "$(dispatchers A)" "dispatchers of A once B is reverted"
expect_ne new "$(entry_leads A ver_a)" "where ver_a's entry leads"
expect_exit 0 "$NONSTOP" revert "$TPID" A
wait_answer "workers=old loop=old" v
no_leftovers
expect_alive
