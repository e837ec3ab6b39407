/* report.c - assemble verdict, evidence, keywords, verbs, effects, fix. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "escape.h"
#include "report.h"
#include "smtp_ext.h"
#include "transcript.h"
#include "util.h"

/* What each family/generation means, for the one-line summary. */
static const struct report_name {
	const char	*generation;
	const char	*text;
} report_names[] = {
	{ .generation = "pix-4.1",
	  .text = "Cisco PIX 4.0/4.1 Mailguard (mailhost)" },
	{ .generation = "pix-4.4",
	  .text = "Cisco PIX 4.2-4.4 fixup protocol smtp" },
	{ .generation = "pix-5.1",
	  .text = "Cisco PIX 5.1-5.2 fixup protocol smtp "
	    "(end-of-data bug CSCds90792)" },
	{ .generation = "pix-6.3",
	  .text = "Cisco PIX 5.x-6.3 fixup protocol smtp" },
	{ .generation = "asa",
	  .text = "Cisco PIX 7.x / ASA inspect esmtp (default map)" },
	{ .generation = "asa-allow-tls",
	  .text = "Cisco ASA inspect esmtp with allow-tls" },
	{ .generation = "checkpoint-fw1",
	  .text = "Check Point FireWall-1 SMTP Security Server" },
	{ .generation = "smap",
	  .text = "TIS fwtk smap SMTP proxy" },
	{ .generation = "watchguard",
	  .text = "WatchGuard SMTP proxy" },
	{ .generation = "raptor",
	  .text = "Symantec/Raptor SMTP proxy" },
	{ .generation = "generic-proxy",
	  .text = "an SMTP proxy or ALG rewriting EHLO" },
	{ .generation = "smtp-sink",
	  .text = "no interference: Postfix smtp-sink test server" },
	{ .generation = "esmtp-refused-by-server",
	  .text = "no interference: the server itself refuses EHLO" },
	{ .generation = "none",
	  .text = "no SMTP interference found" },
	{ .generation = "unreachable",
	  .text = "inconclusive: nothing answered" },
	{ .generation = NULL, .text = NULL },
};

static void
report_list_add(void **list, size_t *n, size_t elsize, const void *item,
    uint64_t *dropped)
{
	if (*n >= MG_REPORT_ITEMS_MAX) {
		(*dropped)++;
		return;
	}
	*list = xreallocarray(*list, *n + 1, elsize);
	memcpy((char *)*list + *n * elsize, item, elsize);
	(*n)++;
}

#define REPORT_ADD(r, field, nfield, item) \
	report_list_add((void **)&(r)->field, &(r)->nfield, \
	    sizeof(*(r)->field), (item), &(r)->dropped)

