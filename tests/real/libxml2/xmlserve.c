/* tests/real/libxml2/xmlserve.c — a small threaded server that uses
 * libxml2, the program the real-world harness (tests/real/realworld.sh)
 * patches libxml2 inside: it is linked with the libxml2.so built from
 * Debian's source with `nonstop cflags`, and the fixes are applied live to
 * that library in the running server.
 *
 *   xmlserve PORTFILE
 *
 * Listens on an ephemeral port of 127.0.0.1 (written to PORTFILE), one
 * thread per connection. A request is a frame (a 2-byte big-endian length
 * and that many bytes, as tests/real/lib/rwload.c sends them), whose first
 * byte says what to do with the rest; parts are separated by a form feed
 * (\f). The answer is one frame of text, the same for the same request:
 *
 *   X doc          parse (entities substituted), counts its elements, serializes
 *   V doc          parse and validate against the document's DTD
 *   D doc          walk it with the xmlTextReader, DTD-validating
 *   H html         parse as HTML, serialize
 *   C doc          exclusive canonical form (C14N)
 *   Q xpath\fdoc   the string value of an XPath expression
 *   S xsd\fdoc     parse the W3C schema, validate the document with it
 *   R rng\fdoc     the same with a RELAX NG schema
 *   T sch\fdoc     the same with a Schematron schema
 *   W name\ftext   write <p:name xmlns:p="urn:p" a="text">text</p:name>
 *                  with the xmlTextWriter
 *   P key\fdoc     keep the parsed document in memory under key
 *   G key          serialize the document kept under key
 *
 * The documents kept by P are the server's state: they live in libxml2's
 * own structures (nodes, dictionaries) across every patch. libxml2's error
 * messages are discarded; an error is part of the answer ("error ...").
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/schematron.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>

#define MAX_FRAME 65535
#define MAX_KEPT 1024

struct out {
	char buf[MAX_FRAME];
	size_t len;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < sizeof o->buf - o->len ? (size_t)n : sizeof o->buf - o->len - 1;
}

static void put_bytes(struct out *o, const void *p, size_t n)
{
	if (n > sizeof o->buf - o->len)
		n = sizeof o->buf - o->len;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put_doc(struct out *o, xmlDocPtr doc)
{
	xmlChar *mem = NULL;
	int size = 0;
	xmlDocDumpMemory(doc, &mem, &size);
	if (mem)
		put_bytes(o, mem, (size_t)size);
	xmlFree(mem);
}

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

static void set_quiet(void)
{
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
}

/* The kept documents (P, G). */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *key;
	xmlDocPtr doc;
} kept[MAX_KEPT];

static xmlDocPtr parse(const char *p, size_t n, int opts)
{
	return xmlReadMemory(p, (int)n, "request.xml", NULL, opts | XML_PARSE_NONET);
}

/* split: the part before the first \f (NUL-terminated in place) and the rest. */
static char *split(char *p, size_t n, size_t *rest_len)
{
	char *ff = memchr(p, '\f', n);
	if (!ff)
		return NULL;
	*ff = 0;
	*rest_len = n - (size_t)(ff + 1 - p);
	return ff + 1;
}

