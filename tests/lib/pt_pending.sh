# tests/lib/pt_pending.sh — per-thread transitions left pending and
# completed later (t_pt_complete_later, t_pt_complete_kill_steps); sourced
# by tests/lib.sh. They run the pt case's target with --held (a thread
# "held" that the commands hold and release keep from its update point)
# and patch A (v1 -> v2), B (v2 -> v4, stacked on A), made by
# pt_pending_build.

# pt_pending_build: builds the pt case (v1, v2, v4) and the patches A.nsp
# and B.nsp.
pt_pending_build() {
	build_case pt --libnonstop
	build_version --libnonstop pt v4 v2 v4
	expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog \
		--new-binary v2/prog v1 v2
	expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v2/prog \
		--new-binary v4/prog v2 v4
}

# pt_dispatchers NAME: where the dispatchers of patch NAME stand, as
# `status --json` says ("switching", "to-retire", "under-later",
# "retired"; nothing if it says nothing).
pt_dispatchers() {
	"$NONSTOP" status --json "$TPID" |
		grep -o "{\"name\":\"$1\",[^[]*" |
		sed -n 's/.*"dispatchers":"\([a-z-]*\)".*/\1/p'
}

# pt_wait_dispatchers NAME WANT: until they stand at WANT (at most 4 s).
pt_wait_dispatchers() {
	local got i
	for ((i = 0; i < 200; i++)); do
		got=$(pt_dispatchers "$1")
		[ "$got" = "$2" ] && { note "ok: dispatchers of $1: $got"; return 0; }
		sleep 0.02
	done
	fail "dispatchers of $1: '$got', expected '$2'"
}

# pt_entry_leads NAME FUNC: "new" if the entry of FUNC jumps straight to
# patch NAME's code for it, else where its pad's jump goes (hex): a
# redirected entry holds a 2-byte jump to the pad before the function,
# which holds a 5-byte jmp (src/transition/dispatch.h).
pt_entry_leads() {
	local rec old new pad op rel target
	rec=$("$NONSTOP" status --json "$TPID" | grep -o "{\"name\":\"$1\",[^]]*]")
	old=$(sed -n "s/.*\"name\":\"$2\",\"old\":\"0x\([0-9a-f]*\)\".*/\1/p" <<<"$rec")
	new=$(sed -n "s/.*\"name\":\"$2\",\"old\":\"0x[0-9a-f]*\",\"new\":\"0x\([0-9a-f]*\)\".*/\1/p" <<<"$rec")
	[ -n "$old" ] && [ -n "$new" ] || fail "status --json: no $2 in patch $1: $rec"
	pad=$((16#$old - 5))
	op=$(_pt_read "$pad" 1 | od -An -t x1 | tr -d ' ')
	[ "$op" = e9 ] || fail "the pad of $2 holds no jmp (first byte '$op')"
	rel=$(_pt_read $((pad + 1)) 4 | od -An -t d4 | tr -d ' ')
	target=$((pad + 5 + rel))
	if [ "$target" = $((16#$new)) ]; then
		echo new
	else
		printf '%x\n' "$target"
	fi
}

# _pt_read ADDR LEN: LEN bytes of the target's memory at ADDR.
_pt_read() {
	dd if="/proc/$TPID/mem" bs=4096 iflag=skip_bytes,count_bytes \
		skip="$1" count="$2" status=none
}

# pt_entries_agree NAME: the entries of every function of patch NAME
# (applied, no later patch over it) agree with its record: all straight
# to its code when its dispatchers are retired, all to its dispatchers
# otherwise — never some of each.
pt_entries_agree() {
	local d f want=new got
	d=$(pt_dispatchers "$1")
	[ "$d" = retired ] || want=dispatcher
	for f in ver_a ver_b handler; do
		got=$(pt_entry_leads "$1" "$f")
		[ "$got" = new ] || got=dispatcher
		[ "$got" = "$want" ] ||
			fail "patch $1 ($d): the entry of $f leads to the $got, not the $want"
	done
}

# pt_pending_apply PATCH: applies PATCH while the thread "held" waits: it
# is left pending, that thread named.
pt_pending_apply() {
	expect_exit 0 "$NONSTOP" apply --timeout 0.5 --leave-pending "$TPID" "$1"
	expect_stdout_match 'pending'
	expect_stderr_match 'thread [0-9]+ \(held\) has not passed an update point'
}

# pt_left_switched: A applied and left pending while "held" waited, then
# "held" let go: every thread switched, A's dispatchers wait for the next
# command to retire them.
pt_left_switched() {
	expect_eq held "$(ask hold)" "hold"
	pt_pending_apply A.nsp
	expect_eq released "$(ask release)" "release"
	pt_wait_dispatchers A to-retire
	wait_answer "workers=new loop=new" v
}
