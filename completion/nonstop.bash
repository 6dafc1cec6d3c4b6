# bash completion for nonstop (make install puts it in
# share/bash-completion/completions/nonstop): the commands, each one's
# options, process ids where a PID goes (with the command each runs), and
# *.nsp files where a PATCH goes.

_nonstop_pids() {
	local p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[[ $p == "$1"* ]] || continue
		COMPREPLY+=("$p")
	done
}

_nonstop() {
	local cur prev cmd i nargs=0
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "cflags build show apply revert status version help --help --version" -- "$cur")
		return 0
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	-o|--emit-transformer|--rewrite-diff|--diff|--sign)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	--binary|--new-binary)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	--src|--work)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0 ;;
	--mode)
		mapfile -t COMPREPLY < <(compgen -W "stop per-thread" -- "$cur")
		return 0 ;;
	--user)
		mapfile -t COMPREPLY < <(compgen -u -- "$cur")
		return 0 ;;
	--exclude)
		_nonstop_pids "$cur"
		return 0 ;;
	--timeout|--jobs|--name|--make)
		return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		case $cmd in
		build) opts="-o --binary --new-binary --name --src --diff --make --work --emit-transformer --sign --rewrite-diff -v --help" ;;
		show) opts="--json --help" ;;
		apply) opts="--mode --leave-pending --replace --complete --all-processes --jobs --user --exclude --timeout --json -v --help" ;;
		revert) opts="--all --all-processes --jobs --user --exclude --timeout --json -v --help" ;;
		status) opts="--all-processes --user --exclude --json --help" ;;
		cflags|version) opts="--help" ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return 0
	fi
	# The operands so far (words that are not options or option values).
	for ((i = 2; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-o|--binary|--new-binary|--name|--src|--diff|--make|--work|--emit-transformer|--sign|--rewrite-diff|--mode|--timeout|--jobs|--user|--exclude)
			((i++)) ;;
		-*) ;;
		*) ((nargs++)) ;;
		esac
	done
	local all=0
	[[ " ${COMP_WORDS[*]} " == *" --all-processes "* ]] && all=1
	compopt -o filenames 2>/dev/null
	case $cmd in
	show)
		mapfile -t COMPREPLY < <(compgen -f -X '!*.nsp' -- "$cur"; compgen -d -- "$cur") ;;
	apply)
		if [ $all = 1 ] || [ $nargs -ge 1 ]; then
			mapfile -t COMPREPLY < <(compgen -f -X '!*.nsp' -- "$cur"; compgen -d -- "$cur")
		else
			_nonstop_pids "$cur"
		fi ;;
	revert|status)
		[ $all = 0 ] && [ $nargs -eq 0 ] && _nonstop_pids "$cur" ;;
	build)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	esac
	return 0
}
complete -F _nonstop nonstop
