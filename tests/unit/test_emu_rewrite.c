/* test_emu_rewrite.c - unit tests for the same-length rewrite engine. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "emu_log.h"
#include "emu_profile.h"
#include "emu_rewrite.h"
#include "util.h"

#define C EMU_C2S
#define S EMU_S2C
#define RUN_MAX	(256 * 1024)

/* One segment of a scripted session. */
struct seg {
	int		 dir;
	const char	*bytes;		/* NUL-free test text */
};

/* What came out of a session. */
struct run {
	struct buf	 out[2];	/* forwarded, per direction */
	struct buf	 box;		/* injected by the box to the client */
	int		 dropped, passthrough, suppressed;
	uint64_t	 logs[EMU_LOG_ID__COUNT];
	char		*logtext;
};

/* Feed one segment (plus held bytes), check the invariants, collect. */
static void
feed(struct emu_conn *c, struct buf *held, int dir, const uint8_t *p,
    size_t n, struct run *r, struct emu_actions *act)
{
	uint8_t *b, *orig;
	size_t len = held->len + n, i, fwd;

	b = malloc(len + 1);
	orig = malloc(len + 1);
	assert_non_null(b);
	assert_non_null(orig);
	if (held->len > 0)
		memcpy(b, held->data, held->len);
	if (n > 0)
		memcpy(b + held->len, p, n);
	memcpy(orig, b, len);
	buf_reset(held);
	assert_int_equal(emu_rewrite_segment(c, dir, b, len, act), 0);
	/* Same length, CR and LF never change. */
	for (i = 0; i < len; i++)
		if (orig[i] == '\r' || orig[i] == '\n' || b[i] == '\r' ||
		    b[i] == '\n')
			assert_int_equal(b[i], orig[i]);
	assert_true(act->hold <= len);
	if (act->hold > 0)	/* held bytes must be the original ones */
		assert_memory_equal(b + len - act->hold,
		    orig + len - act->hold, act->hold);
	assert_int_equal(buf_append(held, orig + len - act->hold, act->hold),
	    0);
	if (act->drop)
		r->dropped = 1;
	if (act->passthrough)
		r->passthrough = 1;
	if (act->suppress)
		r->suppressed++;
	if (!act->drop) {
		fwd = emu_actions_compact(act, b, len - act->hold);
		assert_int_equal(buf_append(&r->out[dir], b, fwd), 0);
	}
	assert_int_equal(buf_append(&r->box, act->inject.data,
	    act->inject.len), 0);
	free(b);
	free(orig);
}

/* split: 0 whole segments, 1 byte by byte, k>1 cut each segment at k. */
static void
run_session(const struct emu_profile *p, int hold, const struct seg *s,
    size_t split, struct run *r)
{
	struct emu_actions act;
	struct emu_conn *c;
	struct emu_log *log;
	struct buf held[2];
	char *text = NULL;
	size_t textlen = 0, n, i;
	FILE *fp = open_memstream(&text, &textlen);
	const uint8_t *q;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out[0], RUN_MAX);
	buf_init(&r->out[1], RUN_MAX);
	buf_init(&r->box, RUN_MAX);
	buf_init(&held[0], RUN_MAX);
	buf_init(&held[1], RUN_MAX);
	log = emu_log_new(fp, 0);
	c = emu_conn_new(p, log, NULL);
	emu_conn_set_hold(c, hold);
	emu_actions_init(&act);
	for (; s->bytes != NULL; s++) {
		q = (const uint8_t *)s->bytes;
		n = strlen(s->bytes);
		if (split == 1 && n > 0) {
			for (i = 0; i < n; i++)
				feed(c, &held[s->dir], s->dir, q + i, 1, r,
				    &act);
		} else if (split > 1 && split < n) {
			feed(c, &held[s->dir], s->dir, q, split, r, &act);
			feed(c, &held[s->dir], s->dir, q + split, n - split,
			    r, &act);
		} else
			feed(c, &held[s->dir], s->dir, q, n, r, &act);
	}
	for (i = 0; i < EMU_LOG_ID__COUNT; i++)
		r->logs[i] = emu_log_count(log, (enum emu_log_id)i);
	emu_actions_free(&act);
	emu_conn_free(c);
	emu_log_free(log);
	fclose(fp);
	r->logtext = text;
	buf_free(&held[0]);
	buf_free(&held[1]);
}

static void
run_free(struct run *r)
{
	buf_free(&r->out[0]);
	buf_free(&r->out[1]);
	buf_free(&r->box);
	free(r->logtext);
}

static const struct emu_profile *
prof(const char *name)
{
	const struct emu_profile *p = emu_profile_builtin(name);

	assert_non_null(p);
	return p;
}