static char *
report_dup(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

/* "PREFIX.SUFFIX" in the caller's buf (MG_FACT_NAME_MAX bytes). */
static const char *
report_fact(char *buf, const char *prefix, const char *suffix)
{
	return facts_cat(buf, MG_FACT_NAME_MAX, prefix, ".", suffix);
}

/* A reply's longest X run beats the command's: the box X-filled it. */
static int
report_xquoted(const struct dialog_exchange *x)
{
	size_t i, j, run, best = 0, sent = 0;

	for (i = 0; i < x->reply.nlines; i++)
		for (j = 0, run = 0; j < x->reply.lines[i].len; j++) {
			run = x->reply.lines[i].text[j] == 'X' ? run + 1 : 0;
			best = run > best ? run : best;
		}
	for (j = 0, run = 0; j < x->linelen; j++) {
		run = x->line[j] == 'X' ? run + 1 : 0;
		sent = run > sent ? run : sent;
	}
	return x->has_reply && x->reply.code >= 400 && best >= 4 &&
	    best > sent;
}

/* Decimal v appended to b, as "%llu" / "%lld" print it (no printf: the
 * capture analyzer builds a report per session). */
static void
report_unum(struct buf *b, unsigned long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void
report_snum(struct buf *b, long long v)
{
	if (v < 0) {
		buf_append(b, "-", 1);
		report_unum(b, 0ULL - (unsigned long long)v);
	} else
		report_unum(b, (unsigned long long)v);
}

/* Commands of a group named in a classification, at most. */
#define REPORT_GROUP_SHOW	8

/* "VERB" and its reply code, or "no reply (end)". */
static void
report_verb_reply(struct buf *b, const struct dialog_exchange *x, int verb)
{
	if (verb) {
		buf_append_str(b, x->verb[0] ? x->verb : "(empty)");
		return;
	}
	if (x->has_reply)
		report_snum(b, x->reply.code);
	else
		buf_printf(b, "no reply (%s)", dialog_end_name(x->end));
}

/*
 * Exchange g .. x went out in one write (pipelined, RFC 2920 3.1):
 * "MAIL, RCPT, RSET -> 250, 250, 250 (one write)" describes the group;
 * the last command alone would hide the others.
 */
static void
report_group(struct buf *b, const struct dialog *d, size_t g, size_t xi)
{
	size_t i, n = xi - g + 1, show = n < REPORT_GROUP_SHOW ? n :
	    REPORT_GROUP_SHOW;
	int pass;

	for (pass = 1; pass >= 0; pass--) {
		for (i = 0; i < show; i++) {
			if (i > 0)
				buf_append_str(b, ", ");
			report_verb_reply(b, &d->ex[xi - show + 1 + i], pass);
		}
		if (pass)
			buf_append_str(b, n > show ? " (last " : " -> ");
		if (pass && n > show)
			buf_printf(b, "%zu of %zu) -> ", show, n);
	}
	buf_append_str(b, " (one write)");
}

/* One line saying what a probe's connection showed. */
static char *
report_classify(const struct dialog *d)
{
	const struct dialog_exchange *x = NULL;
	struct smtp_ext_list l;
	struct buf b;
	size_t i, xi = 0, g;
	char *s;

	if (!d->connected)
		return xstrdup("no connection");
	for (i = d->nex; i-- > 0;)
		if (d->ex[i].cmd.verb != SMTP_VERB_QUIT) {
			x = &d->ex[i];
			xi = i;
			break;
		}
	buf_init(&b, 4096);
	if (x == NULL && d->has_greeting)
		buf_printf(&b, "greeting %d, %zu line(s)", d->greeting.code,
		    d->greeting.nlines);
	else if (x == NULL)
		buf_printf(&b, "no greeting (%s)", d->server_rst ? "reset" :
		    d->server_fin ? "closed" : d->timeout ? "timeout" :
		    "nothing");
	else {
		/* Back to the first command of x's write. */
		for (g = xi; g > 0 && d->ex[g].pipelined &&
		    d->ex[g].ts_us == d->ex[g - 1].ts_us; g--)
			;
		if (g < xi)
			report_group(&b, d, g, xi);
		else {
			report_verb_reply(&b, x, 1);
			buf_append_str(&b, " -> ");
			report_verb_reply(&b, x, 0);
		}
		if (report_xquoted(x))
			buf_append_str(&b, ", X-filled command quoted back");
		if (x->cmd.verb == SMTP_VERB_EHLO && x->has_reply) {
			memset(&l, 0, sizeof(l));
			if (smtp_ext_parse(&x->reply, &l) == 0)
				buf_printf(&b, ", %zu keywords, %zu masked",
				    l.n, l.nmasked);
			smtp_ext_list_free(&l);
		}
		if (x->segments > 1) {
			buf_append_str(&b, ", sent in ");
			report_unum(&b, x->segments);
			buf_append_str(&b, " segments");
		}
		if (x->has_body && x->cmd.verb == SMTP_VERB_BDAT) {
			/* RFC 3030 2: the chunk's one reply is the BDAT's,
			 * shown above; a zero-length chunk adds nothing. */
			if (x->body_bytes > 0) {
				buf_append_str(&b, ", chunk ");
				report_unum(&b, x->body_bytes);
				buf_append_str(&b, " bytes");
			}
		} else if (x->has_body) {
			buf_append_str(&b, ", body ");
			report_unum(&b, x->body_bytes);
			buf_append_str(&b, !x->has_body_reply ?
			    " bytes -> no reply" : x->body_late ?
			    " bytes -> late reply (after the client gave up)" :
			    " bytes -> answered");
		}
		if (x->eod_split)
			buf_append_str(&b, " (end-of-data split)");
	}
	if (d->tls_started)
		buf_append_str(&b, d->tls_record ? ", TLS started" :
		    ", STARTTLS accepted");
	if (dialog_anomaly_count(d, "cleartext-after-starttls") > 0)
		buf_append_str(&b, ", cleartext after STARTTLS");
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/*
 * What the client sent: its command lines escaped, each message body
 * replaced by "[message body: N bytes]" (a body is not evidence, can be
 * large, and is somebody's mail), "[TLS]" where TLS began.
 */
static char *
report_sent(const struct dialog *d)
{
	struct buf b;
	size_t i;
	char *s;

	buf_init(&b, MG_REPORT_TEXT_MAX + 64);
	for (i = 0; i < d->nex && b.len < MG_REPORT_TEXT_MAX; i++) {
		escape_wire(&b, d->ex[i].line, d->ex[i].linelen, ESCAPE_TERM);
		if (d->ex[i].has_body) {
			buf_append_str(&b, "[message body: ");
			report_unum(&b, d->ex[i].body_bytes);
			buf_append_str(&b, " bytes]");
		}
	}
	if (i < d->nex)
		buf_append_str(&b, "...");
	else if (d->tls_started)
		buf_append_str(&b, "[TLS]");
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void
report_probe_add(struct report *r, const struct transcript *t,
    const struct dialog *d)
{
	struct report_probe p;
	const uint8_t *bytes;
	size_t len;

	p.name = xstrdup(t->label[0] ? t->label : "session");
	bytes = transcript_bytes(t, TR_C2S, &len);
	p.sent = d->nex > 0 ? report_sent(d) :
	    escape_wire_str(bytes, len, ESCAPE_TERM, MG_REPORT_TEXT_MAX);
	bytes = transcript_bytes(t, TR_S2C, &len);
	p.reply = escape_wire_str(bytes, len, ESCAPE_TERM,
	    MG_REPORT_TEXT_MAX);
	p.classification = report_classify(d);
	REPORT_ADD(r, probes, nprobes, &p);
}

static void
report_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->target);
	free(r->address);
	free(r->client);
	free(r->summary);
	for (i = 0; i < r->nmatched; i++) {
		free(r->matched[i].name);
		free(r->matched[i].family);
		free(r->matched[i].generation);
		free(r->matched[i].ref);
		report_strv_free(r->matched[i].facts, r->matched[i].nfacts);
	}
	free(r->matched);
	for (i = 0; i < r->nevidence; i++) {
		free(r->evidence[i].source);
		free(r->evidence[i].what);
		free(r->evidence[i].text);
	}
	free(r->evidence);
	for (i = 0; i < r->nkeywords; i++) {
		free(r->keywords[i].masked);
		free(r->keywords[i].decoded);
	}
	free(r->keywords);
	for (i = 0; i < r->nverbs; i++) {
		free(r->verbs[i].verb);
		free(r->verbs[i].status);
		free(r->verbs[i].reply);
	}
	free(r->verbs);
	for (i = 0; i < r->neffects; i++) {
		free(r->effects[i].name);
		free(r->effects[i].text);
	}
	free(r->effects);
	report_strv_free(r->fix, r->nfix);
	free(r->fix_generation);
	for (i = 0; i < r->nprobes; i++) {
		free(r->probes[i].name);
		free(r->probes[i].sent);
		free(r->probes[i].reply);
		free(r->probes[i].classification);
	}
	free(r->probes);
	for (i = 0; i < r->nnotes; i++) {
		free(r->notes[i].section);
		free(r->notes[i].text);
	}
	free(r->notes);
	report_strv_free(r->anomalies, r->nanomalies);
	free(r);
}

static void
report_summary(struct report *r)
{
	const struct report_name *n;

	for (n = report_names; n->generation != NULL; n++)
		if (strcmp(n->generation, r->verdict.generation) == 0) {
			r->summary = xstrdup(n->text);
			return;
		}
	r->summary = r->verdict.family == FP_FAM_INCONCLUSIVE ?
	    xstrdup("inconclusive: the evidence does not decide") :
	    xasprintf("%s (%s)", fp_family_name(r->verdict.family),
	    r->verdict.generation);
}

static void
report_evidence_add(struct report *r, const struct facts *fs,
    const char *fact)
{
	const struct fact *f = facts_get(fs, fact);
	struct report_evidence e;
	size_t i;

	if (f == NULL || f->evidence == NULL)
		return;
	for (i = 0; i < r->nevidence; i++)
		if (strcmp(r->evidence[i].what, fact) == 0 ||
		    strcmp(r->evidence[i].text, f->evidence) == 0)
			return;
	e.source = report_dup(f->source);
	e.what = xstrdup(fact);
	e.text = xstrndup(f->evidence, strnlen(f->evidence,
	    MG_REPORT_TEXT_MAX));
	REPORT_ADD(r, evidence, nevidence, &e);
}

static void
report_matches(struct report *r, const struct fp_result *res,
    const struct facts *fs, const struct fp_db *db)
{
	struct report_match m;
	struct report_effect ef;
	const struct fp_effect *fe;
	const struct fp_entry *e;
	size_t i, j, k;

	for (i = 0; i < res->nhits; i++) {
		e = res->hits[i].fp;
		memset(&m, 0, sizeof(m));
		m.name = xstrdup(e->name);
		m.family = xstrdup(e->family);
		m.generation = xstrdup(e->generation);
		m.ref = xstrdup(e->ref);
		m.weight = e->weight;
		m.nfacts = res->hits[i].nused;
		m.facts = xcalloc(m.nfacts ? m.nfacts : 1, sizeof(char *));
		for (j = 0; j < m.nfacts; j++) {
			m.facts[j] = xstrdup(res->hits[i].used[j].text);
			report_evidence_add(r, fs, res->hits[i].used[j].fact);
		}
		REPORT_ADD(r, matched, nmatched, &m);
		if (fp_family_parse(e->family) != (int)r->verdict.family ||
		    db == NULL)
			continue;
		for (j = 0; j < e->neffects; j++) {
			for (k = 0; k < r->neffects; k++)
				if (strcmp(r->effects[k].name,
				    e->effects[j]) == 0)
					break;
			if (k < r->neffects ||
			    (fe = fp_db_effect(db, e->effects[j])) == NULL)
				continue;
			ef.name = xstrdup(fe->name);
			ef.text = xstrdup(fe->text);
			REPORT_ADD(r, effects, neffects, &ef);
		}
	}
}

static void
report_fix(struct report *r, const struct fp_db *db)
{
	const struct fp_fix *f;
	size_t i;

	if (db == NULL || r->verdict.family == FP_FAM_NONE ||
	    r->verdict.family == FP_FAM_INCONCLUSIVE ||
	    (f = fp_db_fix(db, r->verdict.generation)) == NULL)
		return;
	r->fix_generation = xstrdup(f->generation);
	r->fix = xcalloc(f->nlines, sizeof(char *));
	for (i = 0; i < f->nlines; i++)
		r->fix[i] = xstrdup(f->lines[i]);
	r->nfix = f->nlines;
}

/* Masked EHLO keywords of the first EHLO outside TLS, decoded. */
static void
report_keywords(struct report *r, const struct dialog *d)
{
	const struct dialog_exchange *x = dialog_find(d, "EHLO");
	struct smtp_ext_list l;
	struct report_keyword k;
	const char *cand[6];
	struct buf b;
	size_t i, j, nc;

	if (x == NULL || !x->has_reply || d->no_greeting)
		return;
	memset(&l, 0, sizeof(l));
	if (smtp_ext_parse(&x->reply, &l) != 0 || l.nmasked == 0) {
		smtp_ext_list_free(&l);
		return;
	}
	for (i = 0; i < l.n; i++) {
		if (!l.v[i].masked)
			continue;
		k.masked = escape_wire_str((const uint8_t *)l.v[i].keyword,
		    strlen(l.v[i].keyword), ESCAPE_TERM, 0);
		k.length = l.v[i].mask_len;
		nc = smtp_ext_decode(l.v[i].mask_len, cand, 6);
		buf_init(&b, 1024);
		for (j = 0; j < nc && j < 6; j++) {
			/* Offered in clear in the same reply: not this one. */
			if (smtp_ext_find(&l, cand[j]) != NULL)
				continue;
			buf_printf(&b, "%s%s", b.len ? "|" : "", cand[j]);
		}
		k.decoded = xstrdup(b.len ? buf_cstr(&b) : "?");
		buf_free(&b);
		REPORT_ADD(r, keywords, nkeywords, &k);
	}
	smtp_ext_list_free(&l);
}

/* How each verb came back (facts verb.NAME.*). */
static void
report_verbs(struct report *r, const struct facts *fs)
{
	static const char *const extra[] = { "EHLO", "HELO", "UNKNOWN",
		NULL };
	char name[MG_FACT_NAME_MAX], lower[16], fn[MG_FACT_NAME_MAX];
	const char *const *lists[2] = { extra, facts_verbs };
	const char *v, *pfx;
	struct report_verb rv;
	int64_t code, unk = facts_get_int(fs, "unknown.code", -1);
	size_t i, li, j;

	for (li = 0; li < 2; li++)
		for (i = 0; (v = lists[li][i]) != NULL; i++) {
			if (li == 0) {
				for (j = 0; v[j] != '\0' &&
				    j + 1 < sizeof(lower); j++)
					lower[j] = (char)(v[j] - 'A' + 'a');
				lower[j] = '\0';
				facts_cat(name, sizeof(name), lower, NULL,
				    NULL);
			} else
				facts_cat(name, sizeof(name), "verb.", v, NULL);
			pfx = name;
			code = facts_get_int(fs, report_fact(fn, pfx, "code"),
			    -1);
			if (code < 0)
				continue;
			memset(&rv, 0, sizeof(rv));
			rv.verb = xstrdup(strcmp(v, "UNKNOWN") == 0 ?
			    "(unknown verb)" : v);
			rv.code = (int)code;
			rv.reply = report_dup(facts_get_str(fs,
			    report_fact(fn, pfx, "text"), ""));
			if (code == 0)
				rv.status = xstrdup("no-reply");
			else if (facts_get_int(fs, report_fact(fn, pfx,
			    "xquoted"), 0))
				rv.status = xstrdup("x-filled");
			else if (facts_get_int(fs, report_fact(fn, pfx,
			    "same_as_unknown"), 0))
				rv.status = xstrdup(code == 250 ?
				    "answered-ok" : "refused");
			else if (li == 0 && code == 250 && unk == 250 &&
			    facts_get_int(fs, "ehlo.keywords", 1) == 0 &&
			    strcmp(v, "EHLO") == 0)
				rv.status = xstrdup("answered-ok");
			else if (li == 0 && code == 250 &&
			    strcmp(v, "UNKNOWN") == 0)
				rv.status = xstrdup("answered-ok");
			else if (code >= 500)
				rv.status = xstrdup("refused-by-server");
			else
				rv.status = xstrdup("passes");
			REPORT_ADD(r, verbs, nverbs, &rv);
		}
}

static void
report_anomalies(struct report *r, const struct facts *fs)
{
	char *s;
	size_t i;

	for (i = 0; i < fs->n; i++) {
		if (strncmp(fs->f[i].name, "anomaly.", 8) != 0)
			continue;
		s = xasprintf("%s: %s", fs->f[i].name + 8, fs->f[i].value);
		REPORT_ADD(r, anomalies, nanomalies, &s);
	}
}

/* The report proper, from dialogs already parsed (d[i] from t[i]). */
static struct report *
report_build_d(const char *target, const char *address, uint16_t port,
    const struct facts *fs, const struct fp_result *res,
    const struct fp_db *db, struct transcript *const *t,
    struct dialog *const *d, size_t n)
{
	struct report *r = xcalloc(1, sizeof(*r));
	size_t i;

	r->target = report_dup(target);
	r->address = report_dup(address);
	r->port = port;
	r->verdict = res->verdict;
	report_summary(r);
	report_matches(r, res, fs, db);
	report_evidence_add(r, fs, "greeting.class");
	report_evidence_add(r, fs, "ehlo.keywords");
	report_evidence_add(r, fs, "ehlo.code");
	report_fix(r, db);
	for (i = 0; i < n; i++) {
		if (r->nkeywords == 0)
			report_keywords(r, d[i]);
		report_probe_add(r, t[i], d[i]);
	}
	report_verbs(r, fs);
	report_anomalies(r, fs);
	return r;
}

static struct dialog **
report_dialogs(struct transcript *const *t, size_t n)
{
	struct dialog **d = xcalloc(n ? n : 1, sizeof(*d));
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = dialog_from_transcript(t[i]);
	return d;
}

static void
report_dialogs_free(struct dialog **d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dialog_free(d[i]);
	free(d);
}

struct report *
report_build(const char *target, const char *address, uint16_t port,
    const struct facts *fs, const struct fp_result *res,
    const struct fp_db *db, struct transcript *const *t, size_t n)
{
	struct dialog **d;
	struct report *r;

	if (t == NULL)
		n = 0;
	d = report_dialogs(t, n);
	r = report_build_d(target, address, port, fs, res, db, t, d, n);
	report_dialogs_free(d, n);
	return r;
}

struct report *
report_from_probes(const struct fp_db *db, const char *target,
    const char *address, uint16_t port, struct transcript *const *t,
    size_t n)
{
	struct facts fs;
	struct fp_result res;
	struct report *r;
	struct dialog **d;
	size_t i;

	/* NULL transcripts are skipped: an empty run is inconclusive. */
	if (t == NULL)
		n = 0;
	for (i = 0; i < n; i++)
		if (t[i] == NULL)
			n = 0;
	d = report_dialogs(t, n);
	facts_from_dialogs(d, t, n, &fs);
	fp_match(db, &fs, &res);
	r = report_build_d(target, address, port, &fs, &res, db, t, d, n);
	fp_result_free(&res);
	facts_free(&fs);
	report_dialogs_free(d, n);
	return r;
}

/*
 * The header fields of a report and its verdict, no lists: all that
 * out_text_summary_line() prints.
 */
static struct report *
report_brief(const char *target, const char *address, uint16_t port,
    const struct fp_result *res)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->target = report_dup(target);
	r->address = report_dup(address);
	r->port = port;
	r->verdict = res->verdict;
	report_summary(r);
	return r;
}

struct report *
report_from_capture_select(const struct fp_db *db, struct transcript *t,
    size_t session_index, unsigned full)
{
	struct facts fs;
	struct fp_result res;
	struct dialog *d;
	struct report *r;
	struct buf b;
	char *target;

	buf_init(&b, 64);
	buf_append_str(&b, "session ");
	report_unum(&b, session_index);
	target = xstrdup(buf_cstr(&b));
	buf_free(&b);
	/* One dialogue replay feeds the facts and the report. */
	d = dialog_from_transcript(t);
	facts_from_dialogs(&d, &t, 1, &fs);
	fp_match(db, &fs, &res);
	if (full & (1u << res.verdict.family))
		r = report_build_d(target, t->server, t->sport, &fs, &res, db,
		    &t, &d, 1);
	else
		r = report_brief(target, t->server, t->sport, &res);
	fp_result_free(&res);
	facts_free(&fs);
	dialog_free(d);
	free(target);
	r->is_capture = 1;
	r->session_index = session_index;
	r->client = xstrdup(t->client);
	r->cport = t->cport;
	return r;
}

struct report *
report_from_capture_session(const struct fp_db *db, struct transcript *t,
    size_t session_index)
{
	return report_from_capture_select(db, t, session_index, ~0u);
}

void
report_add_note(struct report *r, const char *section, const char *text)
{
	struct report_note nt;

	nt.section = report_dup(section);
	nt.text = report_dup(text);
	REPORT_ADD(r, notes, nnotes, &nt);
}

int
report_exit_code(const struct report *r)
{
	switch (r->verdict.family) {
	case FP_FAM_NONE:
		return 0;
	case FP_FAM_INCONCLUSIVE:
		return 3;
	default:
		return 1;
	}
}
