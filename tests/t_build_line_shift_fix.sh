# Shifted line numbers plus one real change (fixme: x + 10 -> x + 11):
# exactly fixme is replaced; show lists checked and logged as ignored
# ("line numbers only"), in text and in --json; the patch applies and works.
. "$TEST_LIB"

# check DIR: the build of the case in DIR (gcc-O2, ...).
check() {
	local d=$1
	make_patch $d/fix.nsp $d/v1 $d/v2
	expect_exit 0 "$NONSTOP" show $d/fix.nsp
	expect_stdout_match '^entries: +1$'
	expect_stdout_match '^  replace +fixme .*bytes changed'
	expect_stdout_match '^ignored: +2$'
	expect_stdout_match '^  checked  \[lines\.o\]  line numbers only$'
	expect_stdout_match '^  logged  \[lines\.o\]  line numbers only$'
	expect_stdout_no_match 'replace +(checked|logged|masked|before)'
	expect_exit 0 "$NONSTOP" show --json $d/fix.nsp
	expect_stdout_match '"ignored":\[\{"kind":"ignored","name":"checked","file":null,"object":"lines\.o","reason":"line numbers only"\},\{"kind":"ignored","name":"logged"'
	expect_stdout_match '"entries":\[\{"kind":"replace","name":"fixme"[^]]*\]'
}
each_compiler line_shift_fix check

# The patch with ignored entries applies: only fixme changes.
start_target gcc-O2/v1/prog
expect_eq 15 "$(ask call 5)" "fixme(5) before"
expect_exit 0 "$NONSTOP" apply "$TPID" gcc-O2/fix.nsp
expect_eq 16 "$(ask call 5)" "fixme(5) after"
expect_eq 10 "$(ask check 5)" "checked(5) after"
expect_eq 6 "$(ask log 5)" "logged(5) after"
expect_alive
