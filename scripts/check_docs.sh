#!/bin/sh
# scripts/check_docs.sh — checks the documentation (README.md, docs/*.md).
#
#   sh scripts/check_docs.sh [REV]
#
# 1. Every relative link resolves: the file exists, and a #fragment names a
#    heading of that page (GitHub's anchors: lower case, punctuation other
#    than - and _ dropped, spaces made -).
# 2. Every backquoted path of the repository (src/..., lib/..., tests/...,
#    a glob like tests/t_*.sh included) names something that exists.
# 3. With REV (a git revision): every backquoted span of REV's README.md
#    (whitespace made single spaces) is still backquoted somewhere in
#    README.md or docs/*.md; those that are not are listed, with whether
#    the text still occurs unquoted.
# Exit 0 if nothing is missing, 1 otherwise. Needs perl (Debian's
# perl-base) and, for REV, git.
set -eu
cd "$(dirname "$0")/.."
rev=${1:-}
old=""
if [ -n "$rev" ]; then
	old=$(mktemp)
	trap 'rm -f "$old"' EXIT
	git show "$rev:README.md" >"$old"
fi
OLD="$old" perl -e '
use strict; use warnings;
my @files = ("README.md", sort glob("docs/*.md"));
my $bad = 0;
sub slurp { my ($f) = @_; open(my $h, "<", $f) or return undef;
	local $/; my $t = <$h>; close $h; return $t; }
# Text outside fenced code blocks.
sub prose { my ($t) = @_; $t =~ s/^```.*?^```[^\n]*$//msg; return $t; }
sub anchor { my ($h) = @_; $h = lc $h; $h =~ s/[^a-z0-9 _-]//g;
	$h =~ s/ /-/g; return $h; }
my %anchors;
sub anchors_of { my ($f) = @_;
	return $anchors{$f} if $anchors{$f};
	my %a; my $t = slurp($f); $t = prose($t) if defined $t;
	for (split /\n/, $t // "") { $a{anchor($1)} = 1 if /^#+\s+(.*?)\s*$/; }
	return $anchors{$f} = \%a; }
my ($links, $paths) = (0, 0);
for my $f (@files) {
	my $t = prose(slurp($f));
	(my $dir = $f) =~ s{[^/]*$}{};
	while ($t =~ /\]\(([^)\s]+)\)/g) {
		my $l = $1;
		next if $l =~ m{^[a-z]+:};
		$links++;
		my ($p, $frag) = split /#/, $l, 2;
		my $target = $p eq "" ? $f : $dir . $p;
		1 while $target =~ s{[^/]+/\.\./}{};
		if (!-e $target) { print "$f: broken link $l\n"; $bad = 1; next; }
		next unless defined $frag && $target =~ /\.md$/;
		if (!anchors_of($target)->{$frag}) {
			print "$f: no heading #$frag in $target\n"; $bad = 1;
		}
	}
	while ($t =~ /`([^`]+)`/g) {
		my $s = $1;
		next unless $s =~ m{^(src|lib|tests|examples|include|bench|fuzz|docs|scripts|contrib)/[\w./*\[\]-]*$};
		next if $s =~ /XXXX/;
		$paths++;
		my @m = glob($s);
		if (!@m || !-e $m[0]) { print "$f: no such path `$s`\n"; $bad = 1; }
	}
}
print "links: $links checked; repository paths: $paths checked\n";
if ($ENV{OLD}) {
	my $norm = sub { my ($s) = @_; $s =~ s/\s+/ /g; $s =~ s/^ | $//g; $s };
	my %old; my $ot = prose(slurp($ENV{OLD}));
	while ($ot =~ /`([^`]+)`/g) { $old{$norm->($1)} = 1; }
	my (%new, $all) = ();
	for my $f (@files) {
		my $t = slurp($f); $all .= " " . $norm->($t);
		my $p = prose($t);
		while ($p =~ /`([^`]+)`/g) { $new{$norm->($1)} = 1; }
	}
	my @lost = grep { !$new{$_} } sort keys %old;
	for (@lost) {
		printf "backquoted in the old README, not in the new docs: `%s`%s\n",
			$_, index($all, $_) >= 0 ? " (still in the text, unquoted)" : "";
	}
	printf "backquoted spans: %d in the old README, %d lost\n",
		scalar(keys %old), scalar(@lost);
	$bad = 1 if @lost;
}
exit $bad;
'
