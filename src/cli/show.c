/* show.c — `nonstop show [--json] PATCH`: what a patch changes, read
 * through the validating patch reader, and its seal: digest, signer, and
 * whether this host's key policy trusts the signer. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/escape.h"
#include "patch/patch.h"
#include "patch/patch_trust.h"

static void help(void)
{
	printf("usage: nonstop show [--json] PATCH\n\n"
	       "Shows what a patch changes: the binary and build-id it is bound to,\n"
	       "the build-id of the version it produces (if built with --new-binary),\n"
	       "every function it replaces or adds and why, the variables it adds or\n"
	       "transforms (with their state transformers), the symbols of the\n"
	       "target it binds to, every difference the generator ignored and why\n"
	       "(a function whose only change is shifted line numbers), and its\n"
	       "hooks: the functions nonstop runs in the process before and after\n"
	       "it applies or reverts the patch (NONSTOP_PRE_APPLY ... in\n"
	       "nonstop.h), each with whether it is the patch's own code or a\n"
	       "function of the program.\n\n"
	       "It also shows the patch's seal: the SHA-256 digest of its content\n"
	       "(checked before anything is read: a damaged file is refused), and\n"
	       "whether it is signed (build --sign): by which key (SHA256: and the\n"
	       "SHA-256 of the raw public key, as build prints it), and whether this\n"
	       "host trusts that key, that is whether its public key is one of the\n"
	       "*.pem files in the keys directory ($NONSTOP_KEYS_DIR, default\n"
	       NS_KEYS_DIR_DEFAULT "; see nonstop apply --help).\n\n"
	       "options:\n"
	       "  --json   one JSON object instead of text\n"
	       "  --help   this text\n");
}

static const char *kind_name(uint32_t k)
{
	switch (k) {
	case NS_ENTRY_REPLACE:  return "replace";
	case NS_ENTRY_NEW_FUNC: return "new function";
	case NS_ENTRY_NEW_DATA: return "new data";
	case NS_ENTRY_IGNORED:  return "ignored";
	case NS_ENTRY_XFORM_DATA: return "transformed data";
	case NS_ENTRY_TRANSFORM:  return "transformer";
	case NS_ENTRY_UNTRANSFORM: return "untransformer";
	default:                return "?";
	}
}

static const char *reason_name(uint32_t r)
{
	switch (r) {
	case NS_REASON_BYTES: return "bytes changed";
	case NS_REASON_RELOC: return "reference changed";
	case NS_REASON_NEW:   return "new";
	case NS_REASON_LINES: return "line numbers only";
	case NS_REASON_XFORM: return "state transformer";
	case NS_REASON_USES_XFORM: return "uses transformed data";
	case NS_REASON_SIGNATURE: return "signature changed: the old one stays";
	default:              return "";
	}
}

static void hex(const uint8_t *id, uint32_t len, char *out)
{
	for (uint32_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
	out[2 * len] = '\0';
}

/* The trust this host gives the patch's signer, in words: "trusted:
 * FILE", "not trusted by this host's policy", ... */
static void trust_words(const struct ns_patch *p, const struct ns_trust *t,
			char *out, size_t len)
{
	switch (t->verdict) {
	case NS_TRUST_TRUSTED:
		snprintf(out, len, "trusted: %s", t->key_file);
		break;
	case NS_TRUST_UNTRUSTED:
		snprintf(out, len, p->seal.is_signed ?
			 "not trusted by this host's policy" :
			 "this host's policy applies only patches signed by a key "
			 "in %s", t->dir);
		break;
	case NS_TRUST_NO_POLICY:
		snprintf(out, len, "this host has no key policy: no *.pem in %s",
			 t->dir);
		break;
	case NS_TRUST_BROKEN:
		snprintf(out, len, "not trusted by this host's policy, which is "
			 "refused: %s", t->why);
		break;
	}
}

static const char *trust_name(enum ns_trust_verdict v)
{
	switch (v) {
	case NS_TRUST_TRUSTED:   return "trusted";
	case NS_TRUST_UNTRUSTED: return "untrusted";
	case NS_TRUST_BROKEN:    return "policy refused";
	default:                 return "no policy";
	}
}