#define SEGS_MAX 12
static const struct rw_case {
	const char	*name;
	const char	*profile;
	struct seg	 segs[SEGS_MAX];
	const char	*want_c2s;	/* NULL: same as sent */
	const char	*want_s2c;
	const char	*want_box;	/* NULL: "" */
	int		 drop;
	int		 passthrough;
	enum emu_log_id	 log;		/* EMU_LOG_ID__COUNT: none expected */
} rw_cases[] = {
	{ "asa greeting: 220 + 36 stars", "asa",
	  { { S, "220 mail.example.com ESMTP Postfix ready\r\n" } },
	  NULL, "220 ************************************\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "asa multi-line greeting: every line", "asa",
	  { { S, "220-mx.example.com hi\r\n220 ESMTP 2.0\r\n" } },
	  NULL, "220-*****************\r\n220 *********\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "pix-6.3 greeting: 2/0 rule", "pix-6.3",
	  { { S, "220 mail.example.com ESMTP Sendmail 8.12.10/8.12.10; Mon, "
	      "2 Feb 2004 10:20:00 +0200\r\n" } },
	  NULL, "220 ***********************************2**0****2**0*******2"
	  "*****200***0*20*00 *0200\r\n", NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "pix-5.1 greeting: 220- becomes 220*", "pix-5.1",
	  { { S, "220-a 10\r\n220 b\r\n" } },
	  NULL, "220****0\r\n220 *\r\n", NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "pix-4.4 greeting: after 4 bytes", "pix-4.4",
	  { { S, "220-first\r\n220 second\r\n" } },
	  NULL, "220-*****\r\n**********\r\n", NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "pix-4.1 greeting: cmap", "pix-4.1",
	  { { S, "220 mail.example.com ESMTP Postfix\r\n" } },
	  NULL, "220 SMTP/cmap_________________read\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "pix-4.1 greeting with a bare CR (fuzz regression)", "pix-4.1",
	  { { S, "220 abc\rdefghijklmnopqrstu\r\n" } },
	  NULL, "220 SMT\r/cmap_________read\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "off: untouched", "off",
	  { { S, "220 mx ESMTP\r\n" }, { C, "EHLO a\r\nSTARTTLS\r\n" },
	    { S, "250-mx\r\n250 STARTTLS\r\n" } },
	  NULL, NULL, NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "asa: STARTTLS and goodmorning X-filled", "asa",
	  { { S, "220 x\r\n" }, { C, "STARTTLS\r\ngoodmorning\r\n" } },
	  "XXXXXXXX\r\nXXXXXXXXXXX\r\n", "220 *\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "asa: allowed verbs pass, any case", "asa",
	  { { S, "220 x\r\n" }, { C, "ehlo a\r\nHELP\r\nVRFY b\r\n" } },
	  NULL, "220 *\r\n", NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "asa: EHLO reply keywords", "asa",
	  { { S, "220 x\r\n" }, { C, "EHLO a\r\n" },
	    { S, "250-mx.example.com Hello\r\n250-PIPELINING\r\n"
	      "250-SIZE 10240000\r\n250-STARTTLS\r\n250-AUTH LOGIN PLAIN\r\n"
	      "250-DELIVERBY\r\n250-HELP\r\n250 8BITMIME\r\n" } },
	  NULL, "220 *\r\n250-mx.example.com Hello\r\n250-PIPELINING\r\n"
	  "250-SIZE 10240000\r\n250-XXXXXXXA\r\n250-AUTH LOGIN PLAIN\r\n"
	  "250-XXXXXXXXB\r\n250-XXXC\r\n250 8BITMIME\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "asa: DELIVERBY then HELP", "asa",
	  { { S, "220 x\r\n" }, { C, "EHLO a\r\n" },
	    { S, "250-mx\r\n250-DELIVERBY 300\r\n250 HELP\r\n" } },
	  NULL, "220 *\r\n250-mx\r\n250-XXXXXXXXA 300\r\n250 XXXB\r\n", NULL,
	  0, 0, EMU_LOG_ID__COUNT },
	{ "asa: HELO reply not masked", "asa",
	  { { S, "220 x\r\n" }, { C, "HELO a\r\n" },
	    { S, "250-mx\r\n250 STARTTLS\r\n" } },
	  NULL, "220 *\r\n250-mx\r\n250 STARTTLS\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "asa: pipelined, only the EHLO reply masked", "asa",
	  { { S, "220 x\r\n" }, { C, "NOOP\r\nEHLO a\r\n" },
	    { S, "250-ok\r\n250 HELP\r\n250-mx\r\n250 HELP\r\n" } },
	  NULL, "220 *\r\n250-ok\r\n250 HELP\r\n250-mx\r\n250 XXXA\r\n", NULL,
	  0, 0, EMU_LOG_ID__COUNT },
	{ "pix-6.3: EHLO becomes NOOP", "pix-6.3",
	  { { S, "220 x\r\n" }, { C, "EHLO host\r\nSTARTTLS\r\nXY\r\n" } },
	  "NOOP host\r\nNOOP    \r\nXX\r\n", "220 *\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "pix-4.4: refused verbs X-filled", "pix-4.4",
	  { { S, "220 x\r\n" }, { C, "EHLO host\r\nHELO host\r\n" } },
	  "XXXXXXXXX\r\nHELO host\r\n", "220 *\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "pix-4.1: the box answers refused commands", "pix-4.1",
	  { { S, "220 x\r\n" },
	    { C, "EHLO a\r\nMAIL FROM:<a@b>\r\ngoodmorning\r\n" } },
	  "MAIL FROM:<a@b>\r\n", "220 S\r\n", "250 OK\r\n250 OK\r\n", 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "asa: '|' in MAIL becomes a space, 108002", "asa",
	  { { S, "220 x\r\n" }, { C, "MAIL FROM:<a|b@c>\r\n" } },
	  "MAIL FROM:<a b@c>\r\n", "220 *\r\n", NULL, 0, 0,
	  EMU_LOG_108002_REPLACED },
	{ "allow-tls: 220 to STARTTLS stops inspection, 108007",
	  "asa-allow-tls",
	  { { S, "220 x\r\n" }, { C, "STARTTLS\r\n" },
	    { S, "220 go ahead\r\n" }, { C, "\x16\x03\x01goodmorning\r\n" },
	    { S, "\x16\x03\x03" "220 x\r\n" } },
	  NULL, "220 *\r\n220 go ahead\r\n\x16\x03\x03" "220 x\r\n", NULL,
	  0, 1, EMU_LOG_108007_TLS },
	{ "asa: STARTTLS refused, server 500, no passthrough", "asa",
	  { { S, "220 x\r\n" }, { C, "STARTTLS\r\n" },
	    { S, "500 what\r\n" }, { C, "goodmorning\r\n" } },
	  "XXXXXXXX\r\nXXXXXXXXXXX\r\n", "220 *\r\n500 what\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "asa: AUTH LOGIN exchange passes (RFC 4954)", "asa",
	  { { S, "220 x\r\n" }, { C, "AUTH LOGIN\r\n" },
	    { S, "334 VXNlcm5hbWU6\r\n" }, { C, "dXNlcg==\r\n" },
	    { S, "334 UGFzc3dvcmQ6\r\n" }, { C, "cGFzcw==\r\n" },
	    { S, "235 ok\r\n" }, { C, "cGFzcw==\r\n" } },
	  "AUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\nXXXXXXXX\r\n",
	  "220 *\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n",
	  NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "asa: DATA body is not inspected", "asa",
	  { { S, "220 x\r\n" }, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "goodmorning\r\nSTARTTLS\r\n..\r\n.\r\n" },
	    { C, "QUIT\r\nXYZ\r\n" } },
	  "DATA\r\ngoodmorning\r\nSTARTTLS\r\n..\r\n.\r\nQUIT\r\nXXX\r\n",
	  "220 *\r\n354 go\r\n", NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "asa: DATA refused, commands inspected again", "asa",
	  { { S, "220 x\r\n" }, { C, "DATA\r\n" }, { S, "554 no\r\n" },
	    { C, "goodmorning\r\n" } },
	  "DATA\r\nXXXXXXXXXXX\r\n", "220 *\r\n554 no\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "asa: BDAT refused, its chunk X-filled as commands", "asa",
	  { { S, "220 x\r\n" }, { C, "BDAT 4 LAST\r\nab\r\n" } },
	  "XXXXXXXXXXX\r\nXX\r\n", "220 *\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "off: BDAT chunk not inspected", "off",
	  { { S, "220 x\r\n" }, { C, "BDAT 6 LAST\r\nab\r\ncdQUIT\r\n" } },
	  NULL, NULL, NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "pix-5.1: split end of data not forwarded (CSCds90792)", "pix-5.1",
	  { { S, "220 x\r\n" }, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" } },
	  "DATA\r\nbody\r\n.", "220 *\r\n354 go\r\n", NULL, 0, 0,
	  EMU_LOG_ID__COUNT },
	{ "pix-5.1: end of data in one segment passes", "pix-5.1",
	  { { S, "220 x\r\n" }, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n" }, { C, ".\r\n" }, { C, "QUIT\r\n" } },
	  NULL, "220 *\r\n354 go\r\n", NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "pix-6.3: split end of data passes (bug fixed)", "pix-6.3",
	  { { S, "220 x\r\n" }, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" }, { C, "EHLO x\r\n" } },
	  "DATA\r\nbody\r\n.\r\nNOOP x\r\n", "220 *\r\n354 go\r\n", NULL, 0,
	  0, EMU_LOG_ID__COUNT },
	{ "asa: one character per segment (113423)", "asa",
	  { { S, "220 x\r\n" }, { C, "H" }, { C, "E" }, { C, "L" },
	    { C, "O" }, { C, " " }, { C, "x" }, { C, "\r\n" } },
	  "XXXXXX\r\n", "220 *\r\n", NULL, 0, 0, EMU_LOG_ID__COUNT },
	{ "asa: sender longer than 320 drops, 108004", "asa",
	  { { S, "220 x\r\n" }, { C, "MAIL FROM:<"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@b>\r\n" }, { C, "QUIT\r\n" } },
	  "", "220 *\r\n", NULL, 1, 0, EMU_LOG_108004_DROPPED },
	{ NULL, NULL, { { 0, NULL } }, NULL, NULL, NULL, 0, 0, 0 }
};

static void
check_case(const struct rw_case *t, const struct run *r)
{
	struct buf sent[2];
	const struct seg *s;
	const char *w;

	buf_init(&sent[0], RUN_MAX);
	buf_init(&sent[1], RUN_MAX);
	for (s = t->segs; s->bytes != NULL; s++)
		buf_append_str(&sent[s->dir], s->bytes);
	w = t->want_c2s ? t->want_c2s : buf_cstr(&sent[C]);
	if (strlen(w) != r->out[C].len || strcmp(w, buf_cstr(&r->out[C])) != 0)
		fail_msg("%s: c2s got '%s' want '%s'", t->name,
		    buf_cstr(&r->out[C]), w);
	w = t->want_s2c ? t->want_s2c : buf_cstr(&sent[S]);
	if (strlen(w) != r->out[S].len ||
	    strcmp(w, buf_cstr(&r->out[S])) != 0)
		fail_msg("%s: s2c got '%s' want '%s'", t->name,
		    buf_cstr(&r->out[S]), w);
	assert_string_equal(buf_cstr(&r->box), t->want_box ? t->want_box :
	    "");
	assert_int_equal(r->dropped, t->drop);
	assert_int_equal(r->passthrough, t->passthrough);
	if (t->log != EMU_LOG_ID__COUNT)
		assert_true(r->logs[t->log] == 1);
	buf_free(&sent[0]);
	buf_free(&sent[1]);
}

static void
test_cases(void **state)
{
	const struct rw_case *t;
	struct run r;
	int hold;

	(void)state;
	for (t = rw_cases; t->name != NULL; t++) {
		for (hold = 0; hold <= 1; hold++) {
			run_session(prof(t->profile), hold, t->segs, 0, &r);
			check_case(t, &r);
			run_free(&r);
		}
	}
}

/* A whole session that exercises every rule; used for segmentation. */
static const struct seg session[] = {
	{ S, "220-mail.example.com ESMTP Postfix 2.0 ready\r\n"
	     "220 second line 2004\r\n" },
	{ C, "EHLO client.example.org\r\n" },
	{ S, "250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
	     "250-STARTTLS\r\n250-X-LINK2STATE\r\n250-AUTH=LOGIN\r\n"
	     "250-DELIVERBY 300\r\n250 HELP\r\n" },
	{ C, "goodmorning\r\nMAIL FROM:<a|b@example.org> SIZE=10\r\n"
	     "RCPT TO:<c@example.com>\r\nX-EXPS GSSAPI\r\nDATA\r\n" },
	{ S, "250 ok\r\n250 ok\r\n250 ok\r\n500 no\r\n354 go\r\n" },
	{ C, "Subject: x\r\nContent-Disposition: attachment; filename=\""
	     "report-2004-quarterly.pdf\"\r\n\r\ngoodmorning\r\n"
	     "a body line that is long enough for the fast path\r\n"
	     "quoted=3Dprintable soft break=\r\n..dot\r\n.\r\n" },
	{ S, "250 queued\r\n" },
	{ C, "RSET\r\nSTARTTLS\r\nQUIT\r\n" },
	{ S, "250 ok\r\n500 no\r\n221 bye\r\n" },
	{ 0, NULL }
};

/*
 * With hold mode on and the two boundary rules off, the output does not
 * depend on segmentation: whole, byte by byte and cut at every point.
 */
static void
check_invariance(const struct emu_profile *p, size_t maxlen)
{
	struct run whole, r;
	size_t k;

	run_session(p, 1, session, 0, &whole);
	for (k = 1; k <= maxlen; k++) {
		run_session(p, 1, session, k, &r);
		if (whole.dropped) {
			/* The box drops the segment in which the limit
			 * matches: what went before depends on where the
			 * segments end, the decision does not. */
			assert_int_equal(r.dropped, 1);
			assert_true(r.out[C].len >= whole.out[C].len);
			assert_memory_equal(r.out[C].data, whole.out[C].data,
			    whole.out[C].len);
			assert_memory_equal(r.logs, whole.logs,
			    sizeof(r.logs));
			run_free(&r);
			continue;
		}
		if (r.out[C].len != whole.out[C].len ||
		    memcmp(r.out[C].data, whole.out[C].data,
		    r.out[C].len) != 0 ||
		    r.out[S].len != whole.out[S].len ||
		    memcmp(r.out[S].data, whole.out[S].data,
		    r.out[S].len) != 0 ||
		    r.dropped != whole.dropped ||
		    strcmp(buf_cstr(&r.box), buf_cstr(&whole.box)))
			fail_msg("%s split %zu:\n%s\n%s\nwhole:\n%s\n%s",
			    p->name, k, buf_cstr(&r.out[C]),
			    buf_cstr(&r.out[S]), buf_cstr(&whole.out[C]),
			    buf_cstr(&whole.out[S]));
		assert_memory_equal(r.logs, whole.logs, sizeof(r.logs));
		run_free(&r);
	}
	run_free(&whole);
}

static void
test_segmentation_invariance(void **state)
{
	struct emu_profile p;
	struct run r;
	size_t i, maxlen = 0;

	(void)state;
	for (i = 0; session[i].bytes != NULL; i++)
		if (strlen(session[i].bytes) > maxlen)
			maxlen = strlen(session[i].bytes);
	for (i = 0; i < emu_profile_count(); i++) {
		p = *emu_profile_at(i);
		p.interactive_xfill = 0;
		p.eod_split_bug = 0;
		check_invariance(&p, maxlen);
	}
	/* the DATA limits decide the same way at every split */
	p = *emu_profile_builtin("asa");
	p.interactive_xfill = 0;
	p.mime_filename_max = 10;
	check_invariance(&p, maxlen);
	run_session(&p, 1, session, 0, &r);
	assert_int_equal(r.dropped, 1);		/* the limits did match */
	run_free(&r);
	p.mime_filename_max = 0;
	p.body_line_max = 20;
	check_invariance(&p, maxlen);
	run_session(&p, 1, session, 0, &r);
	assert_true(r.logs[EMU_LOG_108005_LOGONLY] == 2);
	run_free(&r);
}

/*
 * Without hold mode (replay, inline), splits outside verbs, keywords and
 * pix-4.1 greeting lines still do not matter: check every profile but
 * pix-4.1 with cuts that fall right after a line end.
 */
static void
test_nohold_line_splits(void **state)
{
	struct emu_profile p;
	struct run whole, r;
	size_t i;

	(void)state;
	for (i = 0; i < emu_profile_count(); i++) {
		p = *emu_profile_at(i);
		run_session(&p, 0, session, 0, &whole);
		run_session(&p, 1, session, 0, &r);
		/* whole segments: hold mode makes no difference */
		assert_int_equal(r.out[C].len, whole.out[C].len);
		assert_memory_equal(r.out[C].data, whole.out[C].data,
		    r.out[C].len);
		assert_memory_equal(r.out[S].data, whole.out[S].data,
		    r.out[S].len);
		run_free(&r);
		run_free(&whole);
	}
}

/* The documented boundary effects, and the no-hold fallbacks. */
static const struct split_case {
	const char	*name;
	const char	*profile;
	int		 hold;
	struct seg	 segs[SEGS_MAX];
	const char	*want_c2s;
	const char	*want_s2c;
} split_cases[] = {
	{ "pix-6.3 hold: split verb still NOOP", "pix-6.3", 1,
	  { { S, "220 x\r\n" }, { C, "EH" }, { C, "LO x\r\n" } },
	  "NOOP x\r\n", "220 *\r\n" },
	{ "pix-6.3 no hold: split refused verb X-filled", "pix-6.3", 0,
	  { { S, "220 x\r\n" }, { C, "EH" }, { C, "LO x\r\n" } },
	  "XXXXXX\r\n", "220 *\r\n" },
	{ "pix-6.3 no hold: split allowed verb passes", "pix-6.3", 0,
	  { { S, "220 x\r\n" }, { C, "HE" }, { C, "LO x\r\n" } },
	  "HELO x\r\n", "220 *\r\n" },
	{ "pix-6.3 no hold: prefix of allowed, refused at end", "pix-6.3", 0,
	  { { S, "220 x\r\n" }, { C, "HE" }, { C, "LP\r\n" } },
	  "HEXX\r\n", "220 *\r\n" },
	{ "asa: a segment of just a verb start is X-filled", "asa", 1,
	  { { S, "220 x\r\n" }, { C, "MAIL FROM:<a@b>\r\n" }, { C, "RC" },
	    { C, "PT TO:<c@d>\r\n" } },
	  "MAIL FROM:<a@b>\r\nXXXXXXXXXXXXX\r\n", "220 *\r\n" },
	{ "asa hold: bulk write cut inside a verb is not", "asa", 1,
	  { { S, "220 x\r\n" }, { C, "MAIL FROM:<a@b>\r\nRC" },
	    { C, "PT TO:<c@d>\r\n" } },
	  "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n", "220 *\r\n" },
	{ "asa no hold: bulk write cut inside a verb, prefix", "asa", 0,
	  { { S, "220 x\r\n" }, { C, "MAIL FROM:<a@b>\r\nRC" },
	    { C, "PT TO:<c@d>\r\n" } },
	  "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n", "220 *\r\n" },
	{ "asa no hold: split keyword, letter in the last part", "asa", 0,
	  { { S, "220 x\r\n" }, { C, "EHLO a\r\n" },
	    { S, "250-mx\r\n250-STA" }, { S, "RTTLS\r\n250 HELP\r\n" } },
	  "EHLO a\r\n", "220 *\r\n250-mx\r\n250-XXXXXXXA\r\n250 XXXB\r\n" },
	{ "asa no hold: split allowed keyword passes", "asa", 0,
	  { { S, "220 x\r\n" }, { C, "EHLO a\r\n" },
	    { S, "250-mx\r\n250-PIPE" }, { S, "LINING\r\n250 SIZE\r\n" } },
	  "EHLO a\r\n", "220 *\r\n250-mx\r\n250-PIPELINING\r\n250 SIZE\r\n" },
	{ "asa no hold: prefix of allowed keyword, refused", "asa", 0,
	  { { S, "220 x\r\n" }, { C, "EHLO a\r\n" },
	    { S, "250-mx\r\n250-SI" }, { S, "ZEX\r\n" } },
	  "EHLO a\r\n", "220 *\r\n250-mx\r\n250-SIXXA\r\n" },
	{ "pix-4.1 hold: split greeting keeps 'read'", "pix-4.1", 1,
	  { { S, "220 mail.example.com E" }, { S, "SMTP Postfix\r\n" } },
	  "", "220 SMTP/cmap_________________read\r\n" },
	{ "pix-4.1 no hold: split greeting gets underscores", "pix-4.1", 0,
	  { { S, "220 mail.example.com ESMTP Postf" }, { S, "ix\r\n" } },
	  "", "220 SMTP/cmap___________________ad\r\n" },
	{ NULL, NULL, 0, { { 0, NULL } }, NULL, NULL }
};

static void
test_split_cases(void **state)
{
	const struct split_case *t;
	struct run r;

	(void)state;
	for (t = split_cases; t->name != NULL; t++) {
		run_session(prof(t->profile), t->hold, t->segs, 0, &r);
		if (strcmp(buf_cstr(&r.out[C]), t->want_c2s) != 0 ||
		    strcmp(buf_cstr(&r.out[S]), t->want_s2c) != 0)
			fail_msg("%s: got '%s' / '%s'", t->name,
			    buf_cstr(&r.out[C]), buf_cstr(&r.out[S]));
		run_free(&r);
	}
}

/* ASA default map: more than 100 RCPT in one message drops (108004). */
static void
test_rcpt_limit(void **state)
{
	struct seg s[4];
	struct buf rc;
	struct run r;
	int i;

	(void)state;
	buf_init(&rc, RUN_MAX);
	buf_append_str(&rc, "MAIL FROM:<a@b>\r\n");
	for (i = 0; i < 101; i++)
		buf_printf(&rc, "RCPT TO:<u%d@example.com>\r\n", i);
	s[0].dir = S;
	s[0].bytes = "220 x\r\n";
	s[1].dir = C;
	s[1].bytes = buf_cstr(&rc);
	s[2].dir = C;
	s[2].bytes = "DATA\r\n";
	s[3].bytes = NULL;
	run_session(prof("asa"), 1, s, 0, &r);
	assert_int_equal(r.dropped, 1);
	assert_true(r.logs[EMU_LOG_108004_DROPPED] == 1);
	assert_non_null(strstr(r.logtext, "matched Class 2: cmd RCPT count "
	    "gt 100"));
	assert_int_equal(r.out[C].len, 0);	/* the segment was not sent */
	run_free(&r);
	/* 100 pass */
	buf_reset(&rc);
	buf_append_str(&rc, "MAIL FROM:<a@b>\r\n");
	for (i = 0; i < 100; i++)
		buf_printf(&rc, "RCPT TO:<u%d@example.com>\r\n", i);
	s[1].bytes = buf_cstr(&rc);
	run_session(prof("asa"), 1, s, 0, &r);
	assert_int_equal(r.dropped, 0);
	assert_int_equal(r.out[C].len, rc.len + 6);
	run_free(&r);
	buf_free(&rc);
}

/* Header line over 998 drops; body line over 998 only logs (108005). */
static void
test_data_limits(void **state)
{
	struct seg s[5];
	struct buf body;
	struct run r;
	int i;

	(void)state;
	buf_init(&body, RUN_MAX);
	buf_append_str(&body, "Subject: x\r\n\r\n");
	for (i = 0; i < 1000; i++)
		buf_append_str(&body, "b");
	buf_append_str(&body, "\r\n.\r\n");
	s[0].dir = S;
	s[0].bytes = "220 x\r\n";
	s[1].dir = C;
	s[1].bytes = "MAIL FROM:<a@b> SIZE=20\r\nRCPT TO:<c@d>\r\nDATA\r\n";
	s[2].dir = S;
	s[2].bytes = "250 a\r\n250 b\r\n354 go\r\n";
	s[3].dir = C;
	s[3].bytes = buf_cstr(&body);
	s[4].bytes = NULL;
	run_session(prof("asa"), 1, s, 0, &r);
	assert_int_equal(r.dropped, 0);
	assert_true(r.logs[EMU_LOG_108005_LOGONLY] == 1);
	assert_true(r.logs[EMU_LOG_108006_SIZE] == 1);
	assert_non_null(strstr(r.logtext, "body line length gt 998"));
	run_free(&r);
	/* the same long line as a header: dropped */
	buf_reset(&body);
	buf_append_str(&body, "X-Long: ");
	for (i = 0; i < 1000; i++)
		buf_append_str(&body, "h");
	buf_append_str(&body, "\r\n\r\nbody\r\n.\r\n");
	s[3].bytes = buf_cstr(&body);
	run_session(prof("asa"), 1, s, 0, &r);
	assert_int_equal(r.dropped, 1);
	assert_non_null(strstr(r.logtext, "Class 4: header line length gt "
	    "998"));
	run_free(&r);
	buf_free(&body);
}

/* Parameters set over a built-in profile (--set). */
static const struct set_case {
	const char	*name;
	const char	*profile;
	const char	*set[3];
	struct seg	 segs[SEGS_MAX];
	const char	*want_c2s;
	const char	*want_box;
	int		 drop;
	enum emu_log_id	 log;
} set_cases[] = {
	{ "special-character drops, 108003", "asa",
	  { "special_char_drop=on", "drop_421=on", NULL },
	  { { S, "220 x\r\n" }, { C, "MAIL FROM:<a`b@c>\r\n" } }, "",
	  "421 Service not available, closing transmission channel\r\n", 1,
	  EMU_LOG_108003_MALICIOUS },
	{ "command line over 512 drops", "asa", { NULL },
	  { { S, "220 x\r\n" }, { C, "HELP aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aa\r\n" } },
	  "", NULL, 1, EMU_LOG_108004_DROPPED },
	{ "limits log only with drop=off", "asa", { "drop=off", "rcpt_max=1" },
	  { { S, "220 x\r\n" }, { C, "RCPT TO:<a>\r\nRCPT TO:<b>\r\n" } },
	  "RCPT TO:<a>\r\nRCPT TO:<b>\r\n", NULL, 0,
	  EMU_LOG_108005_LOGONLY },
	{ "MIME filename over the limit drops", "asa",
	  { "mime_filename_max=5", NULL },
	  { { S, "220 x\r\n" }, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "Content-Disposition: attachment; filename=\"abcdef\"\r\n" } },
	  "DATA\r\n", NULL, 1, EMU_LOG_108004_DROPPED },
	{ "MIME filename at the limit passes", "asa",
	  { "mime_filename_max=6", NULL },
	  { { S, "220 x\r\n" }, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "Content-Disposition: attachment; filename=\"abcdef\"\r\n" } },
	  "DATA\r\nContent-Disposition: attachment; filename=\"abcdef\"\r\n",
	  NULL, 0, EMU_LOG_ID__COUNT },
	{ "pix-6.3 with refuse=xfill", "pix-6.3", { "refuse=xfill", NULL },
	  { { S, "220 x\r\n" }, { C, "EHLO a\r\n" } }, "XXXXXX\r\n", NULL, 0,
	  EMU_LOG_ID__COUNT },
	{ "custom verbs let BDAT through, chunk untouched", "asa",
	  { "verbs=EHLO,MAIL,RCPT,BDAT,QUIT", NULL },
	  { { S, "220 x\r\n" },
	    { C, "BDAT 5 LAST\r\nab\r\ncQUIT\r\nHELO\r\n" } },
	  "BDAT 5 LAST\r\nab\r\ncQUIT\r\nXXXX\r\n", NULL, 0,
	  EMU_LOG_ID__COUNT },
	{ "mask_params X-fills a masked keyword's parameters", "asa",
	  { "mask_params=on", NULL },
	  { { S, "220 x\r\n" }, { C, "EHLO a\r\n" },
	    { S, "250-mx\r\n250 DELIVERBY 300\r\n" } },
	  "EHLO a\r\n", NULL, 0, EMU_LOG_ID__COUNT },
	{ NULL, NULL, { NULL }, { { 0, NULL } }, NULL, NULL, 0, 0 }
};

static void
test_set_cases(void **state)
{
	const struct set_case *t;
	struct emu_profile p;
	char err[256];
	struct run r;
	size_t i;

	(void)state;
	for (t = set_cases; t->name != NULL; t++) {
		p = *prof(t->profile);
		for (i = 0; i < 3 && t->set[i] != NULL; i++)
			assert_int_equal(emu_profile_set_arg(&p, t->set[i],
			    err), 0);
		run_session(&p, 1, t->segs, 0, &r);
		if (strcmp(buf_cstr(&r.out[C]), t->want_c2s) != 0)
			fail_msg("%s: got '%s'", t->name, buf_cstr(&r.out[C]));
		assert_string_equal(buf_cstr(&r.box), t->want_box ?
		    t->want_box : "");
		assert_int_equal(r.dropped, t->drop);
		if (t->log != EMU_LOG_ID__COUNT && r.logs[t->log] == 0)
			fail_msg("%s: no %s line", t->name,
			    emu_log_id_name(t->log));
		if (strcmp(t->name, "mask_params X-fills a masked keyword's "
		    "parameters") == 0)
			assert_string_equal(buf_cstr(&r.out[S]),
			    "220 *\r\n250-mx\r\n250 XXXXXXXXAXXXX\r\n");
		run_free(&r);
	}
}

/*
 * Each verb under each profile, in profile order off pix-4.1 pix-4.4
 * pix-5.1 pix-6.3 asa asa-allow-tls: 'p' passes, 'o' answered by the box
 * (250 OK, not forwarded), 'x' X-filled, 'n' verb turned into NOOP.
 */
static const struct verb_row {
	const char	*line;
	const char	*fate;
} verb_rows[] = {
	{ "HELO a", "ppppppp" }, { "EHLO a", "poxnnpp" },
	{ "MAIL FROM:<a@b>", "ppppppp" }, { "RCPT TO:<c@d>", "ppppppp" },
	{ "DATA", "ppppppp" }, { "RSET", "ppppppp" }, { "NOOP", "ppppppp" },
	{ "QUIT", "ppppppp" }, { "AUTH LOGIN", "poxnnpp" },
	{ "ETRN a", "poxnnpp" }, { "HELP", "poxnnpp" },
	{ "SAML FROM:<a>", "poxnnpp" }, { "SEND FROM:<a>", "poxnnpp" },
	{ "SOML FROM:<a>", "poxnnpp" }, { "VRFY a", "poxnnpp" },
	{ "STARTTLS", "poxnnxp" }, { "BDAT 0 LAST", "poxnnxx" },
	{ "ATRN", "poxnnxx" }, { "VERB", "poxnnxx" },
	{ "X-LINK2STATE LAST CHUNK=a", "poxnnxx" },
	{ "XEXCH50 1 2", "poxnnxx" },
	{ "X-EXPS GSSAPI", "poxnnxx" }, { "goodmorning", "poxnnxx" },
	{ NULL, NULL }
};

static void
test_verb_matrix(void **state)
{
	const struct verb_row *v;
	char sent[128], want[128], *sp;
	struct seg segs[3];
	struct run r;
	size_t i, k;

	(void)state;
	assert_int_equal(emu_profile_count(), 7);
	for (v = verb_rows; v->line != NULL; v++) {
		for (i = 0; i < 7; i++) {
			snprintf(sent, sizeof(sent), "%s\r\n", v->line);
			util_strlcpy(want, sent, sizeof(want));
			sp = strchr(want, ' ');
			k = sp ? (size_t)(sp - want) : strlen(v->line);
			if (v->fate[i] == 'o')
				want[0] = '\0';
			else if (v->fate[i] == 'x')
				memset(want, 'X', strlen(v->line));
			else if (v->fate[i] == 'n') {
				memset(want, ' ', k);
				memcpy(want, "NOOP", 4);
			}
			segs[0].dir = S;
			segs[0].bytes = "220 x\r\n";
			segs[1].dir = C;
			segs[1].bytes = sent;
			segs[2].bytes = NULL;
			run_session(emu_profile_at(i), 1, segs, 0, &r);
			if (strcmp(buf_cstr(&r.out[C]), want) != 0)
				fail_msg("%s under %s: got '%s' want '%s'",
				    v->line, emu_profile_at(i)->name,
				    buf_cstr(&r.out[C]), want);
			assert_string_equal(buf_cstr(&r.box),
			    v->fate[i] == 'o' ? "250 OK\r\n" : "");
			run_free(&r);
		}
	}
}

/* Retransmissions: the history gives back exactly what was emitted. */
static void
test_history(void **state)
{
	struct emu_actions act;
	struct emu_conn *c = emu_conn_new(prof("asa"), NULL, NULL);
	uint8_t g[] = "220 mx ready\r\n", out[64];
	uint8_t cmd[] = "STARTTLS\r\n";

	(void)state;
	emu_actions_init(&act);
	emu_rewrite_segment(c, S, g, sizeof(g) - 1, &act);
	emu_rewrite_segment(c, C, cmd, sizeof(cmd) - 1, &act);
	assert_true(emu_conn_offset(c, S) == sizeof(g) - 1);
	assert_int_equal(emu_rewrite_history(c, S, 0, out, sizeof(out)),
	    sizeof(g) - 1);
	assert_memory_equal(out, "220 ********\r\n", sizeof(g) - 1);
	assert_int_equal(emu_rewrite_history(c, C, 2, out, 4), 4);
	assert_memory_equal(out, "XXXX", 4);
	assert_int_equal(emu_rewrite_history(c, C, 100, out, 4), 0);
	emu_actions_free(&act);
	emu_conn_free(c);
	emu_conn_free(NULL);
}

/* Replay mode: the captured server's reply to a command the box answered
 * itself is cut; other replies are not. */
static void
test_replay_mode(void **state)
{
	struct emu_actions act;
	struct emu_conn *c = emu_conn_new(prof("pix-4.1"), NULL, NULL);
	uint8_t g[] = "220 mx\r\n", e[] = "EHLO a\r\n";
	uint8_t er[] = "250-mx\r\n250 SIZE\r\n", h[] = "HELO a\r\n";
	uint8_t hr[] = "250 mx\r\n";

	(void)state;
	emu_actions_init(&act);
	emu_conn_set_replay(c, 1);
	emu_rewrite_segment(c, S, g, sizeof(g) - 1, &act);
	emu_rewrite_segment(c, C, e, sizeof(e) - 1, &act);
	assert_true(act.suppress);
	assert_int_equal(act.inject.len, 8);
	emu_rewrite_segment(c, S, er, 8, &act);		/* split reply */
	assert_true(act.suppress);
	emu_rewrite_segment(c, S, er + 8, sizeof(er) - 9, &act);
	assert_true(act.suppress);
	emu_rewrite_segment(c, C, h, sizeof(h) - 1, &act);
	assert_false(act.suppress);
	emu_rewrite_segment(c, S, hr, sizeof(hr) - 1, &act);
	assert_false(act.suppress);
	assert_int_equal(act.ncuts, 0);
	emu_actions_free(&act);
	emu_conn_free(c);
}

/* Replay mode, pix-5.1: after the swallowed end of data the captured
 * server's replies are cut (it would still be waiting). */
static void
test_replay_mode_eod(void **state)
{
	struct emu_actions act;
	struct emu_conn *c = emu_conn_new(prof("pix-5.1"), NULL, NULL);
	uint8_t g[] = "220 mx\r\n", d[] = "DATA\r\n", go[] = "354 go\r\n";
	uint8_t b[] = "body\r\n.", e[] = "\r\n", ok[] = "250 queued\r\n";
	uint8_t q[] = "QUIT\r\n", bye[] = "221 bye\r\n";

	(void)state;
	emu_actions_init(&act);
	emu_conn_set_replay(c, 1);
	emu_rewrite_segment(c, S, g, sizeof(g) - 1, &act);
	emu_rewrite_segment(c, C, d, sizeof(d) - 1, &act);
	emu_rewrite_segment(c, S, go, sizeof(go) - 1, &act);
	assert_false(act.suppress);
	emu_rewrite_segment(c, C, b, sizeof(b) - 1, &act);
	emu_rewrite_segment(c, C, e, sizeof(e) - 1, &act);
	assert_true(act.suppress);
	emu_rewrite_segment(c, S, ok, sizeof(ok) - 1, &act);
	assert_true(act.suppress);
	emu_rewrite_segment(c, C, q, sizeof(q) - 1, &act);	/* body now */
	assert_false(act.suppress);
	assert_memory_equal(q, "QUIT\r\n", 6);
	emu_rewrite_segment(c, S, bye, sizeof(bye) - 1, &act);
	assert_true(act.suppress);
	emu_actions_free(&act);
	emu_conn_free(c);
}

/* emu_actions_compact removes the cut ranges. */
static void
test_compact(void **state)
{
	struct emu_actions a;
	uint8_t b[] = "0123456789";

	(void)state;
	emu_actions_init(&a);
	a.cuts = malloc(2 * sizeof(*a.cuts));
	a.cuts_size = 2;
	a.ncuts = 2;
	a.cuts[0].off = 1;
	a.cuts[0].len = 2;
	a.cuts[1].off = 5;
	a.cuts[1].len = 3;
	assert_int_equal(emu_actions_compact(&a, b, 10), 5);
	assert_memory_equal(b, "03489", 5);
	emu_actions_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_segmentation_invariance),
		cmocka_unit_test(test_nohold_line_splits),
		cmocka_unit_test(test_split_cases),
		cmocka_unit_test(test_rcpt_limit),
		cmocka_unit_test(test_data_limits),
		cmocka_unit_test(test_set_cases),
		cmocka_unit_test(test_verb_matrix),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_replay_mode),
		cmocka_unit_test(test_replay_mode_eod),
		cmocka_unit_test(test_compact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