static void do_schema(struct out *o, char type, char *p, size_t n)
{
	size_t dn;
	char *d = split(p, n, &dn);
	if (!d) {
		put(o, "error no document");
		return;
	}
	xmlDocPtr doc = parse(d, dn, 0);
	if (!doc) {
		put(o, "error document");
		return;
	}
	int r = -2;
	if (type == 'S') {
		xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(p, (int)strlen(p));
		xmlSchemaPtr s = xmlSchemaParse(pc);
		if (s) {
			xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s);
			r = xmlSchemaValidateDoc(vc, doc);
			xmlSchemaFreeValidCtxt(vc);
			xmlSchemaFree(s);
		}
		xmlSchemaFreeParserCtxt(pc);
	} else if (type == 'R') {
		xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(p, (int)strlen(p));
		xmlRelaxNGPtr s = xmlRelaxNGParse(pc);
		if (s) {
			xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(s);
			r = xmlRelaxNGValidateDoc(vc, doc);
			xmlRelaxNGFreeValidCtxt(vc);
			xmlRelaxNGFree(s);
		}
		xmlRelaxNGFreeParserCtxt(pc);
	} else {
		xmlSchematronParserCtxtPtr pc = xmlSchematronNewMemParserCtxt(p, (int)strlen(p));
		xmlSchematronPtr s = xmlSchematronParse(pc);
		if (s) {
			xmlSchematronValidCtxtPtr vc = xmlSchematronNewValidCtxt(s, XML_SCHEMATRON_OUT_QUIET);
			r = xmlSchematronValidateDoc(vc, doc);
			xmlSchematronFreeValidCtxt(vc);
			xmlSchematronFree(s);
		}
		xmlSchematronFreeParserCtxt(pc);
	}
	put(o, r == -2 ? "error schema" : "%c valid=%d", type, r == 0);
	xmlFreeDoc(doc);
}

