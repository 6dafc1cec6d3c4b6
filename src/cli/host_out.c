/* host_out.c — the output of the host-wide commands (host_out.h). Names
 * from the targets (their comm, a patch's name read from them) and
 * messages that carry them are escaped (util/escape.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/host_out.h"
#include "cli/json_doc.h"
#include "core/core.h"
#include "link/target.h"
#include "patch/patch.h"

static const char *const result_names[] = {
	[NS_OUT_DONE] = "done", [NS_OUT_ALREADY] = "already-applied",
	[NS_OUT_NOT_APPLIED] = "not-applied", [NS_OUT_OTHER] = "other-version",
	[NS_OUT_NOT_PERMITTED] = "not-permitted", [NS_OUT_EXITED] = "exited",
	[NS_OUT_REFUSED] = "refused", [NS_OUT_FAILED] = "failed",
};

static const char *result_name(int outcome, bool apply)
{
	if (outcome == NS_OUT_DONE)
		return apply ? "applied" : "reverted";
	if (outcome > 0 && outcome <= NS_OUT_FAILED)
		return result_names[outcome];
	return "failed";
}

void ns_host_rec_fill(struct ns_host_rec *rec, int rc,
		      const struct ns_op_result *res, bool gone)
{
	rec->rc = rc;
	rec->mode = res->mode;
	rec->attempts = res->attempts;
	rec->threads = (uint32_t)res->threads;
	rec->nfuncs = res->nfuncs;
	rec->pause_ns = res->pause_ns;
	snprintf(rec->name, sizeof(rec->name), "%s", res->name);
	if (rc == 0) {
		rec->outcome = NS_OUT_DONE;
		snprintf(rec->msg, sizeof(rec->msg), "%s", res->warn);
		return;
	}
	snprintf(rec->msg, sizeof(rec->msg), "%s", ns_err_msg(&res->err));
	if (gone || res->why == NS_WHY_GONE)
		rec->outcome = NS_OUT_EXITED;
	else if (res->why == NS_WHY_ALREADY)
		rec->outcome = NS_OUT_ALREADY;
	else if (res->why == NS_WHY_NOT_PERMITTED)
		rec->outcome = NS_OUT_NOT_PERMITTED;
	else if (res->why == NS_WHY_NOT_APPLIED)
		rec->outcome = NS_OUT_NOT_APPLIED;
	else
		rec->outcome = NS_OUT_REFUSED;
}

/* Whether OUTCOME leaves the command failed: the process runs without
 * what was asked (or the command could not tell). */
static bool failing(int outcome)
{
	return outcome == NS_OUT_NOT_PERMITTED || outcome == NS_OUT_REFUSED ||
	       outcome == NS_OUT_FAILED || outcome <= 0;
}

static const char *mode_name(int mode)
{
	return mode == NS_MODE_PER_THREAD ? "per-thread" : "stop-the-world";
}

static void line_text(const struct ns_host_out *x, bool apply,
		      const struct ns_patch *patch)
{
	const struct ns_host_rec *r = &x->rec;
	char comm[NS_ESC_SIZE(sizeof(x->proc->comm))];
	char name[NS_ESC_SIZE(NS_NAME_MAX)], msg[NS_ESC_SIZE(NS_ERR_MAX)];
	char id[2 * NS_HOST_ID_MAX + 1];

	printf("process %d (%s): ", (int)x->proc->pid,
	       ns_esc(x->proc->comm, comm, sizeof(comm)));
	ns_esc(r->name, name, sizeof(name));
	ns_esc(r->msg, msg, sizeof(msg));
	switch (r->outcome) {
	case NS_OUT_DONE:
		printf("%s '%s' (%s", apply ? "applied" : "reverted", name,
		       mode_name(r->mode));
		if (r->mode != NS_MODE_PER_THREAD)
			printf(", %u thread%s paused %.0f us", r->threads,
			       r->threads == 1 ? "" : "s", r->pause_ns / 1e3);
		printf(")%s%s\n", r->msg[0] ? "; warning: " : "", msg);
		return;
	case NS_OUT_ALREADY:
		printf("already applied\n");
		return;
	case NS_OUT_OTHER:
		ns_hex(x->proc->other_id, x->proc->other_id_len, id);
		printf("skipped: another version of %s (build-id %s)\n",
		       patch && patch->binary ?
		       ns_esc(patch->binary, name, sizeof(name)) : "the module", id);
		return;
	case NS_OUT_NOT_APPLIED:
		printf("skipped: %s\n", msg);
		return;
	case NS_OUT_NOT_PERMITTED:
		printf("skipped: not permitted: %s\n", msg);
		return;
	case NS_OUT_EXITED:
		printf("exited meanwhile\n");
		return;
	default:
		/* A refusal's reason may say so itself ("refused: thread
		 * ... will return into ..."). */
		if (!strncmp(msg, "refused: ", 9))
			printf("%s\n", msg);
		else
			printf("%s: %s\n", r->outcome == NS_OUT_REFUSED ?
			       "refused" : "failed", msg);
	}
}

