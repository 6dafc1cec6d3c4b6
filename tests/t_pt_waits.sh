# NONSTOP_UPDATE_POINTS=waits: the calls where event loops wait are update
# points. The target (tests/cases/pt_waits) never calls
# nonstop_update_point(): a loop waits 1 ms in poll() (__poll_chk, built
# with _FORTIFY_SOURCE) between two calls that must be of one version, a
# thread blocks in epoll_wait() and one in select() without a timeout.
# With libnonstop preloaded but without the variable, nonstop switches the
# threads while they sleep in their waits, holding each a moment
# (src/transition/pt_blocked.h; that the refusal names the variable when
# it cannot is t_pt_stuck's). With the variable, it completes at once with
# no thread held, the answers
# change (the waiter takes the new code as its call returns), status shows
# who waits at an update point, and revert brings everyone back: the
# patch's memory is released at once: the waiting threads have been
# waiting since before the apply, or nonstop looks at the stack of one that
# entered its wait after it while it sleeps. The wrappers return what the C
# library returns, with its errno; a thread blocked in poll() is still
# cancelled there, and its cleanup handler finds its mark cleared. The
# same with libnonstop linked from libnonstop.a.
# timeout: 300
. "$TEST_LIB"

for v in v1 v2; do
	mkdir -p "src-$v"
	cp "$CASES/pt_waits/v1"/*.c "src-$v"/
	[ $v = v1 ] || cp "$CASES/pt_waits/$v"/*.c "src-$v"/
	compile_dir "src-$v" "$v" -I"$ROOT/lib" -D_FORTIFY_SOURCE=2
	link_dir "$v" "$v/prog"
	link_dir "$v" "$v/prog-static" "$ROOT/build/libnonstop.a"
done
nm -u v1/main.o | grep -q '__poll_chk' ||
	fail "the loop's poll() is not __poll_chk: the fortified wrapper goes untested"
make_patch fix.nsp
expect_exit 0 "$NONSTOP" build -o fix-static.nsp --binary v1/prog-static v1 v2
PRELOAD=LD_PRELOAD=$ROOT/build/libnonstop.so

no_patch_memory() {
	! grep -q 'nonstop:' "/proc/$TPID/maps" ||
		fail "patch memory left: $(grep nonstop: "/proc/$TPID/maps")"
	note "ok: no patch memory in the process"
}

# --- without the variable: no thread passes an update point; nonstop
# switches them while they sleep in their waits (pt_blocked.h), one held at
# a time, none at an update point of its own ------------------------------
start_target env "$PRELOAD" v1/prog
expect_eq ok "$(ask errno)" "return values and errno through the wrappers"
expect_exit 0 "$NONSTOP" apply --json --timeout 5 "$TPID" fix.nsp
expect_stdout_match '"switched_asleep":[1-9]'
expect_stdout_match '"waiting_threads":0'
expect_eq waiter=new "$(ask wake)"
expect_exit 0 "$NONSTOP" revert --timeout 5 "$TPID" fix
expect_eq waiter=old "$(ask wake)"
no_patch_memory
stop_target

# --- with it, preloaded -------------------------------------------------------
start_target env NONSTOP_UPDATE_POINTS=waits "$PRELOAD" v1/prog
expect_eq ok "$(ask errno)" "return values and errno through the wrappers"
expect_eq "canceled=1 marked=1 cleared=1" "$(ask cancel)" "a thread cancelled in poll()"
expect_exit 0 "$NONSTOP" apply --timeout 2 "$TPID" fix.nsp
expect_stdout_match 'per-thread mode'
expect_stdout_match '[0-9]+ of them waits? in poll, select or epoll_wait'
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'NONSTOP_UPDATE_POINTS=waits'
expect_stdout_match 'waiter +waiting in epoll_wait \(an update point\)'
expect_stdout_match 'sleeper +waiting in select \(an update point\)'
expect_stdout_match 'all on the newest code'
expect_exit 0 "$NONSTOP" status --json "$TPID"
expect_stdout_match '"threads_on_old_code":\[\]'
expect_stdout_match '"waiting":"epoll_wait"'
wait_answer loop=new v
# The waiter and the sleeper have waited since before the apply: nothing
# of the patch is on their stacks, its memory goes at once.
expect_exit 0 "$NONSTOP" revert --timeout 2 "$TPID"
expect_stdout_match 'back to the old code'
expect_stdout_no_match 'memory is kept'
wait_answer loop=old v
no_patch_memory
expect_eq waiter=old "$(ask wake)"

expect_exit 0 "$NONSTOP" apply --timeout 2 "$TPID" fix.nsp
expect_eq waiter=new "$(ask wake)" "the waiter, once its call returned"
wait_answer loop=new v
# The waiter entered its wait after the apply: its own update point has
# not looked at its stack for the patch's code, so nonstop looks, holding
# it asleep (pt_blocked.h), and the memory goes at once.
expect_exit 0 "$NONSTOP" revert --json --timeout 5 "$TPID"
expect_stdout_match '"retiring":false'
no_patch_memory
wait_answer loop=old v
expect_eq waiter=old "$(ask wake)"
expect_exit 1 "$NONSTOP" revert "$TPID"
expect_stderr_match 'no patch is applied'
no_patch_memory
expect_eq 0 "$(ask mixed)" "mixed pairs"
expect_alive
stop_target

# --- with it, libnonstop linked from libnonstop.a --------------------------
start_target env NONSTOP_UPDATE_POINTS=waits v1/prog-static
expect_eq ok "$(ask errno)" "return values and errno through the wrappers"
expect_exit 0 "$NONSTOP" apply --timeout 2 "$TPID" fix-static.nsp
wait_answer loop=new v
expect_eq waiter=new "$(ask wake)" "the waiter, once its call returned"
expect_exit 0 "$NONSTOP" revert --timeout 2 "$TPID"
wait_answer loop=old v
expect_eq waiter=old "$(ask wake)"
expect_eq 0 "$(ask mixed)" "mixed pairs"
expect_alive