static void handle(struct out *o, char *req, size_t n)
{
	char type = req[0];
	char *p = req + 1;
	size_t pn = n - 1;
	p[pn] = 0;
	xmlDocPtr doc;
	switch (type) {
	case 'X':
	case 'V': {
		xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
		doc = xmlCtxtReadMemory(ctxt, p, (int)pn, "request.xml", NULL,
					XML_PARSE_NONET | (type == 'X' ? XML_PARSE_NOENT : XML_PARSE_DTDVALID));
		if (!doc) {
			put(o, "error parse");
		} else if (type == 'V') {
			put(o, "valid=%d\n", ctxt->valid);
			put_doc(o, doc);
		} else {
			xmlXPathContextPtr xc = xmlXPathNewContext(doc);
			xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST "count(//*)", xc);
			put(o, "elements=%g\n", r ? r->floatval : -1.0);
			xmlXPathFreeObject(r);
			xmlXPathFreeContext(xc);
			put_doc(o, doc);
		}
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		break;
	}
	case 'D': {
		xmlTextReaderPtr r = xmlReaderForMemory(p, (int)pn, "request.xml", NULL,
							XML_PARSE_NONET | XML_PARSE_DTDVALID);
		int nodes = 0, ret;
		if (!r) {
			put(o, "error reader");
			break;
		}
		while ((ret = xmlTextReaderRead(r)) == 1)
			nodes++;
		put(o, "nodes=%d ret=%d valid=%d", nodes, ret, xmlTextReaderIsValid(r));
		xmlFreeTextReader(r);
		break;
	}
	case 'H': {
		htmlDocPtr h = htmlReadMemory(p, (int)pn, "request.html", NULL,
					      HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
		if (!h) {
			put(o, "error html");
			break;
		}
		xmlChar *mem = NULL;
		int size = 0;
		htmlDocDumpMemory(h, &mem, &size);
		if (mem)
			put_bytes(o, mem, (size_t)size);
		xmlFree(mem);
		xmlFreeDoc(h);
		break;
	}
	case 'C': {
		doc = parse(p, pn, 0);
		xmlChar *mem = NULL;
		int size = doc ? xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, &mem) : -1;
		if (size < 0)
			put(o, "error c14n");
		else
			put_bytes(o, mem, (size_t)size);
		xmlFree(mem);
		xmlFreeDoc(doc);
		break;
	}
	case 'Q': {
		size_t dn;
		char *d = split(p, pn, &dn);
		doc = d ? parse(d, dn, 0) : NULL;
		if (!doc) {
			put(o, "error document");
			break;
		}
		xmlXPathContextPtr xc = xmlXPathNewContext(doc);
		xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST p, xc);
		xmlChar *s = r ? xmlXPathCastToString(r) : NULL;
		put(o, "xpath=%s", s ? (const char *)s : "(error)");
		xmlFree(s);
		xmlXPathFreeObject(r);
		xmlXPathFreeContext(xc);
		xmlFreeDoc(doc);
		break;
	}
	case 'S':
	case 'R':
	case 'T':
		do_schema(o, type, p, pn);
		break;
	case 'W': {
		size_t tn;
		char *t = split(p, pn, &tn);
		xmlBufferPtr buf = xmlBufferCreate();
		xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
		if (!t || !w) {
			put(o, "error writer");
		} else {
			xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
			xmlTextWriterStartElementNS(w, BAD_CAST "p", BAD_CAST p, BAD_CAST "urn:p");
			xmlTextWriterStartAttributeNS(w, BAD_CAST "q", BAD_CAST "a", BAD_CAST "urn:q");
			xmlTextWriterWriteString(w, BAD_CAST t);
			xmlTextWriterEndAttribute(w);
			xmlTextWriterWriteString(w, BAD_CAST t);
			xmlTextWriterEndElement(w);
			xmlTextWriterEndDocument(w);
			xmlFreeTextWriter(w);
			w = NULL;
			put_bytes(o, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
		}
		if (w)
			xmlFreeTextWriter(w);
		xmlBufferFree(buf);
		break;
	}
	case 'P':
	case 'G': {
		size_t dn = 0;
		char *d = type == 'P' ? split(p, pn, &dn) : NULL;
		doc = d ? parse(d, dn, 0) : NULL;
		if (type == 'P' && !doc) {
			put(o, "error document");
			break;
		}
		pthread_mutex_lock(&kept_lock);
		int i, free_slot = -1;
		for (i = 0; i < MAX_KEPT; i++) {
			if (kept[i].key && strcmp(kept[i].key, p) == 0)
				break;
			if (!kept[i].key && free_slot < 0)
				free_slot = i;
		}
		if (type == 'G') {
			if (i < MAX_KEPT)
				put_doc(o, kept[i].doc);
			else
				put(o, "error no such key");
		} else if (i < MAX_KEPT) {
			xmlFreeDoc(kept[i].doc);
			kept[i].doc = doc;
			put(o, "kept");
		} else if (free_slot >= 0) {
			kept[free_slot].key = strdup(p);
			kept[free_slot].doc = doc;
			put(o, "kept");
		} else {
			xmlFreeDoc(doc);
			put(o, "error full");
		}
		pthread_mutex_unlock(&kept_lock);
		break;
	}
	default:
		put(o, "error request");
	}
}

static int io_all(int fd, void *buf, size_t len, int wr)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = wr ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *req = malloc(MAX_FRAME + 1);
	struct out *o = malloc(sizeof *o);
	set_quiet();
	for (;;) {
		unsigned char hdr[2];
		if (io_all(fd, hdr, 2, 0) < 0)
			break;
		size_t n = (size_t)hdr[0] << 8 | hdr[1];
		if (n == 0 || io_all(fd, req, n, 0) < 0)
			break;
		o->len = 0;
		handle(o, req, n);
		hdr[0] = (unsigned char)(o->len >> 8);
		hdr[1] = (unsigned char)o->len;
		if (io_all(fd, hdr, 2, 1) < 0 || io_all(fd, o->buf, o->len, 1) < 0)
			break;
	}
	close(fd);
	free(req);
	free(o);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: xmlserve PORTFILE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	xmlInitParser();
	set_quiet();
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sa;
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 64) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
		perror("xmlserve: listen");
		return 1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", ntohs(sa.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, argv[1]) != 0) {
		perror("xmlserve: port file");
		return 1;
	}
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("xmlserve: accept");
			return 1;
		}
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, conn_main, (void *)(intptr_t)fd) != 0)
			close(fd);
		pthread_attr_destroy(&at);
	}
}
