# Choosing the transition mode. A process without libnonstop cannot be
# patched per thread (--mode per-thread says why); one with it takes the
# per-thread mode by default and the stop-the-world mode with --mode stop;
# the two are not mixed in one process; a program built without patchable
# entries is refused per thread, naming the function, and works with
# --mode stop; --replace is stop-the-world only; per thread, the patch's
# frames are registered with libgcc all the same. (In stop-the-world mode a
# worker stopped between its two calls may see one old and one new result,
# the known limit of that mode; per thread, never.)
. "$TEST_LIB"

build_case pt --libnonstop
make_patch fix.nsp
expect_exit 0 "$NONSTOP" build --name other -o other.nsp --binary v1/prog v1 v2

# A process without libnonstop.
OUT=plain build_case static_func
start_target plain/v1/prog
expect_exit 1 "$NONSTOP" apply --mode per-thread "$TPID" fix.nsp
expect_one_error_line
expect_stderr_match 'does not run libnonstop'
expect_exit 2 "$NONSTOP" apply --mode sideways "$TPID" fix.nsp
stop_target

start_target v1/prog
expect_exit 0 "$NONSTOP" apply --mode stop "$TPID" fix.nsp
expect_stdout_match 'stop-the-world mode'
expect_stdout_match 'paused [0-9]+ threads'
wait_answer "workers=new loop=new" v
expect_exit 1 "$NONSTOP" apply "$TPID" other.nsp
expect_one_error_line
expect_stderr_match "patch 'fix' is applied .* in stop-the-world mode"
expect_exit 0 "$NONSTOP" revert "$TPID"
expect_stdout_match 'stop-the-world mode'
wait_answer "workers=old loop=old" v
stop_mixed=$(ask mixed)
note "mixed pairs seen around the stop-the-world apply and revert: $stop_mixed"
expect_exit 0 "$NONSTOP" apply "$TPID" fix.nsp
expect_stdout_match 'per-thread mode'
# Its frames registered with libgcc by libnonstop's thread, the only one held.
expect_exit 0 "$NONSTOP" status "$TPID"
expect_stdout_match 'with libgcc: registered'
expect_exit 1 "$NONSTOP" apply --mode stop "$TPID" other.nsp
expect_stderr_match "patch 'fix' is applied .* in per-thread mode"
expect_exit 1 "$NONSTOP" apply --replace "$TPID" other.nsp
expect_stderr_match 'replace works in stop-the-world mode only'
expect_exit 0 "$NONSTOP" revert "$TPID"
wait_answer "workers=old loop=old" v
expect_eq "$stop_mixed" "$(ask mixed)" "mixed pairs (none since the stop-the-world patch)"
stop_target

# Built without patchable entries.
mkdir -p nopad
for v in v1 v2; do
	mkdir -p "nopad/src-$v"
	cp "$CASES/pt/v1"/*.c "nopad/src-$v"/
	cp "$CASES/pt/$v"/*.c "nopad/src-$v"/
	# (-O0: long enough for a 5-byte jump without the pad)
	compile_dir "nopad/src-$v" "nopad/$v" -I"$ROOT/include" -O0 -fpatchable-function-entry=0
	link_dir "nopad/$v" "nopad/$v/prog" -L"$ROOT/build" -lnonstop -Wl,-rpath,"$ROOT/build"
done
expect_exit 0 "$NONSTOP" build -o nopad.nsp --binary nopad/v1/prog nopad/v1 nopad/v2
start_target nopad/v1/prog
maps_snapshot before.maps
expect_exit 1 "$NONSTOP" apply "$TPID" nopad.nsp
expect_one_error_line
expect_stderr_match 'function ver_a has no patchable entry .*--mode stop'
maps_snapshot after.maps
grep -q 'nonstop:' after.maps && fail "patch memory left: $(grep nonstop: after.maps)"
expect_exit 0 "$NONSTOP" apply --mode stop "$TPID" nopad.nsp
wait_answer "workers=new loop=new" v
expect_alive
