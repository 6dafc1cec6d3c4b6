# Fails, then kills, nonstop at every step of applying and of reverting a
# patch with a state transformer (NONSTOP_FAULT_AT, src/util/fault.h), the
# worker thread reading the table all the while. After each: the target
# runs, no thread stopped or traced, and it is wholly the old version with
# the old table or wholly the new one with the transformed table, the data
# intact either way; a failed apply leaves no patch memory behind (a killed
# one: the next nonstop command removes it, once no transformer call can
# still be running in it).
# timeout: 900
. "$TEST_LIB"

LDEXTRA=()
build_case xform_table
make_v3 .
make_patch fix.nsp v1 v3
start_target v1/prog
expect_eq 0 "$(ask add alpha)"
expect_eq 1 "$(ask add beta)"
expect_eq 1 "$(ask hit 0)"
expect_eq 2 "$(ask hit 0)"

OLD="100 alpha hits=2 level=1|101 beta hits=0 level=2|100"
NEW="100 alpha hits=2 level=1 prio=7 hot=1 seen=20|101 beta hits=0 level=2 prio=7 hot=0 seen=0|100"

# version: old or new, the table's entries as that version shows them
# (and first_used(), which reads the table without changing), status
# agreeing; fails on anything else.
version() {
	local got st v
	expect_alive >&2
	got="$(ask show 0)|$(ask show 1)|$(ask first)"
	st=$(patch_states)
	case $got in
	"$OLD") v=old ;;
	"$NEW") v=new ;;
	*) fail "neither version, or data lost: '$got' (status '${st:-nothing}')" ;;
	esac
	status_agrees "$v" "$st"
	echo "$v"
}

napply=$(steps apply "$TPID" fix.nsp)
[ "$(version)" = new ] || fail "apply without faults did not apply"
nrevert=$(steps revert "$TPID" fix)
[ "$(version)" = old ] || fail "revert without faults did not revert"
note "apply passes $napply steps, revert $nrevert"
[ "$napply" -gt 10 ] && [ "$nrevert" -gt 5 ] || fail "too few steps counted"

kill_op apply "$napply" apply "$TPID" fix.nsp
kill_op revert "$nrevert" revert "$TPID" fix
kill_matrix_switch version
[ "$(version)" = old ] || fail "not back to the old version at the end"