static void line_json(const struct ns_host_out *x, bool apply)
{
	const struct ns_host_rec *r = &x->rec;
	char id[2 * NS_HOST_ID_MAX + 1];

	printf("{\"pid\":%d,\"comm\":", (int)x->proc->pid);
	ns_json_str(x->proc->comm);
	printf(",\"uid\":%u,\"result\":\"%s\"", (unsigned)x->proc->uid,
	       result_name(r->outcome, apply));
	if (r->outcome == NS_OUT_DONE) {
		printf(",\"patch\":");
		ns_json_str(r->name);
		printf(",\"mode\":\"%s\",\"functions\":%llu,\"threads\":%u,"
		       "\"pause_us\":%.1f,\"attempts\":%u", mode_name(r->mode),
		       (unsigned long long)r->nfuncs, r->threads,
		       r->pause_ns / 1e3, r->attempts);
		if (r->msg[0]) {
			printf(",\"warning\":");
			ns_json_str(r->msg);
		}
	} else if (r->outcome == NS_OUT_OTHER) {
		ns_hex(x->proc->other_id, x->proc->other_id_len, id);
		printf(",\"build_id\":\"%s\"", id);
	} else if (r->outcome != NS_OUT_EXITED || r->msg[0]) {
		printf(",\"reason\":");
		ns_json_str(r->msg);
	}
	putchar('}');
}

struct counts {
	size_t by[NS_OUT_FAILED + 1];
	size_t failing;
	size_t module_reads;
};

static void count(const struct ns_host_out *out, size_t n, struct counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		int k = out[i].rec.outcome;

		c->by[k > 0 && k <= NS_OUT_FAILED ? k : NS_OUT_FAILED]++;
		c->failing += failing(k);
		c->module_reads += out[i].have ? out[i].rec.module_reads : 0;
	}
}

static void summary_text(const char *cmd, const struct ns_patch *patch,
			 const char *name, const struct counts *c, size_t n,
			 size_t unreadable, unsigned jobs, uint64_t wall_ns)
{
	bool apply = !strcmp(cmd, "apply");
	size_t matched = n - c->by[NS_OUT_OTHER];
	char esc[NS_ESC_SIZE(NS_NAME_MAX)], bin[NS_ESC_SIZE(256)];
	static const struct { int k; const char *what; } parts[] = {
		{ NS_OUT_ALREADY, "already applied" },
		{ NS_OUT_NOT_APPLIED, "nothing to revert" },
		{ NS_OUT_REFUSED, "refused" },
		{ NS_OUT_FAILED, "failed" },
		{ NS_OUT_NOT_PERMITTED, "not permitted" },
		{ NS_OUT_EXITED, "exited" },
		{ NS_OUT_OTHER, "another version, skipped" },
	};

	if (apply)
		printf("patch '%s' for %s: applied in %zu of %zu process%s",
		       ns_esc(patch->name, esc, sizeof(esc)),
		       ns_esc(patch->binary ? patch->binary : "?", bin, sizeof(bin)),
		       c->by[NS_OUT_DONE],
		       matched, matched == 1 ? "" : "es");
	else if (name)
		printf("patch '%s': reverted in %zu of %zu process%s",
		       ns_esc(name, esc, sizeof(esc)), c->by[NS_OUT_DONE], n,
		       n == 1 ? "" : "es");
	else
		printf("last patch reverted in %zu of %zu process%s",
		       c->by[NS_OUT_DONE], n, n == 1 ? "" : "es");
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++)
		if (c->by[parts[i].k])
			printf("; %zu %s", c->by[parts[i].k], parts[i].what);
	printf("; %.1f ms in all, %u job%s", wall_ns / 1e6, jobs,
	       jobs == 1 ? "" : "s");
	if (matched)
		printf(", %.2f ms per process", wall_ns / 1e6 / (double)matched);
	printf("\n");
	if (unreadable)
		printf("%zu process%s not inspected: %s memory map is not "
		       "readable by this user\n", unreadable,
		       unreadable == 1 ? "" : "es", unreadable == 1 ? "its" : "their");
}

