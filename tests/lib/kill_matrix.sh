# tests/lib/kill_matrix.sh — failing or killing nonstop at every step of a
# command (sourced by tests/lib.sh). nonstop counts its fault points (every
# attach, thread stop, system call run in the target, memory write, thread
# moved...) and, with NONSTOP_FAULT_AT=K, fails the Kth (or, with
# NONSTOP_FAULT_KILL=1 too, dies there by SIGKILL); NONSTOP_FAULT_LOG=1
# prints each step it passes (src/util/fault.c; docs/failures.md, "Fault
# injection").
#
# The matrix: for each mode (fail, kill), for each command the test named
# (kill_op), for K = 1 .. its step count, run the command with step K
# failing or killed, and call the test's checks:
#
#   napply=$(steps apply "$TPID" fix.nsp)
#   nrevert=$(steps revert "$TPID" fix)
#   kill_op apply "$napply" apply "$TPID" fix.nsp
#   kill_op revert "$nrevert" revert "$TPID" fix
#   kill_matrix CHECK [BEFORE [END]]
#
#   BEFORE MODE OP K     (optional) readies the target for the run
#   CHECK MODE OP K RC   checks the target after the run (RC: its exit code;
#                        its stderr is in fault.err); kill_verdict is the
#                        usual judgement of RC
#   END MODE             (optional) after every run of MODE
#
# OP is the name kill_op gave the command. KILL_MODES (default "fail kill")
# chooses the modes; KILL_MATRIX_RUNS counts the runs made.

# steps OP ARGS...: how many fault points `nonstop OP ARGS` passes on its
# way to success (it runs it).
steps() {
	NONSTOP_FAULT_LOG=1 "$NONSTOP" "$@" 2>&1 >/dev/null | grep -c '^nonstop: step'
}

# run_at MODE K OP ARGS...: runs `nonstop OP ARGS` with step K failing
# (MODE fail) or killing nonstop (MODE kill); prints its exit code. Its
# stderr is kept in fault.err.
run_at() {
	local mode=$1 k=$2 rc=0
	shift 2
	if [ "$mode" = kill ]; then
		NONSTOP_FAULT_AT=$k NONSTOP_FAULT_KILL=1 timeout 60 "$NONSTOP" "$@" \
			>/dev/null 2>fault.err || rc=$?
	else
		NONSTOP_FAULT_AT=$k timeout 60 "$NONSTOP" "$@" >/dev/null 2>fault.err || rc=$?
	fi
	echo "$rc"
}

# kill_no_leftovers: no patch memory and no memfd descriptor of nonstop's
# in the target.
kill_no_leftovers() {
	if grep -q 'nonstop:' "/proc/$TPID/maps"; then
		fail "patch memory left in the target: $(grep nonstop: "/proc/$TPID/maps")"
	fi
	if ls -l "/proc/$TPID/fd" | grep -q 'memfd:nonstop'; then
		fail "descriptor left open in the target: $(ls -l "/proc/$TPID/fd" | grep memfd)"
	fi
}

# patch_states: the state of each patch `status --json` lists in the
# target, one a line (nothing if it lists none).
patch_states() {
	"$NONSTOP" status --json "$TPID" | grep -o '"state":"[a-z]*"' | cut -d'"' -f4 || true
}

# status_agrees V STATE: the target runs the old code (V old) and STATE,
# the patch's state in `status`, is not "applied"; or it runs the new code
# (V new) and STATE is "applied".
status_agrees() {
	case $1 in
	old) [ "$2" != applied ] || fail "old code, but status says '$2'" ;;
	new) [ "$2" = applied ] || fail "new code, but status says '${2:-nothing}'" ;;
	*) fail "status_agrees: no version '$1'" ;;
	esac
}

# kill_clean NAME: reverts whatever is left of patch NAME (a revert
# continues one begun before, and sweeps what a killed nonstop left), then
# nothing of nonstop may remain in the target.
kill_clean() {
	local i
	for ((i = 0; i < 3; i++)); do
		"$NONSTOP" revert "$TPID" "$1" >/dev/null 2>&1 || true
		"$NONSTOP" status "$TPID" | grep -q 'no patches applied' && break
	done
	expect_exit 0 "$NONSTOP" status "$TPID" >/dev/null
	expect_stdout_match 'no patches applied' >/dev/null
	kill_no_leftovers
}

