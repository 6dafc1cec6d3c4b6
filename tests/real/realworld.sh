#!/usr/bin/env bash
# tests/real/realworld.sh — `make realworld`: the real-world harness. Runs
# tests/real/series.sh for each program (REALWORLD_PROGRAMS, default
# "libxml2 unbound": every fix of its Debian bookworm security series built
# and applied live under load), then prints the table of every fix (applied
# / no code change / refused and why, functions, pause) with the success
# rate over the fixes that change code (a fix applied in a cumulative patch
# with --replace, after the fix alone was refused for a limit of stacking,
# counts as applied: the process runs it; the table and the rate line say
# how many), and writes it into docs/REALWORLD.md
# between its "realworld:begin" and "realworld:end" lines (REALWORLD_DOCS=0:
# only build/real/rw/REALWORLD.md).
#
# Exits 1 when a program's own checks failed (a failed request, a crash, a
# restart, state lost) or when fewer than REALWORLD_MIN_RATE percent
# (default 90) of the code-changing fixes were applied live; the rate is
# printed either way.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROGRAMS=${REALWORLD_PROGRAMS:-libxml2 unbound}
MIN_RATE=${REALWORLD_MIN_RATE:-90}
OUT=$ROOT/build/real/rw
mkdir -p "$OUT"

status=0
for p in $PROGRAMS; do
	echo "== $p"
	if ! bash "$ROOT/tests/real/series.sh" "$p"; then
		echo "== $p: FAILED (see above; logs in $OUT/$p)"
		status=1
	fi
done

# The table (markdown), from each program's results.tsv and summary.txt.
md=$OUT/REALWORLD.md
{
	echo "Run of $(date -u +%Y-%m-%d) on $(uname -m), $(gcc --version | head -n 1), nonstop $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')."
	echo
	all_code=0
	all_applied=0
	all_cumul=0
	for p in $PROGRAMS; do
		r=$OUT/$p/results.tsv
		s=$OUT/$p/summary.txt
		[ -f "$r" ] || { echo "**$p**: no results (its setup failed)."; echo; continue; }
		ver=$(sed -n 's/.* version=\([^ ]*\).*/\1/p' "$s" 2>/dev/null)
		base=$(sed -n 's/.* base=\([^ ]*\).*/\1/p' "$s" 2>/dev/null)
		echo "### $p $ver"
		echo
		echo "Base: upstream with Debian's patches up to \`$base\`. Load: \`$(sed -n 's/^load=//p' "$s" 2>/dev/null)\`; checks: $(sed -n 's/^checks=//p' "$s" 2>/dev/null)."
		echo
		echo "| # | fix (debian/patches) | CVE | outcome | functions replaced or added | pause (µs) | hunks dropped (not code) |"
		echo "|---|---|---|---|---|---|---|"
		# (\037, not a tab, separates the fields: read keeps empty ones.)
		while IFS=$'\037' read -r n fix cve outcome funcs pause msg dropped; do
			f=$(tr ' ' '\n' <<<"$funcs" | grep -v '__internal_alias$' | grep . | paste -sd' ')
			nf=$(wc -w <<<"$f")
			more=""
			[ "$nf" -gt 6 ] && f=$(cut -d' ' -f1-6 <<<"$f") && more=" … ($nf in all)"
			[ -n "$msg" ] && outcome="$outcome: ${msg//|/\\|}"
			echo "| $n | \`$fix\` | ${cve//,/, } | $outcome | ${f:+\`${f// /\`, \`}\`$more} | ${pause:--} | ${dropped:--} |"
		done < <(tr '\t' '\037' <"$r")
		code=$(awk -F'\t' '$4 != "no-code-change"' "$r" | wc -l)
		applied=$(awk -F'\t' '$4 ~ /^applied/' "$r" | wc -l)
		cumul=$(awk -F'\t' '$4 == "applied (cumulative, --replace)"' "$r" | wc -l)
		all_code=$((all_code + code))
		all_applied=$((all_applied + applied))
		all_cumul=$((all_cumul + cumul))
		echo
		echo "$p: $applied of $code fixes that change code applied live ($((code ? applied * 100 / code : 0))%; $cumul of them in a cumulative patch with --replace); $(($(wc -l <"$r") - code)) without code change."
		echo
	done
	rate=$((all_code ? all_applied * 100 / all_code : 0))
	echo "$all_cumul of the $all_applied went live in a cumulative patch (the original tree to the tree with the fix, \`apply --replace\`) after the fix alone was refused for a limit of stacking."
	echo
	echo "**Success rate: $all_applied of $all_code code-changing fixes applied live ($rate%).**"
} >"$md"
cat "$md"
rate=$(sed -n 's/.*(\([0-9]*\)%)\.\*\*$/\1/p' "$md")

if [ "${REALWORLD_DOCS:-1}" = 1 ] && [ -f "$ROOT/docs/REALWORLD.md" ]; then
	awk -v f="$md" '
		/<!-- realworld:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- realworld:end -->/ { skip = 0 }
		!skip' "$ROOT/docs/REALWORLD.md" >"$OUT/doc.tmp" && mv "$OUT/doc.tmp" "$ROOT/docs/REALWORLD.md"
	echo "(written into docs/REALWORLD.md)"
fi
if [ "${rate:-0}" -lt "$MIN_RATE" ]; then
	echo "realworld: FAILED: $rate% of the code-changing fixes applied live, below $MIN_RATE%"
	status=1
fi
[ $status = 0 ] && echo "realworld: passed" || echo "realworld: FAILED"
exit $status
