/* report.c - assemble verdict, evidence, keywords, verbs, effects, fix. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "escape.h"
#include "report.h"
#include "report_probe.h"
#include "smtp_ext.h"
#include "transcript.h"
#include "util.h"

/* First chunk of a report's arena. */
#define REPORT_ARENA_FIRST	(16 * 1024)

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

/* Inline: elsize is a constant at each REPORT_ADD, so is the copy. */
static inline void
report_list_add(struct report *r, void **list, size_t *n, size_t *room,
    size_t elsize, const void *item)
{
	if (*n >= MG_REPORT_ITEMS_MAX) {
		r->dropped++;
		return;
	}
	if (*n >= *room)
		*list = arena_grow(&r->arena, *list, room, *n + 1, elsize);
	memcpy((char *)*list + *n * elsize, item, elsize);
	(*n)++;
}

#define REPORT_ADD(r, field, nfield, item) \
	report_list_add((r), (void **)&(r)->field, &(r)->nfield, \
	    &(r)->room.field, sizeof(*(r)->field), (item))

char *
report_str(struct report *r, const char *s)
{
	return arena_strdup(&r->arena, s != NULL ? s : "");
}

/* A string of the fingerprint db, kept as it is ("" for NULL). */
static char *
report_db(char *s)
{
	static char empty[1];

	return s != NULL ? s : empty;
}

struct report *
report_new(void)
{
	struct arena a;
	struct report *r;

	/* A capture session's full report is 5 to 8 KB of strings; the
	 * struct itself is the arena's first block (no malloc of its
	 * own), the arena's state kept in it from then on. */
	arena_init_size(&a, REPORT_ARENA_FIRST);
	r = arena_calloc(&a, 1, sizeof(*r));
	r->arena = a;
	return r;
}

void
report_free(struct report *r)
{
	struct arena a;

	if (r == NULL)
		return;
	a = r->arena;	/* r lives in it */
	arena_free(&a);
}

static void
report_summary(struct report *r)
{
	const struct report_name *n;
	char *s;

	/* Texts of the table (static) kept as they are, not copied. */
	for (n = report_names; n->generation != NULL; n++)
		if (n->generation[0] == r->verdict.generation[0] &&
		    strcmp(n->generation, r->verdict.generation) == 0) {
			r->summary = (char *)(uintptr_t)n->text;
			return;
		}
	if (r->verdict.family == FP_FAM_INCONCLUSIVE) {
		r->summary = (char *)(uintptr_t)
		    "inconclusive: the evidence does not decide";
		return;
	}
	s = xasprintf("%s (%s)", fp_family_name(r->verdict.family),
	    r->verdict.generation);
	r->summary = report_str(r, s);
	free(s);
}

/* Evidence of fact (f: its entry in the table, or NULL). */
static void
report_evidence_f(struct report *r, const char *fact, const struct fact *f)
{
	struct report_evidence e;
	size_t i;

	if (f == NULL || f->evidence == NULL)
		return;
	for (i = 0; i < r->nevidence; i++)
		if (strcmp(r->evidence[i].what, fact) == 0 ||
		    strcmp(r->evidence[i].text, f->evidence) == 0)
			return;
	/* Sources repeat (one per transcript): the last copy when the
	 * same. */
	if (r->nevidence > 0 && strcmp(r->evidence[r->nevidence - 1].source,
	    f->source != NULL ? f->source : "") == 0)
		e.source = r->evidence[r->nevidence - 1].source;
	else
		e.source = report_str(r, f->source);
	/* A condition's fact name (the db's) or a literal: kept. */
	e.what = (char *)(uintptr_t)fact;
	e.text = arena_strndup(&r->arena, f->evidence, MG_REPORT_TEXT_MAX);
	REPORT_ADD(r, evidence, nevidence, &e);
}

static void
report_evidence_add(struct report *r, const struct facts *fs,
    const char *fact)
{
	report_evidence_f(r, fact, facts_get(fs, fact));
}

