# tests/real/lib/debsrc.sh — what the real-program setups share (sourced by
# tests/real/memcached/setup.sh and tests/real/series.sh): messages, and
# fetching a Debian bookworm source package on a fresh machine.
#
#   RW_WHO=name; RW_LOGS=dir      (set before sourcing: message prefix, logs)
#   rw_say MSG / rw_die MSG       a message on stderr / "FAILED: MSG", exit 1
#   debsrc_apt_update             apt-get update, once per run
#   debsrc_ensure_deb_src         a deb-src entry for the Debian suites apt
#                                 already uses, when apt has none (as root:
#                                 /etc/apt/sources.list.d/nonstop-deb-src.sources,
#                                 the same URIs, suites, components and key as
#                                 the machine's "deb" entries)
#   debsrc_install TEST:PKG...    installs each PKG whose TEST fails (TEST: a
#                                 command name, or a path that must exist),
#                                 with apt-get as root; else names them, fails
#   debsrc_fetch PKG VERSION DIR  apt-get source --download-only PKG=VERSION
#                                 into DIR (once: kept when its .dsc is there);
#                                 fails clearly when that version is not offered

: "${RW_WHO:=real}"
: "${RW_LOGS:=.}"

rw_say() { echo "$RW_WHO: $*" >&2; }
rw_die() {
	rw_say "FAILED: $*"
	exit 1
}

command -v apt-get >/dev/null 2>&1 ||
	rw_die "apt-get not found: this setup needs Debian 12 (bookworm) and its package sources"

APT_ENV=(env DEBIAN_FRONTEND=noninteractive)
_debsrc_updated=0
debsrc_apt_update() {
	[ $_debsrc_updated = 1 ] && return 0
	rw_say "apt-get update"
	mkdir -p "$RW_LOGS"
	"${APT_ENV[@]}" apt-get update -qq --error-on=any >"$RW_LOGS/apt-update.log" 2>&1 ||
		rw_die "apt-get update failed (no network, or no Debian mirror reachable?): $(tail -n 5 "$RW_LOGS/apt-update.log")"
	_debsrc_updated=1
}

# debsrc_has_deb_src: apt has at least one enabled deb-src entry.
debsrc_has_deb_src() {
	grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
		grep -qsiE '^Types:.*\bdeb-src\b' /etc/apt/sources.list.d/*.sources
}

# debsrc_stanzas: prints one deb822 deb-src stanza per Debian bookworm
# "deb" entry apt has (one-line .list entries and deb822 .sources
# stanzas alike), with the same URIs, suites, components and key.
debsrc_stanzas() {
	local f
	# One-line format: deb [options] URI SUITE COMPONENT...
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" {
			i = 2; signed = ""
			if ($2 ~ /^\[/) {
				for (; i <= NF; i++) {
					if ($i ~ /^\[?signed-by=/) { s = $i; sub(/^\[?signed-by=/, "", s); sub(/\]$/, "", s); signed = s }
					if ($i ~ /\]$/) { i++; break }
				}
			}
			uri = $i; suite = $(i + 1); comps = ""
			for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
			if (suite !~ /^bookworm(-updates|-security|\/updates)?$/) next
			print "Types: deb-src"; print "URIs: " uri; print "Suites: " suite
			print "Components: " comps
			if (signed != "") print "Signed-By: " signed
			print ""
		}' "$f"
	done
	# deb822 format: stanzas separated by blank lines.
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			types = ""; uris = ""; suites = ""; comps = ""; signed = ""; enabled = "yes"
			for (i = 1; i <= NF; i++) {
				line = $i
				if (line ~ /^#/) continue
				split(line, kv, /:[ \t]*/)
				key = tolower(kv[1]); val = substr(line, length(kv[1]) + 2); sub(/^[ \t]+/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "components") comps = val
				else if (key == "signed-by") signed = val
				else if (key == "enabled") enabled = tolower(val)
			}
			if (enabled == "no" || types !~ /(^| )deb( |$)/) next
			n = split(suites, s, /[ \t]+/); keep = ""
			for (j = 1; j <= n; j++)
				if (s[j] ~ /^bookworm(-updates|-security)?$/) keep = keep (keep == "" ? "" : " ") s[j]
			if (keep == "") next
			print "Types: deb-src"; print "URIs: " uris; print "Suites: " keep
			print "Components: " comps
			if (signed != "") print "Signed-By: " signed
			print ""
		}' "$f"
	done
}

debsrc_ensure_deb_src() {
	debsrc_has_deb_src && return 0
	[ "$(id -u)" = 0 ] ||
		rw_die "apt has no deb-src entry: as root, run this again (it adds one), or add one yourself"
	local stanzas
	stanzas=$(debsrc_stanzas)
	[ -n "$stanzas" ] ||
		rw_die "apt has no Debian bookworm 'deb' entry to derive a deb-src entry from (is this Debian 12?)"
	rw_say "adding deb-src entries: /etc/apt/sources.list.d/nonstop-deb-src.sources"
	printf '# Added by nonstop tests/real/lib/debsrc.sh: source packages\n# for the suites of the deb entries, for apt-get source.\n%s\n' \
		"$stanzas" >/etc/apt/sources.list.d/nonstop-deb-src.sources
	_debsrc_updated=0
}

debsrc_install() {
	local need=() t pkg
	for t in "$@"; do
		pkg=${t#*:}
		t=${t%%:*}
		if [[ $t == /* ]]; then
			[ -e "$t" ] && continue
		else
			command -v "$t" >/dev/null 2>&1 && continue
		fi
		need+=("$pkg")
	done
	[ ${#need[@]} = 0 ] && return 0
	[ "$(id -u)" = 0 ] ||
		rw_die "missing: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}"
	debsrc_apt_update
	rw_say "apt-get install ${need[*]}"
	"${APT_ENV[@]}" apt-get install -y -qq "${need[@]}" >"$RW_LOGS/apt-install.log" 2>&1 ||
		rw_die "apt-get install ${need[*]} failed: $(tail -n 5 "$RW_LOGS/apt-install.log")"
}

debsrc_fetch() {
	local pkg=$1 version=$2 dir=$3 dsc
	dsc="$dir/${pkg}_${version#*:}.dsc"
	[ -f "$dsc" ] && return 0
	debsrc_ensure_deb_src
	debsrc_apt_update
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	rw_say "apt-get source --download-only $pkg=$version"
	if ! (cd "$dir.tmp" && "${APT_ENV[@]}" apt-get source --download-only -qq "$pkg=$version") \
		>"$RW_LOGS/apt-source.log" 2>&1; then
		rw_die "apt-get source $pkg=$version failed (this harness is pinned to that version;" \
			"apt offers: $(apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | paste -sd' ')):" \
			"$(tail -n 3 "$RW_LOGS/apt-source.log")"
	fi
	[ -f "$dir.tmp/$(basename "$dsc")" ] ||
		rw_die "apt-get source $pkg=$version fetched $(cd "$dir.tmp" && ls ./*.dsc 2>/dev/null || echo nothing)"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
}
