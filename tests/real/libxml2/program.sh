# tests/real/libxml2/program.sh — libxml2 in the real-world harness (sourced
# by tests/real/series.sh): the library patched live inside a running
# program that uses it, tests/real/libxml2/xmlserve.c.
#
# The source: libxml2 2.9.14+dfsg-1.3~deb12u6 (Debian 12), pristine upstream
# with Debian's patches of the version bookworm was released with
# (2.9.14+dfsg-1.3, up to Also-reset-nsNr-in-htmlCtxtReset.patch); the
# series is every later patch (the bookworm security and point-release
# updates), each reduced to its code (tests/real/series.sh). Built with its own ./configure (no Python bindings, shared
# library only) and `make libxml2.la`: the library alone, not xmllint and
# the test programs, which nonstop would otherwise have to choose among.
# The process runs xmlserve linked with the tree's .libs/libxml2.so.2; the
# patches are built for .libs/libxml2.so.2.9.14.
#
# The load: every request kind of xmlserve (parse, DTD validation, reader,
# HTML, C14N, XPath, XSD with a key, RELAX NG with values, Schematron,
# xmlTextWriter with namespaces, reads of kept documents), answers checked
# byte for byte. The state: documents parsed and kept in the server before
# the series (libxml2 trees and dictionaries), read back after it.

PKG=libxml2
VERSION=2.9.14+dfsg-1.3~deb12u6
BASE_LAST=Also-reset-nsNr-in-htmlCtxtReset.patch
RECIPE=1
DEPS=(/usr/include/zlib.h:zlib1g-dev /usr/include/lzma.h:liblzma-dev jq:jq ss:iproute2)
CONFIGURE=(./configure --without-python --disable-static)
MAKE_CMD="make libxml2.la"
BINARY=.libs/libxml2.so.2.9.14
# Not the library's code: the test programs (runtest.c, testcatalog.c …)
# and the Python bindings. (xmllint.c stays: nonstop finds no code of it in
# the library.)
NOT_CODE=('python/*' 'test*.c' 'run*.c')

rw_prepare() {
	local tree=$1
	gcc -O2 -std=gnu11 -Wall -Wextra -Werror -pthread -I "$tree/include" \
		-o xmlserve "$ROOT/tests/real/libxml2/xmlserve.c" \
		-L "$tree/.libs" -lxml2 -Wl,-rpath,"$tree/.libs" || rw_die "cannot build xmlserve"
}

rw_start() {
	local tree=$1
	./xmlserve "$RUN/port" >xmlserve.out 2>xmlserve.err &
	SERVER_PID=$!
	for _ in $(seq 100); do
		[ -s "$RUN/port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$RUN/port" 2>/dev/null || true)
	grep -q "$tree/.libs/libxml2.so" "/proc/$SERVER_PID/maps" ||
		rw_die "xmlserve does not run the tree's libxml2: $(grep libxml2 "/proc/$SERVER_PID/maps" | head -n 1)"
}

rw_requests() {
	local d=$1 doc='<r><c id="a">x</c><c id="b">y</c></r>'
	local dtd='<!DOCTYPE r [<!ELEMENT r (c+)><!ELEMENT c (#PCDATA)><!ATTLIST c id ID #IMPLIED>]>'
	printf 'X<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e "ent">]>\n<r a="1"><c>&e;</c><d xmlns:n="urn:n"><n:x n:y="2"/></d><!-- c --><?pi x?><![CDATA[<cd>]]></r>\n' >"$d/x1"
	printf 'V%s%s' "$dtd" "$doc" >"$d/v1"
	printf 'D%s%s' "$dtd" "$doc" >"$d/d1"
	printf 'H<html><head><title>t</title></head><body><p>hi<b>bold</p><table><tr><td>x</table>&amp;&copy;</body></html>' >"$d/h1"
	printf 'C<r xmlns:a="urn:a" xmlns:u="urn:u"><a:b z="2" y="1">t</a:b></r>' >"$d/c1"
	printf 'Qconcat(string(/r/c[2]), "-", count(//c), "-", name(/*))\f%s' "$doc" >"$d/q1"
	printf 'S<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="r"><xs:complexType><xs:sequence><xs:element name="c" maxOccurs="unbounded"><xs:complexType><xs:simpleContent><xs:extension base="xs:string"><xs:attribute name="id" type="xs:ID"/></xs:extension></xs:simpleContent></xs:complexType></xs:element></xs:sequence></xs:complexType><xs:key name="k"><xs:selector xpath="c"/><xs:field xpath="@id"/></xs:key></xs:element></xs:schema>\f%s' "$doc" >"$d/s1"
	printf 'R<element name="r" xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes"><oneOrMore><element name="c"><attribute name="id"><data type="ID"/></attribute><choice><value>x</value><value>y</value></choice></element></oneOrMore></element>\f%s' "$doc" >"$d/r1"
	printf "T<schema xmlns=\"http://purl.oclc.org/dsdl/schematron\"><pattern><rule context=\"c\"><assert test=\"@id\">c needs an id</assert><report test=\"@id='b'\">b is <value-of select=\"@id\"/></report></rule></pattern></schema>\f%s" "$doc" >"$d/t1"
	printf 'Wname\ftext & <more>' >"$d/w1"
	local i
	for i in 1 2 3 4 5; do
		printf 'Gk%s' $i >"$d/g$i"
	done
}

# The kept documents: stored before the series, read back by the load
# (its reference answers are taken before the first fix) and after it.
rw_state_put() {
	local i
	mkdir -p "$RUN/state"
	for i in 1 2 3 4 5; do
		printf 'Pk%s\f<kept n="%s" xmlns:k="urn:k"><k:v at="%s">%s &amp; %s</k:v></kept>' \
			$i $i "$RANDOM" "$RANDOM" "$RANDOM" >"$RUN/state/p$i"
		[ "$(./rwload ask "$PORT" "$RUN/state/p$i")" = kept ] || rw_die "xmlserve did not keep document k$i"
		./rwload ask "$PORT" "$RUN/req/g$i" >"$RUN/state/g$i.before" || rw_die "xmlserve did not give back k$i"
	done
}

rw_state_check() {
	local i
	for i in 1 2 3 4 5; do
		./rwload ask "$PORT" "$RUN/req/g$i" >"$RUN/state/g$i.after" || return 1
		cmp -s "$RUN/state/g$i.before" "$RUN/state/g$i.after" || {
			rw_say "kept document k$i changed: $(cat "$RUN/state/g$i.after")"
			return 1
		}
	done
	rw_say "state: the 5 documents kept before the series are served unchanged"
}

rw_stop() { :; }
