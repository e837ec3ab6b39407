/* facts_derive.c - derive the named facts from transcripts via dialogs. */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialog.h"
#include "escape.h"
#include "facts.h"
#include "facts_greeting.h"
#include "smtp_ext.h"
#include "transcript.h"
#include "util.h"

static const char *facts_reply_text(struct facts *,
    const struct smtp_reply *);

/* Keywords whose absence from an EHLO reply is itself a fact, with the
 * fact names spelt out for both prefixes (no name built per session). */
#define FACTS_KW_WATCH(X) \
	X("STARTTLS") X("AUTH") X("8BITMIME") X("PIPELINING") X("CHUNKING") \
	X("BINARYMIME") X("SMTPUTF8") X("SIZE") X("DSN") \
	X("ENHANCEDSTATUSCODES") X("X-LINK2STATE") X("XEXCH50") X("X-EXPS") \
	X("HELP") X("ETRN") X("VRFY") X("DELIVERBY")
#define FACTS_KW_EHLO(k)	"ehlo.kw." k,
#define FACTS_KW_TLS(k)		"tls.inner.kw." k,
static const char *const facts_kw_watch_ehlo[] = {
	FACTS_KW_WATCH(FACTS_KW_EHLO) NULL
};
static const char *const facts_kw_watch_tls[] = {
	FACTS_KW_WATCH(FACTS_KW_TLS) NULL
};
#define FACTS_KW_COUNT(k)	+ 1
#define FACTS_KW_N		(0 FACTS_KW_WATCH(FACTS_KW_COUNT))
/* Their lengths and hashes (facts_hash_l), computed once per process. */
static uint32_t facts_kw_hash_ehlo[FACTS_KW_N], facts_kw_hash_tls[FACTS_KW_N];
static size_t facts_kw_len_ehlo[FACTS_KW_N], facts_kw_len_tls[FACTS_KW_N];
static pthread_once_t facts_kw_once = PTHREAD_ONCE_INIT;

static void
facts_kw_hashes(void)
{
	size_t i;

	for (i = 0; i < FACTS_KW_N; i++) {
		facts_kw_len_ehlo[i] = strlen(facts_kw_watch_ehlo[i]);
		facts_kw_hash_ehlo[i] = facts_hash_l(facts_kw_watch_ehlo[i],
		    facts_kw_len_ehlo[i]);
		facts_kw_len_tls[i] = strlen(facts_kw_watch_tls[i]);
		facts_kw_hash_tls[i] = facts_hash_l(facts_kw_watch_tls[i],
		    facts_kw_len_tls[i]);
	}
}

/*
 * RFC 3207 4.2 / behaviour reference 4.5: keywords a server may
 * legitimately add, drop or change once TLS is up; never evidence.
 */
static const char *const facts_kw_tls_legit[] = {
	"STARTTLS", "AUTH", "AUTH=", "X-ANONYMOUSTLS", NULL
};

