# A thread parked (sleeping in nanosleep) inside a callee of NEW code from
# patch A — worker -> run_job -> step (A's copy) -> park (new in A) ->
# nanosleep — is unwound through A's frames with A's CFI, and judged by its
# real callers: (a) an unrelated patch B applies at once (without CFI in
# patches the unwind stopped in park and every apply timed out); (b) a
# patch C replacing run_job, which the thread will return into through A's
# frames, is refused naming run_job, and a patch D replacing step() again
# is refused naming A's copy of step, which the thread will return into;
# (c) reverting A is refused naming A's function park. Once the thread
# leaves, A reverts and C applies.
. "$TEST_LIB"

build_version() { # NAME DIR...: v1 with each DIR's files laid over it
	local name=$1 d
	shift
	mkdir -p "src-$name"
	cp "$CASES/unwind_patch/v1"/*.c "src-$name"/
	for d in "$@"; do
		cp "$CASES/unwind_patch/$d"/*.c "src-$name"/
	done
	compile_dir "src-$name" "$name"
}
# wait_for CMD WANT: until the target answers CMD with WANT (5 s at most).
wait_for() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ "$(ask "$1")" = "$2" ] && return 0
		sleep 0.01
	done
	fail "'$1' never answered '$2' (last: $(ask "$1"))"
}

build_case unwind_patch
build_version vB vB
build_version vC vC
# D is A's fix plus its own: built from v2 (with v1's binary, the one the
# process runs), it applies where the process runs A's step().
build_version vD v2 vD
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog v1 v2
expect_exit 0 "$NONSTOP" build --name B -o B.nsp --binary v1/prog v1 vB
expect_exit 0 "$NONSTOP" build --name C -o C.nsp --binary v1/prog v1 vC
expect_exit 0 "$NONSTOP" build --name D -o D.nsp --binary v1/prog v2 vD

start_target v1/prog
worker=$(ask worker)
expect_eq 6 "$(ask call 5)" "v1 compute(5)"
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_eq queued "$(ask job 3)"
wait_for done 1
expect_eq 10 "$(ask result)" "run_job(3) with A: 3*3 + 1"

# Job 7 parks the worker in park(), A's new function.
expect_eq queued "$(ask job 7)"
wait_for parked 1

# (a) An unrelated patch applies at once.
expect_exit 0 "$NONSTOP" apply --timeout 2 "$TPID" B.nsp
expect_eq 7 "$(ask call 5)" "compute(5) with B"

# (b) C replaces run_job, which the worker will return into through A's
# frames: refused, naming the thread and run_job.
maps_snapshot maps.before
expect_exit 1 "$NONSTOP" apply --timeout 1 "$TPID" C.nsp
expect_one_error_line
expect_stderr_match "thread $worker will return into run_job \\(frame #[0-9]+\\)"
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused apply"

# D replaces step() again: the worker will return into A's copy of it,
# the code step() runs now — as busy as the original would be.
expect_exit 1 "$NONSTOP" apply --timeout 1 "$TPID" D.nsp
expect_one_error_line
expect_stderr_match "thread $worker will return into function step of patch 'A' \\(frame #[0-9]+\\)"

# (c) A cannot go while the worker is in its code: refused, naming park().
expect_exit 1 "$NONSTOP" revert --timeout 1 "$TPID" A
expect_one_error_line
expect_stderr_match "thread $worker will return into function park of patch 'A' \\(frame #[0-9]+\\)"
expect_eq 1 "$(ask parked)" "the job is still parked"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match '1\. A  \[applied'

# The worker leaves A's code: A reverts, C applies.
expect_eq released "$(ask release)"
wait_for done 2
expect_eq 22 "$(ask result)" "run_job(7) with A: 7*3 + 1"
expect_exit 0 "$NONSTOP" revert "$TPID" A
expect_eq queued "$(ask job 3)"
wait_for done 3
expect_eq 7 "$(ask result)" "run_job(3) without A: 3*2 + 1"
expect_exit 0 "$NONSTOP" apply --timeout 2 "$TPID" C.nsp
expect_eq queued "$(ask job 3)"
wait_for done 4
expect_eq 8 "$(ask result)" "run_job(3) with C: 3*2 + 2"
expect_exit 0 "$NONSTOP" revert --all "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after reverting everything"
expect_alive
