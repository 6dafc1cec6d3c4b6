#!/bin/bash
# Hooks that cannot deadlock run anywhere (tests/cases/hooks_anywhere): a
# single-threaded program waiting for its input in fgets has one thread,
# always stopped inside stdio with stdin's lock held. `nonstop build`
# finds what each hook's code may lock (show says it); a patch whose
# hooks only touch the program's variables is applied and reverted
# (stop-the-world), its hooks run in that thread; a hook that prints is
# refused, the message naming the call; a hook that allocates runs there
# too (a thread inside fgets holds no lock of malloc's), and one that may
# spin (an atomic exchange) as well (the thread is in a system call).
. "$TEST_LIB"

nothing_left() {
	if grep -q 'nonstop:' "/proc/$TPID/maps"; then
		fail "patch memory left: $(grep nonstop: "/proc/$TPID/maps")"
	fi
	expect_eq 1 "$(ask v)" "the code"
}

build_case hooks_anywhere
build_version hooks_anywhere v3 v3
build_version hooks_anywhere v4 v4
make_patch scale.nsp
make_patch greet.nsp v1 v3
make_patch keep.nsp v1 v4

note "--- what each hook may lock, as build found it"
expect_exit 0 "$NONSTOP" show scale.nsp
expect_stdout_match '^  post-apply +scale +\[patch\]$'
expect_stdout_match '^ +takes no lock: runs in any thread$'
expect_exit 0 "$NONSTOP" show greet.nsp
expect_stdout_match '^ +may lock malloc, stdio, locale, other: greet -> say -> printf \(malloc, stdio, locale, other\)$'
expect_stdout_match '^ +may lock malloc, stdio, locale, other: indirect -> a (call|jump) through a pointer[a-z ]* \(malloc, stdio, locale, other\)$'
expect_exit 0 "$NONSTOP" show keep.nsp
expect_stdout_match '^ +may lock spinlock: swap -> an atomic exchange \(spinlock\)$'
expect_exit 0 "$NONSTOP" show --json keep.nsp
expect_stdout_match '"kind":"pre-apply","function":"keep","in":"patch","locks":\["malloc"\],"locks_why":"keep -> malloc \(malloc\)"'
expect_exit 0 "$NONSTOP" build -v -o again.nsp --binary v1/prog v1 v2
expect_stdout_match 'post-apply hook scale: takes no lock \(runs in any thread\)'

start_target v1/prog
expect_eq 1 "$(ask v)" "the code"
expect_eq 7 "$(ask count)" "the counter"

note "--- hooks that take no lock run in the only thread, inside fgets"
expect_exit 0 "$NONSTOP" apply "$TPID" scale.nsp
expect_stdout_match "post-apply hook 'scale' returned 0"
expect_eq 2 "$(ask v)" "the code"
expect_eq 70 "$(ask count)" "the counter, scaled by the post-apply hook"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match "pre-revert hook 'unscale' returned 0"
expect_eq 7 "$(ask count)" "the counter, unscaled by the pre-revert hook"
nothing_left

note "--- a hook that prints is refused, naming the call"
expect_exit 1 "$NONSTOP" apply --timeout 1 "$TPID" greet.nsp
expect_one_error_line
expect_stderr_match "cannot run the pre-apply hook 'greet'"
expect_stderr_match "the hook's code may take locks of malloc, stdio, locale, other: greet -> say -> printf"
expect_stderr_match "the threads may hold locks of stdio"
grep -q 'hello from version' target.out && fail "the refused hook ran"
nothing_left

note "--- a hook that allocates runs inside fgets"
expect_exit 0 "$NONSTOP" apply "$TPID" keep.nsp
expect_eq 4 "$(ask v)" "the code"
expect_eq from-malloc "$(ask kept)" "what the pre-apply hook allocated"
expect_eq 9 "$(ask count)" "the counter, swapped by the post-apply hook"
expect_exit 0 "$NONSTOP" revert "$TPID"
nothing_left
expect_alive