static void show_seal_text(const struct ns_patch *p)
{
	char dig[2 * NS_DIGEST_LEN + 1], key[NS_KEY_NAME_LEN];
	char words[sizeof(((struct ns_trust *)0)->why) + 128];
	struct ns_trust t;

	ns_trust_lookup(&p->seal, &t);
	trust_words(p, &t, words, sizeof(words));
	hex(p->seal.digest, NS_DIGEST_LEN, dig);
	printf("digest:   %s (SHA-256)\n", dig);
	if (p->seal.is_signed) {
		ns_key_name(p->seal.key_id, key);
		printf("seal:     signed by key %s (%s)\n", key, words);
	} else {
		printf("seal:     unsigned (%s)\n", words);
	}
}

static void show_seal_json(const struct ns_patch *p)
{
	char dig[2 * NS_DIGEST_LEN + 1], key[NS_KEY_NAME_LEN];
	struct ns_trust t;

	ns_trust_lookup(&p->seal, &t);
	hex(p->seal.digest, NS_DIGEST_LEN, dig);
	printf("\"digest\":\"%s\",\"signed_by\":", dig);
	if (p->seal.is_signed) {
		ns_key_name(p->seal.key_id, key);
		printf("\"%s\"", key);
	} else {
		fputs("null", stdout);
	}
	printf(",\"trust\":\"%s\",\"key_file\":", trust_name(t.verdict));
	ns_json_str(t.verdict == NS_TRUST_TRUSTED ? t.key_file : NULL);
	fputs(",\"keys_dir\":", stdout);
	ns_json_str(t.dir);
	fputs(",\"policy_error\":", stdout);
	ns_json_str(t.verdict == NS_TRUST_BROKEN ? t.why : NULL);
	putchar(',');
}

static void build_id_hex(const struct ns_patch *p, char *out)
{
	hex(p->build_id, p->build_id_len, out);
}

static size_t count_ignored(const struct ns_patch *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nentries; i++)
		n += p->entries[i].kind == NS_ENTRY_IGNORED;
	return n;
}

/* Reference K of an entry: {"at":OFF,"symbol":NAME[,"file":F],"addend":A}
 * or {"at":OFF,"string":S[,"partial":true]}. */
static void json_ref(const struct ns_ref *f, uint32_t k)
{
	printf("%s{\"at\":%u,", k ? "," : "", f->off);
	if (f->kind != NS_REF_SYMBOL) {
		fputs("\"string\":", stdout);
		ns_json_str(f->name);
		if (f->kind == NS_REF_STRING_PART)
			fputs(",\"partial\":true", stdout);
		putchar('}');
		return;
	}
	fputs("\"symbol\":", stdout);
	ns_json_str(f->name);
	if (f->file) {
		fputs(",\"file\":", stdout);
		ns_json_str(f->file);
	}
	printf(",\"addend\":%lld}", (long long)f->addend);
}

/* One entry as a JSON object. */
static void json_entry(const struct ns_patch *p, const struct ns_entry *e)
{
	printf("{\"kind\":\"%s\",\"name\":", kind_name(e->kind));
	ns_json_str(e->name);
	fputs(",\"file\":", stdout);
	ns_json_str(e->file);
	fputs(",\"object\":", stdout);
	ns_json_str(e->object);
	printf(",\"reason\":\"%s\"", reason_name(e->reason));
	if (e->kind == NS_ENTRY_XFORM_DATA)
		printf(",\"old_size\":%llu", (unsigned long long)e->old_size);
	if (e->kind == NS_ENTRY_TRANSFORM || e->kind == NS_ENTRY_UNTRANSFORM) {
		fputs(",\"function\":", stdout);
		ns_json_str(p->syms[e->sym].name);
	}
	if (e->kind == NS_ENTRY_REPLACE) {
		printf(",\"old_size\":%llu,\"old_sum\":\"%016llx\",\"masks\":[",
		       (unsigned long long)e->old_size,
		       (unsigned long long)e->old_sum);
		for (uint32_t m = 0; m < e->nmasks; m++)
			printf("%s[%u,%u]", m ? "," : "", e->masks[m].off, e->masks[m].len);
		fputs("],\"refs\":[", stdout);
		for (uint32_t k = 0; k < e->nrefs; k++)
			json_ref(&e->refs[k], k);
		putchar(']');
	}
	putchar('}');
}

