# tests/lib/pt.sh — the per-thread target (tests/cases/pt) under the kill
# matrix (t_pt_kill_steps, t_pt_asleep_kill_steps, t_pt_complete_kill_steps);
# sourced by tests/lib.sh.

# pt_version: old (v1), new (v2) or v3 once the workers and the loop
# thread all run one version (it waits up to 4 s for those still on their
# way to an update point), after checking that the target is alive and
# that no worker ever mixed two versions between two update points.
pt_version() {
	local v i
	expect_alive >&2
	[ "$(ask mixed)" = 0 ] || fail "a worker mixed versions"
	for ((i = 0; i < 200; i++)); do
		v=$(ask v)
		case $v in "workers=old loop=old" | "workers=new loop=new" | \
			"workers=v3 loop=v3") break ;; esac
		sleep 0.02
	done
	case $v in
	"workers=old loop=old") echo old ;;
	"workers=new loop=new") echo new ;;
	"workers=v3 loop=v3") echo v3 ;;
	*) fail "the threads did not settle on one version: $v" ;;
	esac
}

# pt_kill_before_run MODE OP K: a revert run starts from patch "fix"
# (fix.nsp) applied (kill_matrix's before-run callback).
pt_kill_before_run() {
	if [ "$2" = revert ]; then
		expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
	fi
}

# pt_kill_after_run MODE OP K RC: one version (the test's `settled`), the
# usual exit code, then whatever is left reverted and nothing of nonstop
# remaining (kill_matrix's after-run callback).
pt_kill_after_run() {
	local v
	v=$(settled) || exit 1
	note "$1 $2 at step $3: exit $4, $v"
	kill_verdict "$@" "$v"
	kill_clean fix
}
