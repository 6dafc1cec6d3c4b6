# apply --replace waits for the code of the patches it replaces: with a
# thread sleeping inside patch A's hold() (it will return into A's code),
# replacing A by the cumulative C is refused after --timeout, naming the
# thread and A's code, and A stays applied; once the thread has left, the
# same --replace switches, and hold() is the program's own again.
. "$TEST_LIB"

build_case replace_busy
build_version replace_busy v3 v3
expect_exit 0 "$NONSTOP" build --name A -o A.nsp --binary v1/prog v1 v2
expect_exit 0 "$NONSTOP" build --name C -o C.nsp --binary v1/prog v1 v3
start_target v1/prog
expect_eq returned "$(ask hold)" "hold() in v1"
expect_exit 0 "$NONSTOP" apply "$TPID" A.nsp
expect_eq 2 "$(ask answer)" "answer() with A"
expect_eq held "$(ask hold)" "hold() with A"

maps_snapshot maps.before
expect_exit 1 "$NONSTOP" apply --replace --timeout 0.5 "$TPID" C.nsp
expect_one_error_line
expect_stderr_match "refused: thread [0-9]+ will return into function hold of patch 'A' \\(frame #[0-9]+\\); no safe moment within 0.5 s"
maps_snapshot maps.after
diff maps.before maps.after || fail "/proc/$TPID/maps changed after a refused --replace"
expect_eq 2 "$(ask answer)" "answer() after the refusal"
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match '^  1\. A  \[applied'

expect_eq released "$(ask release)"
expect_exit 0 "$NONSTOP" apply --replace "$TPID" C.nsp
expect_stdout_match "^replaced patch 'A' \\(1 function back to the original code\\)"
expect_eq 3 "$(ask answer)" "answer() with C"
expect_eq returned "$(ask hold)" "hold() with C (v1's own)"
expect_eq 3 "$(ask holds)" "hold() calls"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_eq 1 "$(ask answer)" "answer() after reverting C"
if grep -q nonstop: "/proc/$TPID/maps"; then fail "patch memory left: $(grep nonstop: "/proc/$TPID/maps")"; fi
expect_alive
