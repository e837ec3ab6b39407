/* report_probe.c - one line per probe: what was sent, received, shown. */

#include <string.h>

#include "dialog.h"
#include "escape.h"
#include "report.h"
#include "report_probe.h"
#include "smtp_ext.h"
#include "transcript.h"

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
	report_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void
report_snum(struct buf *b, long long v)
{
	if (v < 0) {
		REPORT_LIT(b, "-");
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
		report_puts(b, x->verb[0] ? x->verb : "(empty)");
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
				REPORT_LIT(b, ", ");
			report_verb_reply(b, &d->ex[xi - show + 1 + i], pass);
		}
		if (pass)
			report_puts(b, n > show ? " (last " : " -> ");
		if (pass && n > show)
			buf_printf(b, "%zu of %zu) -> ", show, n);
	}
	REPORT_LIT(b, " (one write)");
}

/* One line saying what a probe's connection showed (b: scratch). */
static char *
report_classify(struct report *r, struct buf *bp, const struct dialog *d)
{
	const struct dialog_exchange *x = NULL;
	const struct smtp_ext_list *l;
	struct smtp_ext_list tmp;
	struct buf b = *bp;
	size_t i, xi = 0, g;
	char *s;

	if (!d->connected)
		return report_str(r, "no connection");
	for (i = d->nex; i-- > 0;)
		if (d->ex[i].cmd.verb != SMTP_VERB_QUIT) {
			x = &d->ex[i];
			xi = i;
			break;
		}
	buf_reset(&b);
	b.cap = 4096;
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
			REPORT_LIT(&b, " -> ");
			report_verb_reply(&b, x, 0);
		}
		if (report_xquoted(x))
			REPORT_LIT(&b, ", X-filled command quoted back");
		if (x->cmd.verb == SMTP_VERB_EHLO && x->has_reply) {
			if ((l = dialog_ext(x, &tmp)) != NULL)
				buf_printf(&b, ", %zu keywords, %zu masked",
				    l->n, l->nmasked);
			smtp_ext_list_free(&tmp);
		}
		if (x->segments > 1) {
			REPORT_LIT(&b, ", sent in ");
			report_unum(&b, x->segments);
			REPORT_LIT(&b, " segments");
		}
		if (x->has_body && x->cmd.verb == SMTP_VERB_BDAT) {
			/* RFC 3030 2: the chunk's one reply is the BDAT's,
			 * shown above; a zero-length chunk adds nothing. */
			if (x->body_bytes > 0) {
				REPORT_LIT(&b, ", chunk ");
				report_unum(&b, x->body_bytes);
				REPORT_LIT(&b, " bytes");
			}
		} else if (x->has_body) {
			REPORT_LIT(&b, ", body ");
			report_unum(&b, x->body_bytes);
			report_puts(&b, !x->has_body_reply ?
			    " bytes -> no reply" : x->body_late ?
			    " bytes -> late reply (after the client gave up)" :
			    " bytes -> answered");
		}
		if (x->eod_split)
			REPORT_LIT(&b, " (end-of-data split)");
	}
	if (d->tls_started)
		report_puts(&b, d->tls_record ? ", TLS started" :
		    ", STARTTLS accepted");
	if (dialog_anomaly_count(d, "cleartext-after-starttls") > 0)
		REPORT_LIT(&b, ", cleartext after STARTTLS");
	s = report_take(r, &b);
	*bp = b;
	return s;
}

/*
 * What the client sent: its command lines escaped, each message body
 * replaced by "[message body: N bytes]" (a body is not evidence, can be
 * large, and is somebody's mail), "[TLS]" where TLS began.
 */
static char *
report_sent(struct report *r, struct buf *bp, const struct dialog *d)
{
	struct buf b = *bp;
	size_t i;
	char *s;

	buf_reset(&b);
	b.cap = MG_REPORT_TEXT_MAX + 64;
	for (i = 0; i < d->nex && b.len < MG_REPORT_TEXT_MAX; i++) {
		escape_wire(&b, d->ex[i].line, d->ex[i].linelen, ESCAPE_TERM);
		if (d->ex[i].has_body) {
			REPORT_LIT(&b, "[message body: ");
			report_unum(&b, d->ex[i].body_bytes);
			REPORT_LIT(&b, " bytes]");
		}
	}
	if (i < d->nex)
		REPORT_LIT(&b, "...");
	else if (d->tls_started)
		REPORT_LIT(&b, "[TLS]");
	s = report_take(r, &b);
	*bp = b;
	return s;
}

void
report_probe_make(struct report *r, struct buf *b, const struct transcript *t,
    const struct dialog *d, struct report_probe *p)
{
	const uint8_t *bytes;
	size_t len;

	p->name = report_str(r, t->label[0] ? t->label : "session");
	bytes = transcript_bytes(t, TR_C2S, &len);
	p->sent = d->nex > 0 ? report_sent(r, b, d) :
	    escape_wire_str_in(&r->arena, bytes, len, MG_REPORT_TEXT_MAX);
	bytes = transcript_bytes(t, TR_S2C, &len);
	p->reply = escape_wire_str_in(&r->arena, bytes, len,
	    MG_REPORT_TEXT_MAX);
	p->classification = report_classify(r, b, d);
}