# kill_verdict MODE OP K RC V: what a run may end in, V being the code the
# target then runs (old or new):
#   killed: exit 137, or 0 (a run may pass fewer steps than the counted
#     one, e.g. fewer signals to let through: then it ends);
#   an apply with a step failing: exit 1 with the old code, or 0 with the
#     new (a step whose failure does not matter, closing a descriptor, may
#     fail without failing the apply);
#   a revert with a step failing: exit 1 with either, or 0 with the old.
kill_verdict() {
	local mode=$1 op=$2 k=$3 rc=$4 v=$5
	if [ "$mode" = kill ]; then
		case $rc in 137 | 0) ;; *) fail "$op killed at step $k: exit $rc" ;; esac
		return 0
	fi
	case $op/$rc/$v in
	apply/1/old | apply/0/new) ;;
	revert/1/new | revert/1/old | revert/0/old) ;;
	*) fail "$op with step $k failing exited $rc, code $v" ;;
	esac
}

_KILL_OPS=()
declare -A _KILL_STEPS=() _KILL_ARGS=()

# kill_op OP N ARGS...: the matrix runs `nonstop ARGS` (N steps: see
# steps), named OP in the calls of the test's functions, after the
# commands given before. Given again for the same OP (in BEFORE, say, for
# a target started anew), it changes that command's arguments.
kill_op() {
	local op=$1 n=$2
	shift 2
	[ -n "${_KILL_STEPS[$op]:-}" ] || _KILL_OPS+=("$op")
	_KILL_STEPS[$op]=$n
	_KILL_ARGS[$op]=$(printf '%q ' "$@")
}

# kill_op_run OP: runs the command kill_op named OP, without faults; it
# must succeed.
kill_op_run() {
	local -a args
	eval "args=(${_KILL_ARGS[$1]})"
	expect_exit 0 "$NONSTOP" "${args[@]}" >/dev/null
}

# kill_matrix CHECK [BEFORE [END]]: see above.
kill_matrix() {
	local check=$1 before=${2:-} end=${3:-} mode op k rc
	local -a args
	KILL_MATRIX_RUNS=0
	for mode in ${KILL_MODES:-fail kill}; do
		for op in "${_KILL_OPS[@]}"; do
			for ((k = 1; k <= _KILL_STEPS[$op]; k++)); do
				if [ -n "$before" ]; then
					"$before" "$mode" "$op" "$k"
				fi
				eval "args=(${_KILL_ARGS[$op]})"
				rc=$(run_at "$mode" "$k" "${args[@]}")
				"$check" "$mode" "$op" "$k" "$rc"
				KILL_MATRIX_RUNS=$((KILL_MATRIX_RUNS + 1))
			done
		done
		if [ -n "$end" ]; then
			"$end" "$mode"
		fi
	done
}

# kill_matrix_switch VERSION: the matrix of one patch applied and reverted
# in turn (kill_op apply ..., then kill_op revert ...), the patch applied
# again before each revert run and reverted before each apply run. VERSION
# is the test's function that checks the target and prints old or new.
# After each run: VERSION, kill_verdict, and no patch memory left by an
# apply that failed; after each mode, the patch reverted, nothing left.
kill_matrix_switch() {
	_KILL_VERSION=$1
	kill_matrix _kill_switch_check _kill_switch_before _kill_switch_end
}

_kill_switch_check() {
	local mode=$1 op=$2 k=$3 rc=$4 v
	note "$mode $op at step $k: exit $rc"
	v=$("$_KILL_VERSION") || exit 1
	kill_verdict "$mode" "$op" "$k" "$rc" "$v"
	if [ "$mode/$op/$rc" = fail/apply/1 ]; then
		kill_no_leftovers
	fi
	# Back to where the next run of OP starts.
	if [ "$op" = apply ] && [ "$v" = new ]; then
		kill_op_run revert
	elif [ "$op" = revert ] && [ "$v" = old ]; then
		kill_op_run apply
	fi
}

_kill_switch_before() {
	local op=$2 k=$3
	if [ "$op/$k" = revert/1 ]; then
		kill_op_run apply
	fi
}

_kill_switch_end() {
	kill_op_run revert
	kill_no_leftovers
	note "$1: every step of apply (${_KILL_STEPS[apply]}) and revert (${_KILL_STEPS[revert]}) survived"
}