static void
report_matches(struct report *r, const struct fp_result *res,
    const struct facts *fs, const struct fp_db *db)
{
	struct report_match m;
	struct report_effect ef;
	const struct fp_effect *fe;
	const struct fp_entry *e;
	const struct fact *f;
	size_t i, j, k;

	for (i = 0; i < res->nhits; i++) {
		e = res->hits[i].fp;
		memset(&m, 0, sizeof(m));
		/* The db's own strings (report.h: it outlives us). */
		m.name = report_db(e->name);
		m.family = report_db(e->family);
		m.generation = report_db(e->generation);
		m.ref = report_db(e->ref);
		m.weight = e->weight;
		m.json = e->json;
		m.nfacts = res->hits[i].nused;
		m.facts = arena_calloc(&r->arena, m.nfacts ? m.nfacts : 1,
		    sizeof(char *));
		for (j = 0; j < m.nfacts; j++) {
			m.facts[j] = report_str(r, res->hits[i].used[j].text);
			f = res->hits[i].used[j].value;
			/* Still an entry of fs (facts are only ever
			 * appended), else looked up again. */
			if (f == NULL || (uintptr_t)f < (uintptr_t)fs->f ||
			    (uintptr_t)f >= (uintptr_t)(fs->f + fs->n))
				f = facts_get(fs, res->hits[i].used[j].fact);
			report_evidence_f(r, res->hits[i].used[j].fact, f);
		}
		REPORT_ADD(r, matched, nmatched, &m);
		if (e->fam != (int)r->verdict.family || db == NULL)
			continue;
		for (j = 0; j < e->neffects; j++) {
			/* The db's effect (fp_load resolved the name), and
			 * its name by pointer: names are unique in a db. */
			fe = e->effect_idx != NULL ?
			    &db->effects[e->effect_idx[j]] :
			    fp_db_effect(db, e->effects[j]);
			if (fe == NULL)
				continue;
			for (k = 0; k < r->neffects; k++)
				if (r->effects[k].name == fe->name)
					break;
			if (k < r->neffects)
				continue;
			ef.name = report_db(fe->name);
			ef.text = report_db(fe->text);
			ef.json = fe->json;
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
	r->fix_generation = report_db(f->generation);
	r->fix_json = f->json;
	r->fix = arena_calloc(&r->arena, f->nlines, sizeof(char *));
	for (i = 0; i < f->nlines; i++)
		r->fix[i] = report_db(f->lines[i]);
	r->nfix = f->nlines;
}

/* Masked EHLO keywords of the first EHLO outside TLS, decoded. */
static void
report_keywords(struct report *r, struct buf *bp, const struct dialog *d)
{
	const struct dialog_exchange *x = dialog_find(d, "EHLO");
	const struct smtp_ext_list *lp;
	struct smtp_ext_list l, tmp;
	struct report_keyword k;
	const char *cand[6];
	struct buf *b = bp;
	size_t i, j, nc;

	if (x == NULL || !x->has_reply || d->no_greeting)
		return;
	if ((lp = dialog_ext(x, &tmp)) == NULL || lp->nmasked == 0) {
		smtp_ext_list_free(&tmp);
		return;
	}
	l = *lp;	/* a view: tmp (or the dialog) owns it */
	for (i = 0; i < l.n; i++) {
		if (!l.v[i].masked)
			continue;
		k.masked = escape_wire_str_in(&r->arena,
		    (const uint8_t *)l.v[i].keyword, strlen(l.v[i].keyword),
		    0);
		k.length = l.v[i].mask_len;
		nc = smtp_ext_decode(l.v[i].mask_len, cand, 6);
		buf_reset(b);
		b->cap = 1024;
		for (j = 0; j < nc && j < 6; j++) {
			/* Offered in clear in the same reply: not this one. */
			if (smtp_ext_find(&l, cand[j]) != NULL)
				continue;
			if (b->len > 0)
				REPORT_LIT(b, "|");
			report_puts(b, cand[j]);
		}
		k.decoded = b->len ? report_take(r, b) : report_str(r, "?");
		REPORT_ADD(r, keywords, nkeywords, &k);
	}
	smtp_ext_list_free(&tmp);
}

/* EHLO, HELO and the unknown verb, named like facts_verb_facts. */
static const struct facts_verb_facts report_extra_verbs[] = {
	{ .verb = "EHLO", .code = "ehlo.code", .text = "ehlo.text",
	  .xquoted = "ehlo.xquoted", .same = "ehlo.same_as_unknown" },
	{ .verb = "HELO", .code = "helo.code", .text = "helo.text",
	  .xquoted = "helo.xquoted", .same = "helo.same_as_unknown" },
	{ .verb = "UNKNOWN", .code = "unknown.code", .text = "unknown.text",
	  .xquoted = "unknown.xquoted",
	  .same = "unknown.same_as_unknown" },
	{ .verb = NULL },
};

/* Hashes of the .code fact names of both lists (most are looked up and
 * absent: hashed once per process, not per report). */
#define REPORT_VERBS_MAX	32
static uint32_t report_code_hash[2][REPORT_VERBS_MAX];
static size_t report_code_len[2][REPORT_VERBS_MAX];
static pthread_once_t report_code_once = PTHREAD_ONCE_INIT;

static void
report_code_hashes(void)
{
	const struct facts_verb_facts *vf;
	size_t i;

	for (vf = report_extra_verbs, i = 0; vf->verb != NULL &&
	    i < REPORT_VERBS_MAX; vf++, i++) {
		report_code_len[0][i] = strlen(vf->code);
		report_code_hash[0][i] = facts_hash_l(vf->code,
		    report_code_len[0][i]);
	}
	for (vf = facts_verb_facts, i = 0; vf->verb != NULL &&
	    i < REPORT_VERBS_MAX; vf++, i++) {
		report_code_len[1][i] = strlen(vf->code);
		report_code_hash[1][i] = facts_hash_l(vf->code,
		    report_code_len[1][i]);
	}
}

/* How each verb came back (facts verb.NAME.*). */
static void
report_verbs(struct report *r, const struct facts *fs)
{
	const struct facts_verb_facts *const lists[2] = {
		report_extra_verbs, facts_verb_facts
	};
	const struct facts_verb_facts *vf;
	const struct fact *f;
	const char *v, *st;
	struct report_verb rv;
	int64_t code, unk = facts_get_int(fs, "unknown.code", -1);
	size_t li, i;

	pthread_once(&report_code_once, report_code_hashes);
	for (li = 0; li < 2; li++)
		for (vf = lists[li], i = 0; (v = vf->verb) != NULL;
		    vf++, i++) {
			f = i < REPORT_VERBS_MAX ? facts_get_h(fs, vf->code,
			    report_code_len[li][i], report_code_hash[li][i]) :
			    facts_get(fs, vf->code);
			/* facts_get_int(fs, vf->code, -1) */
			code = f != NULL && f->is_num ? f->num : -1;
			if (code < 0)
				continue;
			memset(&rv, 0, sizeof(rv));
			/* Verb names and statuses are literals: kept. */
			rv.verb = (char *)(uintptr_t)(li == 0 &&
			    strcmp(v, "UNKNOWN") == 0 ? "(unknown verb)" : v);
			rv.code = (int)code;
			rv.reply = report_str(r, facts_get_str(fs, vf->text,
			    ""));
			if (code == 0)
				st = "no-reply";
			else if (facts_get_int(fs, vf->xquoted, 0))
				st = "x-filled";
			else if (facts_get_int(fs, vf->same, 0))
				st = code == 250 ? "answered-ok" : "refused";
			else if (li == 0 && code == 250 && unk == 250 &&
			    facts_get_int(fs, "ehlo.keywords", 1) == 0 &&
			    strcmp(v, "EHLO") == 0)
				st = "answered-ok";
			else if (li == 0 && code == 250 &&
			    strcmp(v, "UNKNOWN") == 0)
				st = "answered-ok";
			else if (code >= 500)
				st = "refused-by-server";
			else
				st = "passes";
			rv.status = (char *)(uintptr_t)st;
			REPORT_ADD(r, verbs, nverbs, &rv);
		}
}

static void
report_anomalies(struct report *r, const struct facts *fs)
{
	size_t i, nl, vl;
	char *s;

	/* From the first anomaly fact on (none before it). */
	for (i = fs->anom_first > 0 ? fs->anom_first - 1 : fs->n; i < fs->n;
	    i++) {
		if (fs->f[i].name[0] != 'a' ||
		    strncmp(fs->f[i].name, "anomaly.", 8) != 0)
			continue;
		/* "NAME: VALUE" */
		nl = strlen(fs->f[i].name + 8);
		vl = strlen(fs->f[i].value);
		s = arena_alloc(&r->arena, nl + 2 + vl + 1);
		memcpy(s, fs->f[i].name + 8, nl);
		memcpy(s + nl, ": ", 2);
		memcpy(s + nl + 2, fs->f[i].value, vl + 1);
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
	struct report *r = report_new();
	struct report_probe p;
	struct buf b;
	size_t i;

	r->target = report_str(r, target);
	r->address = report_str(r, address);
	r->port = port;
	r->verdict = res->verdict;
	report_summary(r);
	report_matches(r, res, fs, db);
	report_evidence_add(r, fs, "greeting.class");
	report_evidence_add(r, fs, "ehlo.keywords");
	report_evidence_add(r, fs, "ehlo.code");
	report_fix(r, db);
	/* One scratch buffer for every text built here. */
	buf_init(&b, MG_REPORT_TEXT_MAX + 64);
	(void)buf_room(&b, MG_REPORT_TEXT_MAX);	/* one malloc */
	for (i = 0; i < n; i++) {
		if (r->nkeywords == 0)
			report_keywords(r, &b, d[i]);
		report_probe_make(r, &b, t[i], d[i], &p);
		REPORT_ADD(r, probes, nprobes, &p);
	}
	buf_free(&b);
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
	struct report *r = report_new();

	r->target = report_str(r, target);
	r->address = report_str(r, address);
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
	char target[32], *p = target + sizeof(target);
	size_t v = session_index;

	/* "session N" */
	*--p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	p -= 8;
	memcpy(p, "session ", 8);
	memmove(target, p, (size_t)(target + sizeof(target) - p));
	/* One dialogue replay feeds the facts and the report. */
	d = dialog_from_transcript(t);
	facts_from_dialogs(&d, &t, 1, &fs);
	/* The match's hits in the facts' arena, freed after it. */
	fp_match_in(db, &fs, &res, &fs.arena);
	if (full & (1u << res.verdict.family))
		r = report_build_d(target, t->server, t->sport, &fs, &res, db,
		    &t, &d, 1);
	else
		r = report_brief(target, t->server, t->sport, &res);
	fp_result_free(&res);
	facts_free(&fs);
	dialog_free(d);
	r->is_capture = 1;
	r->session_index = session_index;
	r->client = report_str(r, t->client);
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

	nt.section = report_str(r, section);
	nt.text = report_str(r, text);
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
