# timeout: 300
# contrib/ansible/rollout.yml rolls a patch out to a fleet in batches (a
# canary host, then half of the hosts at a time) and stops at the first
# batch with a failed host. The fleet here is four "hosts" of one machine
# (ansible_connection=local), each the processes of its own user
# ns-host1..ns-host4 (nonstop_apply_args "--user ns-hostN"), each user
# running two copies of tests/cases/host's v1 program. Batches:
# [ns-host1] [ns-host2 ns-host3] [ns-host4].
#
# 1. One of ns-host3's copies sits in hold(), which the patch replaces: its
#    apply is refused. The playbook exits 2 and names the refusal; the
#    canary ns-host1 is patched; ns-host3 is as it was (its other copy,
#    which the apply patched, was reverted; status shows no patch);
#    ns-host2, in the same batch as ns-host3, keeps the patch (the
#    playbook's rule: a host that took it keeps it); ns-host4, in the
#    batch after, was never touched.
# 2. Run again with ns-host3's held copy gone and, on ns-host2, a new copy
#    and a held one: ns-host3 takes it; ns-host2 fails and is put back as
#    it was before this run (its new copy reverted, the two it had patched
#    before keep the patch); ns-host4 is untouched again.
# 3. With the held copy gone too, a third run patches every host: exit 0.
#
# Needs root (useradd; the users are removed at the end) and Debian's
# ansible package (installed with apt-get when missing).
. "$TEST_LIB"

PLAYBOOK=$ROOT/contrib/ansible/rollout.yml
HOSTS=(ns-host1 ns-host2 ns-host3 ns-host4)

if [ "$(id -u)" != 0 ]; then
	command -v ansible-playbook >/dev/null 2>&1 ||
		fail "needs Debian's package ansible (apt-get install ansible), and root"
	fail "needs root: it creates the users ${HOSTS[*]}"
fi

# --- ansible ------------------------------------------------------------------

# Nothing from the machine's or root's ansible configuration; every file
# ansible writes stays in this directory.
: >ansible.cfg
export ANSIBLE_CONFIG=$PWD/ansible.cfg
export ANSIBLE_HOME=$PWD/ansible/home
export ANSIBLE_LOCAL_TEMP=$PWD/ansible/local
export ANSIBLE_REMOTE_TEMP=$PWD/ansible/remote
export ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1 ANSIBLE_RETRY_FILES_ENABLED=0

if ! command -v ansible-playbook >/dev/null 2>&1; then
	note "installing Debian's package ansible"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq ansible >apt.log 2>&1 ||
		{ apt-get update -qq >>apt.log 2>&1 && apt-get install -y -qq ansible >>apt.log 2>&1; } ||
		fail "cannot install Debian's package ansible: $(tail -n 3 apt.log)"
fi
command -v ansible-playbook >/dev/null 2>&1 || fail "no ansible-playbook after installing the package ansible"
version=$(ansible-playbook --version 2>&1) || fail "ansible-playbook --version: $version"
note "${version%%$'\n'*}"

# --- the fleet's users --------------------------------------------------------

# The users this test makes say so in their comment: only those are removed.
MARK="nonstop test t_ansible_rollout"
remove_users() {
	local u
	for u in "${HOSTS[@]}"; do
		[ "$(getent passwd "$u" | cut -d: -f5)" = "$MARK" ] || continue
		userdel "$u" >/dev/null 2>&1 || echo "# cannot remove user $u" >&2
	done
}
remove_users		# left by a run that was killed before its end
on_exit remove_users
for u in "${HOSTS[@]}"; do
	if id -u "$u" >/dev/null 2>&1; then
		fail "user $u exists: $(getent passwd "$u") (not this test's, or it still runs processes)"
	fi
	useradd --system --user-group --no-create-home --shell /usr/sbin/nologin \
		--comment "$MARK" "$u" || fail "cannot create user $u"
done

build_case host
make_patch fix.nsp
chmod 755 .		# the users run the programs built here
mkdir -m 777 out

# start USER NAME [hold]: a copy of v1/prog as USER writing out/USER-NAME.
start() {
	local u=$1 f=out/$1-$2
	shift 2
	host_start "$f" setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --clear-groups -- \
		v1/prog "$f" "$@"
}
# answers NAME...: what each copy out/NAME* says, "name=answer ...".
answers() {
	local h f out=""
	for h in "$@"; do
		for f in out/"$h"*; do
			[[ $f == *.tmp ]] && continue
			out="$out ${f#out/}=$(host_answer "$f")"
		done
	done
	echo "${out# }"
}
# patched HOST: how many of HOST's processes have the patch 'fix', as
# `nonstop status --all-processes --user HOST --json` says.
patched() {
	"$NONSTOP" status --all-processes --user "$1" --json >status.json ||
		fail "status --all-processes --user $1 failed: $(cat status.json)"
	jq '[.processes[] | select(any(.patches[]?; .name == "fix"))] | length' status.json
}
# rollout: runs the playbook on the fleet (its output in play.out,
# shown); sets PLAY_RC.
rollout() {
	PLAY_RC=0
	echo "\$ ansible-playbook -i inventory $PLAYBOOK -e nonstop_patch=$PWD/fix.nsp"
	timeout -k 5 150 ansible-playbook -i inventory "$PLAYBOOK" \
		-e nonstop_patch="$PWD/fix.nsp" >play.out 2>&1 || PLAY_RC=$?
	sed 's/^/  play| /' play.out
	echo "  exit $PLAY_RC"
	[ "$PLAY_RC" != 124 ] || fail "the playbook did not finish within 150 s"
}
# recap HOST: HOST's line of the play recap ("" if the play never ran on it).
recap() {
	sed -n "/^PLAY RECAP/,\$ s/^\\($1 *:.*\\)/\\1/p" play.out | tr -s ' '
}