static size_t count_hooks(const struct ns_patch *p)
{
	size_t n = 0;

	for (size_t k = 0; k < NS_HOOK_KINDS; k++)
		n += p->hooks[k] != 0;
	return n;
}

/* Where a hook's function is: "patch" (its own code) or "target". */
static const char *hook_where(const struct ns_patch *p, uint32_t sym)
{
	return p->syms[sym].kind == NS_SYM_DEFINED ? "patch" : "target";
}

/* What hook K may lock, the line under it: which thread it may run in. */
static void show_hook_locks_text(const struct ns_patch *p, uint32_t k)
{
	char names[96];

	if (!p->hook_locks[k]) {
		printf("                takes no lock: runs in any thread\n");
		return;
	}
	printf("                may lock %s: ", ns_locks_name(p->hook_locks[k],
	       names, sizeof(names)));
	if (p->hook_why[k])
		ns_esc_put(p->hook_why[k]);
	else
		fputs("(the patch does not say which calls: format 3)", stdout);
	putchar('\n');
}

static void show_hooks_text(const struct ns_patch *p)
{
	printf("hooks:    %zu\n", count_hooks(p));
	for (uint32_t k = 0; k < NS_HOOK_KINDS; k++) {
		uint32_t sym = p->hooks[k];

		if (!sym)
			continue;
		printf("  %-13s ", ns_hook_kind_name(k + 1));
		ns_esc_put(p->syms[sym].name);
		printf("  [%s]\n", hook_where(p, sym));
		show_hook_locks_text(p, k);
	}
}

static void show_hooks_json(const struct ns_patch *p)
{
	fputs(",\"hooks\":[", stdout);
	for (uint32_t k = 0, n = 0; k < NS_HOOK_KINDS; k++) {
		uint32_t sym = p->hooks[k];

		if (!sym)
			continue;
		printf("%s{\"kind\":\"%s\",\"function\":", n++ ? "," : "",
		       ns_hook_kind_name(k + 1));
		ns_json_str(p->syms[sym].name);
		printf(",\"in\":\"%s\",\"locks\":[", hook_where(p, sym));
		for (uint32_t i = 0, m = 0; i < NS_LOCK_CLASSES; i++)
			if (p->hook_locks[k] & (1u << i))
				printf("%s\"%s\"", m++ ? "," : "", ns_lock_class_name(i));
		fputs("],\"locks_why\":", stdout);
		if (p->hook_why[k])
			ns_json_str(p->hook_why[k]);
		else
			fputs("null", stdout);
		putchar('}');
	}
	putchar(']');
}

/* " (static, FILE)  [OBJECT]" of an entry, escaped: every name in a patch
 * file is the file's to choose. */
static void put_file_object(const struct ns_entry *e)
{
	if (e->file) {
		fputs(" (static, ", stdout);
		ns_esc_put(e->file);
		putchar(')');
	}
	fputs("  [", stdout);
	ns_esc_put(e->object ? e->object : "?");
	putchar(']');
}