static void document_json(const char *cmd, const struct ns_patch *patch,
			  const char *name, const struct ns_host_out *out,
			  size_t n, const struct counts *c, size_t unreadable,
			  unsigned jobs, uint64_t wall_ns)
{
	bool apply = !strcmp(cmd, "apply");
	char id[2 * NS_HOST_ID_MAX + 1];

	printf("{\"ok\":%s,\"command\":\"%s\"", c->failing ? "false" : "true", cmd);
	if (apply) {
		ns_hex(patch->build_id, patch->build_id_len, id);
		printf(",\"patch\":");
		ns_json_str(patch->name);
		printf(",\"module\":");
		ns_json_str(patch->binary ? patch->binary : "");
		printf(",\"build_id\":\"%s\"", id);
	} else {
		printf(",\"patch\":");
		if (name)
			ns_json_str(name);
		else
			printf("null");
	}
	printf(",\"processes\":[");
	for (size_t i = 0; i < n; i++) {
		printf("%s", i ? "," : "");
		line_json(&out[i], apply);
	}
	printf("],\"summary\":{\"processes\":%zu", n);
	for (int k = NS_OUT_DONE; k <= NS_OUT_FAILED; k++) {
		char key[32];

		/* a key: already_applied, not a value's already-applied */
		snprintf(key, sizeof(key), "%s", result_name(k, apply));
		for (char *d = key; (d = strchr(d, '-'));)
			*d = '_';
		printf(",\"%s\":%zu", key, c->by[k]);
	}
	printf(",\"unreadable\":%zu,\"jobs\":%u,\"module_reads\":%zu,"
	       "\"wall_us\":%.1f}}\n", unreadable, jobs, c->module_reads,
	       wall_ns / 1e3);
}

int ns_host_print(const struct ns_cli_opts *o, const char *cmd,
		  const struct ns_patch *patch, const char *name,
		  const struct ns_host_out *out, size_t n, size_t unreadable,
		  unsigned jobs, uint64_t wall_ns)
{
	bool apply = !strcmp(cmd, "apply");
	struct counts c;

	count(out, n, &c);
	if (o->json) {
		document_json(cmd, patch, name, out, n, &c, unreadable, jobs,
			      wall_ns);
		ns_json_doc_printed();
	} else {
		for (size_t i = 0; i < n; i++)
			line_text(&out[i], apply, patch);
		summary_text(cmd, patch, name, &c, n, unreadable, jobs, wall_ns);
	}
	return c.failing ? NS_EXIT_FAIL : NS_EXIT_OK;
}

int ns_host_fail(const struct ns_cli_opts *o, const char *cmd, const char *msg)
{
	char line[NS_ESC_SIZE(NS_ERR_MAX)], fields[64];

	snprintf(fields, sizeof(fields), "\"command\":\"%s\",", cmd);
	if (o->json)
		ns_json_doc_fail_at(fields, msg, NS_EXIT_FAIL);
	return ns_fail(cmd, "%s", ns_esc(msg, line, sizeof(line)));
}