for h in "${HOSTS[@]}"; do
	start "$h" a
	if [ "$h" = ns-host3 ]; then
		start "$h" held hold
		held3=$HPID
	else
		start "$h" b
	fi
done

{
	echo "[fleet]"
	for h in "${HOSTS[@]}"; do
		echo "$h nonstop_apply_args='--user $h --timeout 1' nonstop_patch_dir=$PWD/hosts/$h"
	done
	echo "[fleet:vars]"
	echo "ansible_connection=local"
	echo "ansible_python_interpreter='{{ ansible_playbook_python }}'"
	echo "nonstop_path=$NONSTOP"
} >inventory
sed 's/^/  inventory| /' inventory

# --- 1. ns-host3 refuses: the rollout stops after its batch ------------------------

rollout
expect_eq 2 "$PLAY_RC" "the playbook's exit (a host failed)"
for f in ns-host1-a ns-host1-b ns-host2-a ns-host2-b; do host_wait out/$f 2; done
expect_eq "ns-host1-a=2 ns-host1-b=2 ns-host2-a=2 ns-host2-b=2 ns-host3-a=1 ns-host3-held=1 ns-host4-a=1 ns-host4-b=1" \
	"$(answers "${HOSTS[@]}")" "what each process answers"
expect_eq 2 "$(patched ns-host1)" "processes of the canary ns-host1 with the patch"
expect_eq 2 "$(patched ns-host2)" "processes of ns-host2 (same batch as ns-host3, took it) with the patch"
expect_eq 0 "$(patched ns-host3)" "processes of the failed ns-host3 with the patch"
expect_eq 0 "$(patched ns-host4)" "processes of ns-host4 (next batch) with the patch"
# What the user reads: ns-host3's refused process named, and what became of
# the copy the apply had patched.
grep -E "^fatal: \\[ns-host3\\]: FAILED!.*patch 'fix': 1 of 2 processes did not take it \\(process $held3 \\(prog, uid [0-9]+\\): refused: thread $held3 will return into hold.*reverted in the 1 processes this run patched: the host is as it was" play.out >/dev/null ||
	fail "the playbook does not say why ns-host3 failed and that it was put back"
note "ok: the playbook names ns-host3's refused process and the revert"
[[ $(recap ns-host3) == *"failed=1"* ]] || fail "recap of ns-host3: '$(recap ns-host3)'"
[[ $(recap ns-host1) == *"failed=0"* ]] || fail "recap of ns-host1: '$(recap ns-host1)'"
# ns-host4 never touched: not a task ran there, no patch was copied to it.
grep -q "ns-host4" play.out && fail "the playbook ran something on ns-host4"
[ -e hosts/ns-host4 ] && fail "the patch was copied to ns-host4"
note "ok: nothing ran on ns-host4"

# --- 2. ns-host3 fixed; ns-host2 fails: put back as it was before this run --------------

kill -KILL "$held3"
start ns-host2 c
start ns-host2 held hold; held2=$HPID
rollout
expect_eq 2 "$PLAY_RC" "the playbook's exit (ns-host2 failed)"
host_wait out/ns-host3-a 2
expect_eq "ns-host1-a=2 ns-host1-b=2 ns-host2-a=2 ns-host2-b=2 ns-host2-c=1 ns-host2-held=1 ns-host3-a=2 ns-host4-a=1 ns-host4-b=1" \
	"$(answers ns-host1 ns-host2 ns-host3-a ns-host4)" "what each process answers"
expect_eq 2 "$(patched ns-host2)" "processes of ns-host2 with the patch (the two it had before)"
expect_eq 1 "$(patched ns-host3)" "processes of ns-host3 with the patch"
expect_eq 0 "$(patched ns-host4)" "processes of ns-host4 with the patch"
grep -E "^fatal: \\[ns-host2\\]: FAILED!.*process $held2 .*refused.*reverted in the 1 processes this run patched" play.out >/dev/null ||
	fail "the playbook does not say why ns-host2 failed and that it was put back"
grep -q "ns-host4" play.out && fail "the playbook ran something on ns-host4"

# --- 3. nothing in the way: every host takes it -------------------------------

kill -KILL "$held2"
rollout
expect_eq 0 "$PLAY_RC" "the playbook's exit (every host patched)"
for f in ns-host2-c ns-host4-a ns-host4-b; do host_wait out/$f 2; done
expect_eq "ns-host1-a=2 ns-host1-b=2 ns-host2-a=2 ns-host2-b=2 ns-host2-c=2 ns-host3-a=2 ns-host4-a=2 ns-host4-b=2" \
	"$(answers ns-host1 ns-host2-a ns-host2-b ns-host2-c ns-host3-a ns-host4)" "what each process answers"
for h in "${HOSTS[@]}"; do
	[[ $(recap "$h") == *"failed=0"* ]] || fail "recap of $h: '$(recap "$h")'"
done
grep -q "patch 'fix': applied in 2 of 2 processes, 0 had it already" play.out ||
	fail "the playbook does not report ns-host4's two processes patched"
note "ok: every host patched"
