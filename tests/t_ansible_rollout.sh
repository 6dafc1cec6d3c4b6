# timeout: 300
# contrib/ansible/rollout.yml rolls a patch out to a fleet in batches (a
# canary host, then half of the hosts at a time) and stops at the first
# batch with a failed host. The fleet here is four "hosts" of one machine
# (ansible_connection=local), each the processes of its own user nsh1..nsh4
# (nonstop_apply_args "--user nshN"), each user running two copies of
# tests/cases/host's v1 program. Batches: [nsh1] [nsh2 nsh3] [nsh4].
#
# 1. One of nsh3's copies sits in hold(), which the patch replaces: its
#    apply is refused. The playbook exits 2 and names the refusal; the
#    canary nsh1 is patched; nsh3 is as it was (its other copy, which the
#    apply patched, was reverted; status shows no patch); nsh2, in the
#    same batch as nsh3, keeps the patch (the playbook's rule: a host that
#    took it keeps it); nsh4, in the batch after, was never touched.
# 2. Run again with nsh3's held copy gone and, on nsh2, a new copy and a
#    held one: nsh3 takes it; nsh2 fails and is put back as it was before
#    this run (its new copy reverted, the two it had patched before keep
#    the patch); nsh4 is untouched again.
# 3. With the held copy gone too, a third run patches every host: exit 0.
#
# Needs root (useradd; the users are removed at the end) and Debian's
# ansible package (installed with apt-get when missing).
. "$TEST_LIB"

PLAYBOOK=$ROOT/contrib/ansible/rollout.yml
HOSTS=(nsh1 nsh2 nsh3 nsh4)

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

remove_users() {
	local u
	for u in "${HOSTS[@]}"; do
		id -u "$u" >/dev/null 2>&1 || continue
		userdel "$u" >/dev/null 2>&1 || echo "# cannot remove user $u" >&2
	done
}
remove_users		# left by a run that was killed before its end
on_exit remove_users
for u in "${HOSTS[@]}"; do
	id -u "$u" >/dev/null 2>&1 && fail "user $u exists and cannot be removed (processes left?)"
	useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$u" ||
		fail "cannot create user $u"
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
	if [ "$h" = nsh3 ]; then
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

# --- 1. nsh3 refuses: the rollout stops after its batch ------------------------

rollout
expect_eq 2 "$PLAY_RC" "the playbook's exit (a host failed)"
for f in nsh1-a nsh1-b nsh2-a nsh2-b; do host_wait out/$f 2; done
expect_eq "nsh1-a=2 nsh1-b=2 nsh2-a=2 nsh2-b=2 nsh3-a=1 nsh3-held=1 nsh4-a=1 nsh4-b=1" \
	"$(answers "${HOSTS[@]}")" "what each process answers"
expect_eq 2 "$(patched nsh1)" "processes of the canary nsh1 with the patch"
expect_eq 2 "$(patched nsh2)" "processes of nsh2 (same batch as nsh3, took it) with the patch"
expect_eq 0 "$(patched nsh3)" "processes of the failed nsh3 with the patch"
expect_eq 0 "$(patched nsh4)" "processes of nsh4 (next batch) with the patch"
# What the user reads: nsh3's refused process named, and what became of
# the copy the apply had patched.
grep -E "^fatal: \\[nsh3\\]: FAILED!.*patch 'fix': 1 of 2 processes did not take it \\(process $held3 \\(prog, uid [0-9]+\\): refused: thread $held3 will return into hold.*reverted in the 1 processes this run patched: the host is as it was" play.out >/dev/null ||
	fail "the playbook does not say why nsh3 failed and that it was put back"
note "ok: the playbook names nsh3's refused process and the revert"
[[ $(recap nsh3) == *"failed=1"* ]] || fail "recap of nsh3: '$(recap nsh3)'"
[[ $(recap nsh1) == *"failed=0"* ]] || fail "recap of nsh1: '$(recap nsh1)'"
# nsh4 never touched: not a task ran there, no patch was copied to it.
grep -q "nsh4" play.out && fail "the playbook ran something on nsh4"
[ -e hosts/nsh4 ] && fail "the patch was copied to nsh4"
note "ok: nothing ran on nsh4"

# --- 2. nsh3 fixed; nsh2 fails: put back as it was before this run --------------

kill -KILL "$held3"
start nsh2 c
start nsh2 held hold; held2=$HPID
rollout
expect_eq 2 "$PLAY_RC" "the playbook's exit (nsh2 failed)"
host_wait out/nsh3-a 2
expect_eq "nsh1-a=2 nsh1-b=2 nsh2-a=2 nsh2-b=2 nsh2-c=1 nsh2-held=1 nsh3-a=2 nsh4-a=1 nsh4-b=1" \
	"$(answers nsh1 nsh2 nsh3-a nsh4)" "what each process answers"
expect_eq 2 "$(patched nsh2)" "processes of nsh2 with the patch (the two it had before)"
expect_eq 1 "$(patched nsh3)" "processes of nsh3 with the patch"
expect_eq 0 "$(patched nsh4)" "processes of nsh4 with the patch"
grep -E "^fatal: \\[nsh2\\]: FAILED!.*process $held2 .*refused.*reverted in the 1 processes this run patched" play.out >/dev/null ||
	fail "the playbook does not say why nsh2 failed and that it was put back"
grep -q "nsh4" play.out && fail "the playbook ran something on nsh4"

# --- 3. nothing in the way: every host takes it -------------------------------

kill -KILL "$held2"
rollout
expect_eq 0 "$PLAY_RC" "the playbook's exit (every host patched)"
for f in nsh2-c nsh4-a nsh4-b; do host_wait out/$f 2; done
expect_eq "nsh1-a=2 nsh1-b=2 nsh2-a=2 nsh2-b=2 nsh2-c=2 nsh3-a=2 nsh4-a=2 nsh4-b=2" \
	"$(answers nsh1 nsh2-a nsh2-b nsh2-c nsh3-a nsh4)" "what each process answers"
for h in "${HOSTS[@]}"; do
	[[ $(recap "$h") == *"failed=0"* ]] || fail "recap of $h: '$(recap "$h")'"
done
grep -q "patch 'fix': applied in 2 of 2 processes, 0 had it already" play.out ||
	fail "the playbook does not report nsh4's two processes patched"
note "ok: every host patched"
