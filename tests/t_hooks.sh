#!/bin/bash
# A patch's hooks in stop-the-world mode (tests/cases/hooks): nonstop show
# lists them; each runs once inside the target, at its moment (pre-apply
# on the old code, post-apply and pre-revert on the new, post-revert on
# the old again), in a thread of the target; a pre-apply veto leaves
# nothing (exit 1, the hook's message); a failing post-apply hook rolls
# the patch back and runs post-revert; a pre-revert veto refuses the
# revert; a failing post-revert hook is a warning; a hook that faults
# is a failure the program survives; one that does not return within
# --timeout is let go, nothing done to its patch until it returns, then
# the next command removes it (its post-revert hook first). --replace is
# refused.
# A patch built on top of one with hooks, from sources that keep its file
# of hooks, has none of its own: stacked, only the first one's run.
. "$TEST_LIB"

build_case hooks
make_patch fix.nsp
expect_exit 0 "$NONSTOP" show fix.nsp
expect_stdout_match '^hooks: +4$'
expect_stdout_match '^  pre-apply +check_ready +\[patch\]$'
expect_stdout_match '^  post-revert +cleanup +\[patch\]$'
expect_exit 0 "$NONSTOP" show --json fix.nsp
expect_stdout_match '"hooks":\[\{"kind":"pre-apply","function":"check_ready","in":"patch","locks":\["malloc","stdio","locale","other"\],"locks_why":"check_ready -> run -> snprintf \(malloc, locale, other\); check_ready -> run -> fflush \(malloc, stdio, locale, other\)"\},\{"kind":"post-apply","function":"start_new","in":"patch",[^}]*\},\{"kind":"pre-revert","function":"stop_new","in":"patch",[^}]*\},\{"kind":"post-revert","function":"cleanup","in":"patch",[^}]*\}\]'
# The patch file says it needs a nonstop that runs hooks and knows what
# they may lock: metadata format 4 (a 208-byte header), which an older
# nonstop refuses.
expect_eq "4e535041 54434800 04000000 d0000000" \
	"$(readelf -x .nonstop.meta fix.nsp | sed -n 's/^  0x00000000 \(.\{35\}\).*/\1/p')" \
	"magic, format version, header size"

start_target v1/prog
HOOKS_MODE=stop-the-world
hooks_scenario

note "--- --replace does not run hooks: refused"
expect_exit 1 "$NONSTOP" apply --replace "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match "has hooks, which --replace does not run"
hooks_runs 7 5 5 6
hooks_nothing_left

note "--- a patch built on v2, whose hooks.c it keeps, has no hooks of its own"
build_version hooks v3 v2 v3
expect_exit 0 "$NONSTOP" build -o a.nsp --binary v1/prog --new-binary v2/prog v1 v2
expect_exit 0 "$NONSTOP" build -v -o b.nsp --binary v2/prog --new-binary v3/prog v2 v3
expect_stdout_match "pre-apply hook check_ready: in the old build too \(an earlier patch's\), not this patch's"
expect_exit 0 "$NONSTOP" show b.nsp
expect_stdout_match '^hooks: +0$'
# (without hooks, the patch keeps format 2, which any nonstop reads)
expect_eq "4e535041 54434800 02000000 c8000000" \
	"$(readelf -x .nonstop.meta b.nsp | sed -n 's/^  0x00000000 \(.\{35\}\).*/\1/p')" \
	"magic, format version, header size"
expect_exit 0 "$NONSTOP" apply "$TPID" a.nsp
hooks_runs 8 6 5 6
expect_exit 0 "$NONSTOP" apply "$TPID" b.nsp
expect_eq v3 "$(ask v)" "the code"
hooks_runs 8 6 5 6
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq new "$(ask v)" "the code"
hooks_runs 8 6 5 6
expect_exit 0 "$NONSTOP" revert "$TPID"
hooks_runs 8 6 6 7
hooks_nothing_left
