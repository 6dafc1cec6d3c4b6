# A process of a less trusted user forges a record of nonstop's
# (memfd "nonstop:evil") whose name and function name are full of terminal
# escapes, CR and LF, with a time of 2^62 (localtime() fails), and names
# its thread with an escape: status does not crash, says "unknown time",
# and prints every control byte escaped (its text holds none raw); --json
# is valid JSON with the names as strings; a record of it out of range is
# listed as damaged. An apply refused because of the forged record names
# it escaped, on one line of stderr. The target runs on, untouched.
. "$TEST_LIB"
command -v jq >/dev/null || fail "jq is missing (scripts/deps.sh installs it)"
build_sec_records
open_dir_to_others
as_user ns-attacker
start_target "${AS_USER[@]}" v1/prog
expect_eq ok "$(ask name)" "the thread takes an escape as its name"
ask forge escape | grep -q '^ok ' || fail "the target could not forge a record"
ask forge damaged | grep -q '^ok ' || fail "the target could not forge a record"
maps_snapshot maps.before

expect_exit 0 "$NONSTOP" status "$TPID"
expect_no_raw_controls last.out last.err
grep -qF 'evil\e]0;owned\x07\r\nFAKE\xc2\x9b' last.out ||
	fail "the record's name is not shown escaped: $(cat last.out)"
grep -qF 'fn\e[31mred\r\x7f' last.out ||
	fail "the function's name is not shown escaped: $(cat last.out)"
grep -qF '\e]2;x\x07\r\nEVIL' last.out ||
	fail "the thread's name is not shown escaped: $(cat last.out)"
expect_stdout_match 'since unknown time'
expect_stdout_match "damaged record 'evil.*ignored: it says its memory is"

expect_exit 0 "$NONSTOP" status --json "$TPID"
expect_no_raw_controls last.out
jq -e . last.out >/dev/null || fail "status --json is not JSON: $(cat last.out)"
jq -e '.patches[0].name | startswith("evil\u001b]0;owned\u0007\r\nFAKE")' \
	last.out >/dev/null || fail "the record's name is not in the JSON"
jq -e '.patches[0].applied_at | type == "number"' last.out >/dev/null ||
	fail "applied_at is not a number"
jq -e '.damaged | length == 1' last.out >/dev/null ||
	fail "the damaged record is not listed"
jq -e '[.thread_list[].name] | index("\u001b]2;x\u0007\r\nEVIL") != null' \
	last.out >/dev/null || fail "the thread's name is not in the JSON"
note "ok: status --json is valid JSON with every name"

# A refusal names the forged record: escaped, one line.
expect_exit 1 "$NONSTOP" apply --mode stop "$TPID" fix.nsp
expect_one_error_line
expect_no_raw_controls last.out last.err
grep -qF "patch 'evil\\e]0;owned" last.err ||
	fail "the refusal does not name the record escaped: $(cat last.err)"

maps_snapshot maps.after
expect_eq "$(cat maps.before)" "$(cat maps.after)" "the target's memory map"
expect_eq 6 "$(ask call 5)" "compute(5): the old code"
expect_alive