static int
facts_in_list(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (((list[i][0] ^ s[0]) & ~0x20) == 0 &&
		    strcasecmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* "DDD" and the separator of a reply line, as "%03d%c" (no printf:
 * this runs for every reply line of every captured session). */
static void
facts_line_code(struct buf *b, const struct smtp_reply_line *l)
{
	char c[4];

	if (l->code < 0 || l->code > 999) {
		buf_printf(b, "%03d%c", l->code, l->sep ? l->sep : ' ');
		return;
	}
	c[0] = (char)('0' + l->code / 100);
	c[1] = (char)('0' + l->code / 10 % 10);
	c[2] = (char)('0' + l->code % 10);
	c[3] = l->sep ? l->sep : ' ';
	if (b->size > b->len + 4 && b->cap - b->len >= 4) {
		/* In place (the scratch has room): no call. */
		memcpy(b->data + b->len, c, 4);
		b->len += 4;
		b->data[b->len] = '\0';
	} else
		buf_append(b, c, 4);
}

/* The table's scratch buffer, emptied, capped at cap. */
#define FACTS_SCRATCH_ROOM	1024
static struct buf *
facts_scratch(struct facts *fs, size_t cap)
{
	buf_reset(&fs->scratch);
	fs->scratch.cap = cap;
	/* Room for the usual reply at once (escaped in place). */
	(void)buf_room(&fs->scratch, FACTS_SCRATCH_ROOM);
	return &fs->scratch;
}

/* Escaped first line of a reply, code included ("250 Ok"), in the
 * table's scratch buffer (valid until its next use). */
static const char *
facts_reply_line(struct facts *fs, const struct smtp_reply *r)
{
	struct buf *b;

	if (r->nlines == 0)
		return "";
	b = facts_scratch(fs, MG_FACT_VALUE_MAX * 4);
	if (r->lines[0].code > 0)
		facts_line_code(b, &r->lines[0]);
	escape_wire(b, (const uint8_t *)r->lines[0].text, r->lines[0].len,
	    ESCAPE_TERM);
	return buf_cstr(b);
}

/* name = prefix (already there, pl bytes) then suffix, cut like
 * facts_cat(name, MG_FACT_NAME_MAX, prefix, suffix, NULL); returns the
 * name's length. */
static inline size_t
facts_suffix(char *name, size_t pl, const char *suffix)
{
	size_t sl = strlen(suffix);

	if (sl <= MG_FACT_NAME_MAX - 1 - pl) {
		/* A literal suffix and its NUL: a copy of constant size. */
		memcpy(name + pl, suffix, sl + 1);
		return pl + sl;
	}
	sl = MG_FACT_NAME_MAX - 1 - pl;
	memcpy(name + pl, suffix, sl);
	name[pl + sl] = '\0';
	return pl + sl;
}

/* Longest run of 'X' in [p, p+n). */
static size_t
facts_xrun(const uint8_t *p, size_t n)
{
	size_t i, run = 0, best = 0;

	for (i = 0; i < n; i++) {
		run = p[i] == 'X' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/*
 * Did the server quote back a run of X the client never sent (behaviour
 * reference 4.3: proof of X-filling by ASA inspect esmtp / PIX fixup)?
 */
static int
facts_xquoted(const struct dialog_exchange *x)
{
	size_t i, best = 0, run, sent;

	/* Only a refusal quotes the command (EHLO keyword masks do not). */
	if (!x->has_reply || x->reply.code < 400)
		return 0;
	for (i = 0; i < x->reply.nlines; i++) {
		run = facts_xrun((const uint8_t *)x->reply.lines[i].text,
		    x->reply.lines[i].len);
		if (run > best)
			best = run;
	}
	sent = facts_xrun(x->line, x->linelen);
	return best >= 4 && best > sent;
}

/* PREFIX.code, PREFIX.text, PREFIX.end, PREFIX.xquoted of one exchange. */
static void
facts_exchange(struct facts *fs, const char *prefix,
    const struct dialog_exchange *x, const char *source)
{
	char name[MG_FACT_NAME_MAX];
	const char *line;
	size_t pl = strlen(prefix), n, ncode;
	uint32_t hcode;

	if (pl > MG_FACT_NAME_MAX - 1)
		pl = MG_FACT_NAME_MAX - 1;
	memcpy(name, prefix, pl);
	/* Names by length and hash (no strlen of each again). */
	n = facts_suffix(name, pl, ".code");
	hcode = facts_hash_l(name, n);
	ncode = n;
	if (facts_add_int_h(fs, name, n, hcode,
	    x->has_reply ? x->reply.code : 0))
		return;		/* first probe that shows it wins */
	n = facts_suffix(name, pl, ".end");
	facts_set_static_h(fs, name, n, facts_hash_l(name, n),
	    dialog_end_name(x->end));
	n = facts_suffix(name, pl, ".xquoted");
	facts_set_int_h(fs, name, n, facts_hash_l(name, n), facts_xquoted(x),
	    0);
	if (!x->has_reply)
		return;
	line = facts_reply_line(fs, &x->reply);
	(void)facts_suffix(name, pl, ".code");
	facts_set_evidence_h(fs, name, ncode, hcode, line, source);
	n = facts_suffix(name, pl, ".text");
	facts_set_str_h(fs, name, n, facts_hash_l(name, n), line, 0);
}

/*
 * name = prefix (already there, pl bytes) then the n bytes at kw
 * upper-cased (C locale: a-z only), cut like facts_cat(name,
 * MG_FACT_NAME_MAX, prefix, kw, NULL); returns the name's length.
 */
static size_t
facts_kw_name(char *name, size_t pl, const char *kw, size_t n)
{
	size_t j;
	char c;

	if (n > MG_FACT_NAME_MAX - 1 - pl)
		n = MG_FACT_NAME_MAX - 1 - pl;
	for (j = 0; j < n; j++) {
		c = kw[j];
		name[pl + j] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	name[pl + n] = '\0';
	return pl + n;
}

/* ehlo.kw.NAME for every keyword: offered, masked (by decoding), absent. */
static void
facts_ehlo_keywords(struct facts *fs, const char *prefix,
    const struct smtp_ext_list *l)
{
	int ehlo = strcmp(prefix, "ehlo.kw.") == 0;
	const char *const *watch = ehlo ? facts_kw_watch_ehlo :
	    facts_kw_watch_tls;
	const uint32_t *wh = ehlo ? facts_kw_hash_ehlo : facts_kw_hash_tls;
	const size_t *wl = ehlo ? facts_kw_len_ehlo : facts_kw_len_tls;
	char name[MG_FACT_NAME_MAX];
	const char *cand[8];
	int asa[8];
	size_t i, j, nc, n, pl = strlen(prefix);

	if (pl > MG_FACT_NAME_MAX - 1)
		pl = MG_FACT_NAME_MAX - 1;
	memcpy(name, prefix, pl);
	for (i = 0; i < l->n; i++) {
		if (l->v[i].masked || l->v[i].keyword[0] == '\0')
			continue;
		n = facts_kw_name(name, pl, l->v[i].keyword,
		    strlen(l->v[i].keyword));
		/* facts_known(name), for either prefix */
		if (facts_name_ok(name + pl, n - pl))
			facts_set_static_h(fs, name, n, facts_hash_l(name, n),
			    "offered");
	}
	for (i = 0; i < l->n; i++) {
		if (!l->v[i].masked)
			continue;
		nc = smtp_ext_decode_asa(l->v[i].mask_len, cand, asa, 8);
		for (j = 0; j < nc && j < 8; j++) {
			/* Keywords the ASA lets through cannot be the
			 * original of a mask (behaviour reference 2). */
			if (asa[j] == 0)
				continue;
			/* Candidates are upper case already. */
			n = facts_kw_name(name, pl, cand[j], strlen(cand[j]));
			if (facts_name_ok(name + pl, n - pl))
				facts_set_static_h(fs, name, n,
				    facts_hash_l(name, n), "masked");
		}
	}
	pthread_once(&facts_kw_once, facts_kw_hashes);
	for (i = 0; watch[i] != NULL; i++)
		facts_set_static_h(fs, watch[i], wl[i], wh[i], "absent");
}

/* The first EHLO outside TLS. */
static void
facts_ehlo(struct facts *fs, const struct dialog_exchange *x,
    const char *source)
{
	struct smtp_ext_list tmp;
	const struct smtp_ext_list *l;
	const struct smtp_ext *st;
	const char *line;

	if (facts_get(fs, "ehlo.code") != NULL)
		return;
	facts_exchange(fs, "ehlo", x, source);
	if (!x->has_reply)
		return;
	facts_set_int(fs, "ehlo.lines", (int64_t)x->reply.nlines, 0);
	if ((l = dialog_ext(x, &tmp)) != NULL) {
		facts_set_int(fs, "ehlo.keywords", (int64_t)l->n, 0);
		facts_set_int(fs, "ehlo.masked", (int64_t)l->nmasked, 0);
		facts_set_int(fs, "ehlo.mask_letters_ok",
		    l->nmasked > 0 && l->letters_consistent, 0);
		facts_ehlo_keywords(fs, "ehlo.kw.", l);
		st = smtp_ext_find(l, "STARTTLS");
		facts_set_int(fs, "starttls.offered", st != NULL, 0);
		line = facts_reply_text(fs, &x->reply);
		facts_set_evidence(fs, "ehlo.keywords", line, source);
		facts_set_evidence(fs, "ehlo.masked", line, source);
	} else {
		facts_set_int(fs, "ehlo.keywords", 0, 0);
		facts_set_int(fs, "ehlo.masked", 0, 0);
		facts_set_int(fs, "ehlo.mask_letters_ok", 0, 0);
		facts_set_int(fs, "starttls.offered", 0, 0);
	}
	smtp_ext_list_free(&tmp);
}

/* Escaped full text of a reply, lines joined with "\n", in the table's
 * scratch buffer (valid until its next use). */
static const char *
facts_reply_text(struct facts *fs, const struct smtp_reply *r)
{
	struct buf *b = facts_scratch(fs, 16 * 1024);
	size_t i;

	for (i = 0; i < r->nlines; i++) {
		if (i > 0)
			buf_append(b, "\\n", 2);
		if (r->lines[i].code > 0)
			facts_line_code(b, &r->lines[i]);
		escape_wire(b, (const uint8_t *)r->lines[i].text,
		    r->lines[i].len, ESCAPE_TERM);
	}
	return buf_cstr(b);
}

/* MAIL FROM with BODY=8BITMIME / SMTPUTF8 (RFC 6152, RFC 6531). */
static void
facts_mail(struct facts *fs, const struct dialog_exchange *x,
    const char *source)
{
	if (x->cmd.body == SMTP_BODY_8BITMIME)
		facts_exchange(fs, "mail.8bitmime", x, source);
	if (x->cmd.smtputf8)
		facts_exchange(fs, "mail.smtputf8", x, source);
}

/*
 * A body whose "\r\n." and final "\r\n" came in separate segments
 * (CSCds90792 trigger, behaviour reference section 2, PIX 5.1 - 6.3): was
 * it answered before the client gave up?  A late reply (dialog.h) is not
 * an answer: the sender already timed out and will send it again.
 */
static void
facts_eod_split(struct facts *fs, const struct dialog_exchange *x,
    const char *source)
{
	struct buf b;
	const char *line;
	int answered = x->has_body_reply && !x->body_late;

	facts_set_int(fs, "eod_split.code", x->has_body_reply ?
	    x->body_reply.code : 0, 0);
	facts_set_int(fs, "eod_split.answered", answered, 0);
	facts_set_int(fs, "eod_split.late", x->body_late, 0);
	buf_init(&b, MG_FACT_VALUE_MAX * 4);
	buf_append_str(&b, "body ");
	buf_printf(&b, "%llu", (unsigned long long)x->body_bytes);
	buf_append_str(&b, " bytes, '\\r\\n.' and '\\r\\n' in separate "
	    "segments -> ");
	if (x->has_body_reply) {
		line = facts_reply_line(fs, &x->body_reply);
		buf_append_str(&b, line);
		if (x->body_late)
			buf_append_str(&b, " only after the client gave up "
			    "(late)");
	} else {
		buf_append_str(&b, "no reply (");
		buf_append_str(&b, dialog_end_name(x->body_end));
		buf_append_str(&b, ")");
	}
	facts_set_evidence(fs, "eod_split.answered", buf_cstr(&b), source);
	buf_free(&b);
}

static void
facts_verb(struct facts *fs, const struct dialog_exchange *x,
    const char *source)
{
	char prefix[MG_FACT_NAME_MAX];
	const char *v = smtp_cmd_verb_name(x->cmd.verb);

	if (!facts_in_list(facts_verbs, v))
		return;
	facts_cat(prefix, sizeof(prefix), "verb.", v, NULL);
	facts_exchange(fs, prefix, x, source);
	if (x->cmd.verb == SMTP_VERB_STARTTLS)
		facts_exchange(fs, "starttls", x, source);
}

/* One exchange outside TLS, by what the client sent. */
static void
facts_one(struct facts *fs, const struct dialog_exchange *x,
    const char *source)
{
	/* A command sent one byte per segment (behaviour reference 4.6,
	 * Cisco 113423 interactive telnet). */
	if (x->segments >= 3 && x->segments + 2 >= x->linelen)
		facts_exchange(fs, "seg1", x, source);
	switch (x->cmd.verb) {
	case SMTP_VERB_EHLO:
		facts_ehlo(fs, x, source);
		break;
	case SMTP_VERB_HELO:
		facts_exchange(fs, "helo", x, source);
		break;
	case SMTP_VERB_MAIL:
		facts_mail(fs, x, source);
		break;
	case SMTP_VERB_UNKNOWN:
		if (x->cmd.anomalies & (SMTP_CMD_NO_VERB |
		    SMTP_CMD_VERB_XFILLED))
			break;
		facts_exchange(fs, "unknown", x, source);
		break;
	case SMTP_VERB_DATA:
		facts_exchange(fs, "data", x, source);
		if (x->eod_split && facts_get(fs, "eod_split.code") == NULL)
			facts_eod_split(fs, x, source);
		break;
	default:
		facts_verb(fs, x, source);
		break;
	}
}

/* Keyword names of the first EHLO reply of a dialog (upper-cased). */
static int
facts_dialog_ehlo(const struct dialog *d, struct smtp_ext_list *l,
    const struct dialog_exchange **xp)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < d->nex; i++) {
		if (d->ex[i].cmd.verb != SMTP_VERB_EHLO || !d->ex[i].has_reply)
			continue;
		*xp = &d->ex[i];
		return smtp_ext_parse(&d->ex[i].reply, l);
	}
	return -1;
}

/* First word of an EHLO reply's first line: the server's name. */
static int
facts_same_host(const struct smtp_reply *a, const struct smtp_reply *b)
{
	size_t la = 0, lb = 0;

	if (a->nlines == 0 || b->nlines == 0)
		return a->nlines == b->nlines;
	while (la < a->lines[0].len && a->lines[0].text[la] != ' ')
		la++;
	while (lb < b->lines[0].len && b->lines[0].text[lb] != ' ')
		lb++;
	return la == lb && strncasecmp(a->lines[0].text, b->lines[0].text,
	    la) == 0;
}

/*
 * Inside TLS the firewall cannot touch the EHLO reply (behaviour
 * reference 4.5): each keyword present inside but masked or missing
 * outside is proof of rewriting, except the RFC 3207 differences.
 */
static void
facts_tls_compare(struct facts *fs, struct dialog *const *d, size_t n)
{
	struct smtp_ext_list out, in;
	const struct dialog_exchange *xo = NULL, *xi = NULL;
	size_t i, j, k, masked = 0, missing = 0;
	char used[MG_REPLY_LINES_MAX];
	const struct dialog *inner = NULL, *outer = NULL;

	for (i = 0; i < n; i++) {
		if (d[i]->no_greeting && inner == NULL)
			inner = d[i];
		else if (!d[i]->no_greeting && outer == NULL &&
		    dialog_find(d[i], "EHLO") != NULL)
			outer = d[i];
	}
	if (inner == NULL)
		return;
	if (facts_dialog_ehlo(inner, &in, &xi) != 0) {
		smtp_ext_list_free(&in);
		return;
	}
	facts_set_int(fs, "tls.ok", 1, 1);
	facts_set_int(fs, "tls.inner.ehlo.code", xi->reply.code, 0);
	facts_set_int(fs, "tls.inner.keywords", (int64_t)in.n, 0);
	facts_ehlo_keywords(fs, "tls.inner.kw.", &in);
	if (outer == NULL || facts_dialog_ehlo(outer, &out, &xo) != 0) {
		if (outer != NULL)
			smtp_ext_list_free(&out);
		smtp_ext_list_free(&in);
		return;
	}
	memset(used, 0, sizeof(used));
	for (i = 0; i < in.n; i++) {
		if (in.v[i].masked ||
		    facts_in_list(facts_kw_tls_legit, in.v[i].keyword) ||
		    smtp_ext_find(&out, in.v[i].keyword) != NULL)
			continue;
		/* A mask covers the whole first token: the old "KW=PARAM"
		 * form "X-EXPS=LOGIN" is 12 X-bytes (toklen), not the 7 of
		 * "X-EXPS=" (kwlen), which would take XEXCH50's mask. */
		for (j = 0, k = out.n; j < out.n && j < sizeof(used); j++)
			if (out.v[j].masked && !used[j] &&
			    out.v[j].mask_len == in.v[i].toklen) {
				k = j;
				break;
			}
		if (k < out.n) {
			used[k] = 1;
			masked++;
		} else
			missing++;
	}
	facts_set_int(fs, "tls.kw_masked_outside", (int64_t)(masked + missing),
	    0);
	facts_set_int(fs, "tls.kw_xmasked_outside", (int64_t)masked, 0);
	facts_set_int(fs, "tls.kw_missing_outside", (int64_t)missing, 0);
	facts_set_int(fs, "tls.greeting_diff",
	    !facts_same_host(&xo->reply, &xi->reply), 0);
	smtp_ext_list_free(&out);
	smtp_ext_list_free(&in);
}

/* verb.NAME.same_as_unknown: came back like the unknown verb did. */
static void
facts_same_as_unknown(struct facts *fs)
{
	const struct facts_verb_facts *vf;
	const struct fact *uc, *ut, *vc, *vt;
	int64_t vx, ux;

	uc = facts_get(fs, "unknown.code");
	ut = facts_get(fs, "unknown.text");
	ux = facts_get_int(fs, "unknown.xquoted", 0);
	if (uc == NULL)
		return;		/* nothing to compare with */
	for (vf = facts_verb_facts; vf->verb != NULL; vf++) {
		if ((vc = facts_get(fs, vf->code)) == NULL)
			continue;
		vt = facts_get(fs, vf->text);
		vx = facts_get_int(fs, vf->xquoted, 0);
		facts_set_int(fs, vf->same, vc->num == uc->num &&
		    vc->num != 0 && ((vt != NULL && ut != NULL &&
		    strcmp(vt->value, ut->value) == 0) || (vx && ux)), 0);
	}
}

/* Counts over every dialog: drops, timeouts, pipelining, anomalies. */
static void
facts_counts(struct facts *fs, struct transcript *const *t,
    struct dialog *const *d, size_t n)
{
	size_t i, j, dropped = 0, timeouts = 0, pip = 0, pipok = 1, total = 0;
	char name[MG_FACT_NAME_MAX];
	const struct dialog_exchange *x;

	for (i = 0; i < n; i++) {
		for (j = 0; j < d[i]->nex; j++) {
			x = &d[i]->ex[j];
			if ((x->end == DIALOG_END_CLOSED ||
			    x->end == DIALOG_END_RESET) &&
			    x->cmd.verb != SMTP_VERB_QUIT) {
				dropped++;
				break;
			}
		}
		timeouts += d[i]->timeout != 0;
		for (j = 0; j < d[i]->nex; j++) {
			if (!d[i]->ex[j].pipelined)
				continue;
			pip++;
			if (!d[i]->ex[j].has_reply)
				pipok = 0;
		}
		for (j = 0; j < d[i]->nanom; j++) {
			facts_cat(name, sizeof(name), "anomaly.",
			    d[i]->anom[j].name, NULL);
			facts_set_int(fs, name, facts_get_int(fs, name, 0) + 1,
			    1);
			total++;
		}
		for (j = 0; j < t[i]->nev; j++) {
			if (t[i]->ev[j].kind != TR_EV_ANOMALY ||
			    t[i]->ev[j].name == NULL)
				continue;
			facts_cat(name, sizeof(name), "anomaly.",
			    t[i]->ev[j].name, NULL);
			facts_set_int(fs, name, facts_get_int(fs, name, 0) + 1,
			    1);
			total++;
		}
	}
	facts_set_int(fs, "conn.dropped", (int64_t)dropped, 0);
	facts_set_int(fs, "conn.timeouts", (int64_t)timeouts, 0);
	if (pip > 0) {
		facts_set_int(fs, "pipelined.count", (int64_t)pip, 0);
		facts_set_int(fs, "pipelined.ok", (int64_t)pipok, 0);
	}
	facts_set_int(fs, "anomalies.total", (int64_t)total, 0);
}

static void
facts_dialog(struct facts *fs, const struct dialog *d, const char *source)
{
	size_t i;

	if (d->no_greeting)
		return;		/* inside TLS: compared, not judged alone */
	facts_greeting(fs, d, source);
	for (i = 0; i < d->nex; i++)
		facts_one(fs, &d->ex[i], source);
	if (d->tls_started) {
		facts_set_int(fs, "tls.ok", d->tls_record, 0);
		if (d->tls_record)
			facts_set_int(fs, "tls.ok", 1, 1);
	}
}

void
facts_from_dialogs(struct dialog *const *d, struct transcript *const *t,
    size_t n, struct facts *out)
{
	size_t i, connected = 0;

	facts_init(out);
	for (i = 0; i < n; i++)
		/* TCP established (CONNECT) or any byte from the server. */
		connected += d[i]->connected;
	facts_set_int(out, "conn.connected", connected > 0, 0);
	facts_set_int(out, "conn.transcripts", (int64_t)n, 0);
	if (connected == 0)
		return;
	/* The greeting probe first, then the rest in run order. */
	for (i = 0; i < n; i++)
		if (strcmp(t[i]->label, "greeting") == 0)
			facts_dialog(out, d[i], t[i]->label);
	for (i = 0; i < n; i++)
		facts_dialog(out, d[i], t[i]->label[0] ? t[i]->label :
		    "session");
	facts_same_as_unknown(out);
	facts_tls_compare(out, d, n);
	facts_counts(out, t, d, n);
}

int
facts_from_transcripts(struct transcript *const *t, size_t n,
    struct facts *out, char *errbuf)
{
	struct dialog **d;
	size_t i;

	facts_init(out);
	if (n > 0 && t == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "no transcripts given");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (t[i] == NULL) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "transcript %zu is NULL", i);
			return -1;
		}
	d = xcalloc(n ? n : 1, sizeof(*d));
	for (i = 0; i < n; i++)
		d[i] = dialog_from_transcript(t[i]);
	facts_from_dialogs(d, t, n, out);
	for (i = 0; i < n; i++)
		dialog_free(d[i]);
	free(d);
	return 0;
}
