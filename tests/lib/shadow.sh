# tests/lib/shadow.sh — the shadow-variable scenario that t_shadow
# (stop-the-world) and t_shadow_pt (per-thread) run (sourced by
# tests/lib.sh), with the case tests/cases/shadow built (v1, v2, v3) and
# its target started.
#
#   shadow_scenario MODE     MODE: the mode apply must report
#                            ("stop-the-world" or "per-thread")

# shadow_maps: the lines of the target's maps for the shadow root's mapping.
shadow_maps() {
	grep 'nonstop:shadow' "/proc/$TPID/maps" || true
}

# shadow_apply PATCH MODE: applies PATCH, which must report MODE.
shadow_apply() {
	expect_exit 0 "$NONSTOP" apply "$TPID" "$1"
	expect_stdout_match "\\($2 mode\\)"
}

shadow_scenario() {
	local mode=$1 root used full freed

	expect_eq 0 "$(ask hit 0)" "v1 visit(item 0)"
	expect_eq -1 "$(ask check)" "v1 check()"
	expect_eq "" "$(shadow_maps)" "a shadow root mapping before any patch"
	nm v1/prog | grep -q nonstop__shadow_root &&
		fail "v1/prog has a shadow root of its own: the case is meant to have none"

	# A: a counter per item, in a shadow variable. The program has no
	# root: apply makes nonstop:shadow, one page.
	shadow_apply A.nsp "$mode"
	root=$(shadow_maps)
	[ "$(grep -c . <<<"$root")" = 1 ] || fail "expected one nonstop:shadow mapping, got: $root"
	note "root: $root"
	expect_eq 1 "$(ask hit 0)" "item 0, first call with A"
	expect_eq 2 "$(ask hit 0)" "item 0, second call: the counter is kept"
	expect_eq 1 "$(ask hit 1)" "item 1: a counter of its own"
	expect_eq 3 "$(ask hit 0)" "item 0 again"
	expect_eq 3 "$(ask peek 0)" "peek(item 0)"
	expect_eq -1 "$(ask peek 2)" "peek(item 2), never visited: no shadow"
	expect_eq 0 "$(ask check)" "check(): alloc/get/free behave as documented"

	# B, built on A's result, shares the counters (same id, same root).
	shadow_apply B.nsp "$mode"
	expect_eq "$root" "$(shadow_maps)" "the root mapping with B"
	expect_eq 13 "$(ask hit 0)" "item 0 with B: A's counter, plus 10"
	expect_eq 11 "$(ask hit 1)" "item 1 with B"
	expect_eq 10 "$(ask hit 2)" "item 2 with B: a new counter"
	expect_exit 0 "$NONSTOP" revert "$TPID" B
	expect_eq 14 "$(ask hit 0)" "item 0 with A again: B's counts are kept"

	# Reverting A leaves the root and the counters (nothing freed them).
	expect_exit 0 "$NONSTOP" revert "$TPID" A
	expect_eq 0 "$(ask hit 0)" "v1 visit(item 0) after the reverts"
	expect_eq -1 "$(ask peek 0)" "v1 peek(item 0) after the reverts"
	expect_eq "$root" "$(shadow_maps)" "the root mapping after the reverts"
	expect_exit 0 "$NONSTOP" status "$TPID"
	expect_stdout_match 'no patches applied'
	shadow_apply A.nsp "$mode"
	expect_eq "$root" "$(shadow_maps)" "the root mapping with A applied again"
	expect_eq 15 "$(ask hit 0)" "item 0 with A applied again: its counter is still there"
	expect_eq 11 "$(ask peek 1)" "item 1's counter, too"

	# free_all: every counter goes, and their memory with them.
	used=$(ask heap)
	expect_eq 1036 "$(ask hitall)" "hitall: 16 + 12 + 11 + 997 new counters of 1"
	full=$(ask heap)
	expect_eq 1 "$(ask drop)" "drop(): free_all"
	freed=$(ask heap)
	note "heap in use: $used before hitall, $full after, $freed after free_all"
	[ $((full - freed)) -ge $((1000 * 40)) ] ||
		fail "free_all released $((full - freed)) bytes of 1000 shadow variables"
	expect_eq -1 "$(ask peek 0)" "peek(item 0) after free_all"
	expect_eq 1 "$(ask hit 0)" "item 0 after free_all: a new counter"

	expect_exit 0 "$NONSTOP" revert "$TPID"
	expect_exit 0 "$NONSTOP" status "$TPID"
	expect_stdout_match 'no patches applied'
	expect_eq "$root" "$(shadow_maps)" "the root stays for the life of the process"
	expect_alive
}