static void show_text(const struct ns_patch *p)
{
	char bid[2 * NS_BUILD_ID_MAX + 1];

	build_id_hex(p, bid);
	fputs("patch:    ", stdout);
	ns_esc_put(p->name);
	fputs("\nbinary:   ", stdout);
	ns_esc_put(p->binary);
	printf("\nbuild-id: %s\n", bid);
	hex(p->result_build_id, p->result_build_id_len, bid);
	printf("result:   %s\nid:       %016llx\n",
	       p->result_build_id_len ? bid : "not recorded (built without --new-binary)",
	       (unsigned long long)p->id);
	show_seal_text(p);
	printf("entries:  %zu\n", p->nentries - count_ignored(p));
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];

		if (e->kind == NS_ENTRY_IGNORED)
			continue;
		printf("  %-13s ", kind_name(e->kind));
		ns_esc_put(e->name);
		if (e->kind == NS_ENTRY_TRANSFORM || e->kind == NS_ENTRY_UNTRANSFORM) {
			fputs(" by ", stdout);
			ns_esc_put(p->syms[e->sym].name);
			fputs("()", stdout);
		}
		put_file_object(e);
		if (e->reason)
			printf("  %s", reason_name(e->reason));
		if (e->kind == NS_ENTRY_REPLACE)
			printf(", old size %llu (%u relocated range%s masked, %u "
			       "reference%s checked)", (unsigned long long)e->old_size,
			       e->nmasks, e->nmasks == 1 ? "" : "s", e->nrefs,
			       e->nrefs == 1 ? "" : "s");
		if (e->kind == NS_ENTRY_XFORM_DATA)
			printf(", live size %llu", (unsigned long long)e->old_size);
		putchar('\n');
	}
	printf("ignored:  %zu\n", count_ignored(p));
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];

		if (e->kind != NS_ENTRY_IGNORED)
			continue;
		fputs("  ", stdout);
		ns_esc_put(e->name);
		put_file_object(e);
		printf("  %s\n", reason_name(e->reason));
	}
	show_hooks_text(p);
	printf("binds to:\n");
	for (size_t i = 1; i < p->nsyms; i++) {
		const struct ns_sym *s = &p->syms[i];

		if (s->kind != NS_SYM_TARGET)
			continue;
		fputs("  ", stdout);
		ns_esc_put(s->name);
		if (s->file) {
			fputs(" (static, ", stdout);
			ns_esc_put(s->file);
			putchar(')');
		}
		if (!strcmp(s->name, "nonstop_hook_msg"))
			printf(" (the patch's own message buffer, for its hooks)");
		putchar('\n');
	}
}

static void show_json(const struct ns_patch *p)
{
	char bid[2 * NS_BUILD_ID_MAX + 1];
	int first = 1;

	build_id_hex(p, bid);
	fputs("{\"name\":", stdout);
	ns_json_str(p->name);
	fputs(",\"binary\":", stdout);
	ns_json_str(p->binary);
	printf(",\"build_id\":\"%s\",", bid);
	hex(p->result_build_id, p->result_build_id_len, bid);
	if (p->result_build_id_len)
		printf("\"result_build_id\":\"%s\",", bid);
	else
		fputs("\"result_build_id\":null,", stdout);
	printf("\"id\":\"%016llx\",", (unsigned long long)p->id);
	show_seal_json(p);
	fputs("\"entries\":[", stdout);
	for (size_t i = 0, n = 0; i < p->nentries; i++) {
		if (p->entries[i].kind == NS_ENTRY_IGNORED)
			continue;
		fputs(n++ ? "," : "", stdout);
		json_entry(p, &p->entries[i]);
	}
	/* Differences the generator judged not to matter, with the reason. */
	fputs("],\"ignored\":[", stdout);
	for (size_t i = 0, n = 0; i < p->nentries; i++) {
		if (p->entries[i].kind != NS_ENTRY_IGNORED)
			continue;
		fputs(n++ ? "," : "", stdout);
		json_entry(p, &p->entries[i]);
	}
	fputs("],\"binds\":[", stdout);
	for (size_t i = 1; i < p->nsyms; i++) {
		const struct ns_sym *s = &p->syms[i];

		if (s->kind != NS_SYM_TARGET)
			continue;
		fputs(first ? "{\"name\":" : ",{\"name\":", stdout);
		ns_json_str(s->name);
		fputs(",\"file\":", stdout);
		ns_json_str(s->file);
		putchar('}');
		first = 0;
	}
	putchar(']');
	show_hooks_json(p);
	fputs("}\n", stdout);
}

int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ns_patch p;
	struct ns_err err = { 0 };
	int c, json = 0;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			ns_json_doc_want();   /* a usage error is a document too */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; ns_json_doc_want(); break;
		case 'h': help(); return NS_EXIT_OK;
		default:
			return ns_usage_error("show", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return ns_usage_error("show", "expected one PATCH file");
	if (ns_patch_load(argv[optind], &p, &err))
		return ns_fail("show", "%s", err.msg);
	if (json) {
		show_json(&p);
		ns_json_doc_printed();
	} else
		show_text(&p);
	ns_patch_free(&p);
	return NS_EXIT_OK;
}
