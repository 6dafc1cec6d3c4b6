# A frame whose CFI is only in separate debug info: nonstop leaves debug
# info alone at first (inflating libc's was most of an apply's time), and
# reads it when a stack does not unwind without it
# (src/transition/safety.c, ns_safety_upgrade). A thread sleeps in
# nocfi_wait(), compiled without unwind tables, called by outer(); the
# program is stripped of its .debug_frame, which goes, with the rest of
# its DWARF, to /usr/lib/debug/.build-id/ (removed at the end).
#   - A patch of answer() alone applies: the stack unwinds through
#     nocfi_wait's frame with the debug info, and answer() answers anew.
#   - A patch of outer() is refused, naming the thread and outer (it will
#     return into it): the unwind went past the frame to its real caller.
#   - Without the debug file, the same answer() patch is refused: the
#     stack does not unwind.
# Twice: as built by default, and with frame pointers everywhere but in
# nocfi_wait. There, libdwfl's fallback for a frame without CFI (following
# rbp) unwinds "successfully" past outer to outer's caller: a frame without
# CFI must count as one that does not unwind, or the outer() patch would
# be applied under a thread that will return into outer.
. "$TEST_LIB"
[ "$(id -u)" = 0 ] || fail "needs root: it installs debug info under /usr/lib/debug"

CASE=debuginfo_cfi
build() {   # build VERSION: ./VERSION/prog from v1's files and VERSION's
	local v=$1
	mkdir -p "src-$v"
	cp "$CASES/$CASE/v1"/*.c "src-$v"/
	[ "$v" = v1 ] || cp "$CASES/$CASE/$v"/*.c "src-$v"/
	compile_dir "src-$v" "$v"
	# shellcheck disable=SC2046
	(cd "src-$v" && gcc $(case_cflags) -fno-asynchronous-unwind-tables \
		-fno-unwind-tables $NOCFI_EXTRA -c nocfi.c -o "../$v/nocfi.o") ||
		fail "cannot compile nocfi.c"
	link_dir "$v" "$v/prog"
}
dbg=""
cleanup_dbg() { [ -z "$dbg" ] || rm -f "$dbg"; }
trap cleanup_dbg EXIT

variant() {   # variant DIR: the whole check, in ./DIR
	mkdir -p "$1" && cd "$1" || fail "cannot enter $1"
	for v in v1 v2 v3; do build "$v"; done
	readelf -S v1/nocfi.o | grep -q '\.eh_frame' && fail "nocfi.o has .eh_frame"
	readelf -S v1/nocfi.o | grep -q '\.debug_frame' || fail "nocfi.o has no .debug_frame"
	make_patch outer.nsp v1 v2
	make_patch answer.nsp v1 v3

	id=$(readelf -n v1/prog | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
	[ -n "$id" ] || fail "v1/prog has no build id"
	dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
	[ -e "$dbg" ] && fail "$dbg exists already"
	mkdir -p "$(dirname "$dbg")"
	objcopy --only-keep-debug v1/prog "$dbg" || fail "objcopy --only-keep-debug failed"
	cp v1/prog run
	strip --strip-debug run
	readelf -S run | grep -q '\.debug_frame' && fail "the stripped program kept .debug_frame"

	start_target ./run
	tid=$(ask tid)
	expect_eq old "$(ask answer)"

	expect_exit 1 "$NONSTOP" apply --timeout 1 "$TPID" outer.nsp
	expect_stderr_match "thread $tid will return into outer"
	expect_eq old "$(ask answer)" "answer after the refused outer patch"

	expect_exit 0 "$NONSTOP" apply --timeout 5 "$TPID" answer.nsp
	expect_eq new "$(ask answer)" "answer after the answer() patch"
	expect_exit 0 "$NONSTOP" revert "$TPID" answer
	expect_eq old "$(ask answer)" "answer after revert"
	note "ok: with the debug file, unwound through nocfi_wait"

	cleanup_dbg
	expect_exit 1 "$NONSTOP" apply --timeout 1 "$TPID" answer.nsp
	expect_stderr_match "thread $tid: cannot unwind its stack"
	expect_eq old "$(ask answer)" "answer after the refused apply"
	note "ok: without it, refused: $(head -n 1 stderr 2>/dev/null)"
	expect_alive
	stop_target
	cd ..
}

CASE_OPT=-O2 NOCFI_EXTRA= variant default
CASE_OPT="-O2 -fno-omit-frame-pointer" NOCFI_EXTRA=-fomit-frame-pointer variant framepointers
