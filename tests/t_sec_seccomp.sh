# timeout: 240
# A target whose seccomp filter KILLS it (SECCOMP_RET_KILL_PROCESS) on a
# system call nonstop would run in it — memfd_create (to map the patch),
# mprotect with PROT_EXEC (to make it executable), munmap (what a revert
# needs) — is refused up front: apply exits 1 with one line on stderr
# naming seccomp, the call and the process, and the target lives on as it
# was: untraced, the same mappings (the main stack aside) and open files,
# the old answers. So is a target whose main thread runs in seccomp's
# strict mode. A filter that kills only on calls nonstop never makes
# (ptrace, reboot) lets apply and revert work. And a user who cannot read
# the filter (no CAP_SYS_ADMIN) is refused, the target untouched.
. "$TEST_LIB"
build_case sec_seccomp
make_patch fix.nsp
# Should nonstop kill the target, fail fast rather than wait.
NONSTOP_CMD_TIMEOUT=30

# refused MODE SECCOMP CALL: apply to a target under MODE (its main thread
# in seccomp mode SECCOMP) is refused naming CALL, and changes nothing.
refused() {
	start_target v1/prog "$1"
	expect_eq "$2" "$(awk '/^Seccomp:/ {print $2}' "/proc/$TPID/status")" \
		"seccomp mode of the target ($1)"
	expect_refused "$3"
	stop_target
}

note "--- the filter kills on memfd_create"
refused memfd 2 'would kill it for memfd_create'
note "--- the filter kills on mprotect/mmap with PROT_EXEC"
refused exec 2 'would kill it for mprotect'
note "--- the filter kills on munmap: the patch could never be reverted"
refused munmap 2 'would kill it for munmap'
note "--- a thread in seccomp's strict mode (read, write, exit, sigreturn)"
refused strict 1 'runs in seccomp strict mode, which would kill it for memfd_create'

note "--- the filter kills only on calls nonstop never makes"
start_target v1/prog other
expect_eq 6 "$(ask call 5)" "compute(5) before"
expect_exit 0 "$NONSTOP" apply --timeout 5 "$TPID" fix.nsp
expect_eq 7 "$(ask call 5)" "compute(5) after apply (new)"
expect_exit 0 "$NONSTOP" revert --timeout 5 "$TPID"
expect_eq 6 "$(ask call 5)" "compute(5) after revert (old)"
expect_alive
stop_target

note "--- a user who cannot read the filter (no CAP_SYS_ADMIN)"
open_dir_to_others
chmod 644 fix.nsp
as_user ns-attacker
runas=("${AS_USER[@]}")
start_target "${runas[@]}" v1/prog memfd
expect_refused "process $TPID runs under a seccomp filter that this user cannot read" \
	"${runas[@]}"
stop_target
