# timeout: 120
# A hostile target (user ns-attacker) names another user's process (user
# ns-bystander's) as libnonstop's runtime thread: in a control block of
# its own (nonstop__rt), and then in a forged per-thread patch record.
# Root's `nonstop apply` and `nonstop revert` refuse, with one line, and
# never attach to that process: it is never traced, never stopped, and
# runs on. The target itself is left as it was.
. "$TEST_LIB"
[ "$(id -u)" = 0 ] || { note "needs root (it plays two other users): skipped"; exit 0; }
open_dir_to_others
for v in v1 v2; do
	mkdir -p "src-$v"
	cp "$CASES/sec_forged_rt/v1"/*.c "src-$v"/
	[ $v = v2 ] && cp "$CASES/sec_forged_rt/v2"/*.c "src-$v"/
	compile_dir "src-$v" "$v" -I"$ROOT/src" -I"$ROOT/lib"
	link_dir "$v" "$v/prog"
done
make_patch fix.nsp

# The bystander: another user's process, which the target knows the pid of.
as_user ns-bystander
"${AS_USER[@]}" sleep 600 &
VICTIM=$!
_TARGET_PIDS+=("$VICTIM")

# Samples the bystander's TracerPid without forking, until told to stop:
# any tracer at all is written to traced.log.
watch_victim() {
	local k v
	while [ ! -e stop-watch ]; do
		while read -r k v; do
			if [ "$k" = TracerPid: ] && [ "$v" != 0 ]; then
				echo "$v" >>traced.log
			fi
		done <"/proc/$VICTIM/status" 2>/dev/null || return 0
	done
}
victim_untouched() {
	touch stop-watch
	wait "$WATCHER" 2>/dev/null || true
	rm -f stop-watch
	kill -0 "$VICTIM" 2>/dev/null || fail "the bystander (pid $VICTIM) died"
	[ ! -s traced.log ] ||
		fail "the bystander (pid $VICTIM) was traced by pid $(sort -u traced.log | tr '\n' ' ')"
	st=$(sed 's/.*) //' "/proc/$VICTIM/stat" | cut -d' ' -f1)
	case $st in T|t) fail "the bystander is stopped (state $st)" ;; esac
	note "ok: the bystander (pid $VICTIM) was never traced and runs on"
}

as_user ns-attacker
start_target "${AS_USER[@]}" v1/prog
expect_eq 6 "$(ask call 5)" "compute(5) before"

note "--- apply: the control block names the bystander"
expect_eq forged "$(ask forge "$VICTIM")" "the target forged its control block"
watch_victim & WATCHER=$!
expect_exit 1 "$NONSTOP" apply "$TPID" fix.nsp
victim_untouched
expect_one_error_line
expect_stderr_match "thread $VICTIM\\b.*not one of its threads"
expect_alive
expect_eq 6 "$(ask call 5)" "compute(5) after the refused apply"

note "--- revert: a forged per-thread record, the same control block"
expect_eq forged "$(ask forge "$VICTIM")" "the target forged its control block"
expect_eq forged-rec "$(ask forge-rec)" "the target forged a record"
watch_victim & WATCHER=$!
expect_exit 1 "$NONSTOP" revert "$TPID" evil
victim_untouched
expect_one_error_line
expect_alive
expect_eq 6 "$(ask call 5)" "compute(5) after the refused revert"
