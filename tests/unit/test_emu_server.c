/* test_emu_server.c - unit tests of the built-in server personalities. */
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
#include "emu_server.h"
#include "mg_limits.h"
#include "util.h"

/* 2026-11-22 16:31:29 UTC, so greetings with dates are deterministic. */
static uint64_t
fixed_now(void)
{
	return 1795365089ull * 1000000ull;
}

/* ---- a spool in memory, that can be told to fail ---- */

struct mem_spool {
	struct buf	 msgs[8];
	size_t		 n;
	int		 fail_open, fail_write, fail_commit;
	int		 aborted;
};

struct mem_msg {
	struct mem_spool *sp;
	struct buf	 b;
};

static void *
mem_open(void *ctx, const char *id, char *errbuf)
{
	struct mem_spool *sp = ctx;
	struct mem_msg *m;

	(void)id;
	if (sp->fail_open) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "open failed");
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->sp = sp;
	buf_init(&m->b, 0);
	return m;
}

static int
mem_write(void *msg, const void *p, size_t n, char *errbuf)
{
	struct mem_msg *m = msg;

	/* fail_write: the envelope (first write) passes, the body fails. */
	if (m->sp->fail_write && m->b.len > 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "disk full");
		return -1;
	}
	return buf_append(&m->b, p, n);
}

static void
mem_abort(void *msg)
{
	struct mem_msg *m = msg;

	m->sp->aborted++;
	buf_free(&m->b);
	free(m);
}

static int
mem_commit(void *msg, char *errbuf)
{
	struct mem_msg *m = msg;
	struct mem_spool *sp = m->sp;

	if (sp->fail_commit || sp->n == 8) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "fsync failed");
		mem_abort(m);
		return -1;
	}
	sp->msgs[sp->n++] = m->b;
	free(m);
	return 0;
}

static void
mem_spool_free(struct mem_spool *sp)
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		buf_free(&sp->msgs[i]);
}

/* Run a whole dialogue with the input cut at the given split sizes
 * (0: whole); returns the replies. */
static void
run(const char *pers, const char *in, size_t step, struct buf *out,
    const struct emu_server_spool_ops *ops, int tls_ok,
    enum emu_server_rc *last_rc)
{
	struct emu_server_cfg cfg;
	struct emu_server_sess *s;
	enum emu_server_rc rc = EMU_SERVER_OK;
	size_t len = strlen(in), off = 0, k, used;

	memset(&cfg, 0, sizeof(cfg));
	cfg.pers = emu_server_find(pers);
	assert_non_null(cfg.pers);
	cfg.hostname = "mx.test";
	cfg.spool = ops;
	cfg.tls_ok = tls_ok;
	cfg.now_us = fixed_now;
	s = emu_server_sess_new(&cfg, "192.0.2.7", 1);
	emu_server_greet(s, out);
	while (off < len && rc == EMU_SERVER_OK) {
		k = step == 0 || step > len - off ? len - off : step;
		rc = emu_server_feed(s, (const uint8_t *)in + off, k, out,
		    &used);
		assert_true(used <= k);
		off += used;
	}
	if (last_rc)
		*last_rc = rc;
	emu_server_sess_free(s);
}

/* The same dialogue fed in two pieces, cut at split. */
static void
run_split(const char *pers, const char *in, size_t split, struct buf *out)
{
	struct emu_server_cfg cfg;
	struct emu_server_sess *s;
	enum emu_server_rc rc;
	size_t len = strlen(in), used;

	memset(&cfg, 0, sizeof(cfg));
	cfg.pers = emu_server_find(pers);
	cfg.hostname = "mx.test";
	cfg.tls_ok = 1;
	cfg.now_us = fixed_now;
	s = emu_server_sess_new(&cfg, "192.0.2.7", 1);
	emu_server_greet(s, out);
	rc = emu_server_feed(s, (const uint8_t *)in, split, out, &used);
	if (rc == EMU_SERVER_OK && used == split)
		(void)emu_server_feed(s, (const uint8_t *)in + split,
		    len - split, out, &used);
	emu_server_sess_free(s);
}

static const struct reply_case {
	const char	*pers;
	const char	*in;
	const char	*want[6];	/* substrings of the replies */
	const char	*not_want;
} reply_cases[] = {
	{ "exchange2003", "EHLO a\r\n", {
	    "220 mx.test Microsoft ESMTP MAIL Service, Version: "
	    "6.0.3790.3959 ready at  Sun, 22 Nov 2026 16:31:29 +0000 \r\n",
	    "250-mx.test Hello [192.0.2.7]\r\n", "250-X-LINK2STATE\r\n",
	    "250-XEXCH50\r\n", "250-CHUNKING\r\n", "250 OK\r\n" }, NULL },
	{ "exchange2003", "goodmorning\r\n",
	    { "500 5.3.3 Unrecognized command\r\n" }, NULL },
	{ "exchange2003", "EHLO a\r\n", { "250-STARTTLS\r\n" }, NULL },
	{ "postfix", "EHLO a\r\n", {
	    "220 mx.test ESMTP Postfix (Debian/GNU)\r\n",
	    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n",
	    "250-STARTTLS\r\n", "250-SMTPUTF8\r\n250 CHUNKING\r\n" },
	    "AUTH" },
	{ "postfix", "goodmorning\r\n",
	    { "502 5.5.2 Error: command not recognized\r\n" }, NULL },
	{ "postfix", "HELO a\r\nMAIL FROM:<a@b>\r\nDATA\r\n",
	    { "250 mx.test\r\n", "250 2.1.0 Ok\r\n",
	      "554 5.5.1 Error: no valid recipients\r\n" }, "354" },
	{ "postfix", "RCPT TO:<x@y>\r\n",
	    { "503 5.5.1 Error: need MAIL command\r\n" }, NULL },
	{ "postfix", "MAIL FROM:<a@b>\r\n", { "250 2.1.0 Ok\r\n" }, NULL },
	{ "exchange2003", "MAIL FROM:<a@b>\r\n",
	    { "503 5.5.2 Send hello first\r\n" }, NULL },
	{ "postfix", "EHLO a\r\nMAIL FROM:<a@b> SIZE=99999999\r\n",
	    { "552 5.3.4 Message size exceeds fixed limit\r\n" }, NULL },
	{ "postfix", "EHLO a\r\nAUTH PLAIN AGEAYg==\r\n",
	    { "503 5.5.1 Error: authentication not enabled\r\n" }, "235" },
	{ "postfix", "EHLO a\r\nSTARTTLS now\r\n",
	    { "501 5.5.4" }, "220 2.0.0" },
	{ "postfix", "HELP\r\n",
	    { "502 5.5.2 Error: command not recognized\r\n" }, NULL },
	/* pipelined transaction, RFC 2920: replies in order. */
	{ "postfix", "EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
	    "DATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n",
	    { "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with "
	      "<CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as 0000100001\r\n"
	      "221 2.0.0 Bye\r\n" }, NULL },
	{ "postfix", "EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
	    "BDAT 5\r\nhelloBDAT 3 LAST\r\nabcNOOP\r\n",
	    { "250 2.0.0 Ok: 5 bytes\r\n250 2.0.0 Ok: queued as "
	      "0000100001\r\n250 2.0.0 Ok\r\n" }, NULL },
	{ "sendmail", "goodmorning\r\n",
	    { "500 5.5.1 Command unrecognized: \"goodmorning\"\r\n" }, NULL },
	{ "sendmail", "XXXXXXXX\r\n",
	    { "500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n" }, NULL },
	{ "sendmail", "EHLO a\r\n", { "250-DELIVERBY\r\n250 HELP\r\n",
	    "250-mx.test Hello localhost [192.0.2.7], pleased to meet "
	    "you\r\n" }, NULL },
	{ "sendmail", "EHLO a\r\nAUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\n",
	    { "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.0.0 OK "
	      "Authenticated\r\n" }, NULL },
	{ "sendmail", "EHLO a\r\nAUTH CRAM-MD5\r\n",
	    { "504 5.3.3 AUTH mechanism CRAM-MD5 not available\r\n" }, NULL },
	{ "sendmail", "HELO a\r\nBDAT 3 LAST\r\n",
	    { "500 5.5.1 Command unrecognized: \"BDAT 3 LAST\"\r\n" }, NULL },
	{ "exchange2007", "EHLO a\r\n", { "250-X-ANONYMOUSTLS\r\n",
	    "250-AUTH NTLM\r\n", "250 XEXCH50\r\n" }, "LOGIN" },
	{ "exchange2007", "NOOP\r\nRSET\r\nVRFY bob\r\nQUIT\r\nNOOP\r\n",
	    { "250 2.0.0 OK\r\n250 2.0.0 Resetting\r\n252 2.1.5 Cannot "
	      "VRFY user\r\n221 2.0.0 Service closing transmission "
	      "channel\r\n" }, "OK\r\n250 2.0.0 OK\r\n250 2.0.0 Resetting"
	    "\r\n252 2.1.5 Cannot VRFY user\r\n221 2.0.0 Service closing "
	    "transmission channel\r\n250" },
	{ NULL, NULL, { NULL }, NULL }
};

static void
test_replies(void **state)
{
	const struct reply_case *c;
	struct buf out;
	size_t i;

	(void)state;
	for (c = reply_cases; c->pers != NULL; c++) {
		buf_init(&out, 0);
		run(c->pers, c->in, 0, &out, NULL, 1, NULL);
		for (i = 0; i < 6 && c->want[i] != NULL; i++) {
			if (strstr(buf_cstr(&out), c->want[i]) == NULL)
				fail_msg("%s: %s: missing [%s] in [%s]",
				    c->pers, c->in, c->want[i],
				    buf_cstr(&out));
		}
		if (c->not_want && strstr(buf_cstr(&out), c->not_want))
			fail_msg("%s: %s: unexpected [%s] in [%s]", c->pers,
			    c->in, c->not_want, buf_cstr(&out));
		buf_free(&out);
	}
}

/* Same replies whatever the segmentation (whole, 1 byte, every split). */
static void
test_split_invariance(void **state)
{
	const struct reply_case *c;
	struct buf whole, part;
	size_t step;

	(void)state;
	for (c = reply_cases; c->pers != NULL; c++) {
		buf_init(&whole, 0);
		run(c->pers, c->in, 0, &whole, NULL, 1, NULL);
		for (step = 1; step <= strlen(c->in); step++) {
			buf_init(&part, 0);
			run(c->pers, c->in, step, &part, NULL, 1, NULL);
			assert_string_equal(buf_cstr(&whole), buf_cstr(&part));
			buf_free(&part);
		}
		for (step = 0; step <= strlen(c->in); step++) {
			buf_init(&part, 0);
			run_split(c->pers, c->in, step, &part);
			assert_string_equal(buf_cstr(&whole), buf_cstr(&part));
			buf_free(&part);
		}
		buf_free(&whole);
	}
}

static const char *const txn =
    "EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\n"
    "DATA\r\nSubject: t\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n";

static void
test_spool_ok(void **state)
{
	struct mem_spool sp;
	struct emu_server_spool_ops ops = {
		mem_open, mem_write, mem_commit, mem_abort, NULL
	};
	struct buf out;

	(void)state;
	memset(&sp, 0, sizeof(sp));
	ops.ctx = &sp;
	buf_init(&out, 0);
	run("postfix", txn, 0, &out, &ops, 1, NULL);
	assert_int_equal(sp.n, 1);
	assert_string_equal(buf_cstr(&sp.msgs[0]),
	    "Return-Path: <a@b>\r\nX-Mailguard-Rcpt-To: <c@d>\r\n"
	    "X-Mailguard-Rcpt-To: <e@f>\r\nSubject: t\r\n\r\n"
	    ".leading dot\r\nbody\r\n");
	assert_non_null(strstr(buf_cstr(&out), "250 2.0.0 Ok: queued"));
	buf_free(&out);
	mem_spool_free(&sp);
}

/* Safety invariant: a spool failure is 451, never 250. */
static void
test_spool_fail(void **state)
{
	static const struct { int open, write, commit; const char *want; }
	    f[] = {
		{ 1, 0, 0, "250 2.1.5 Ok\r\n451 4.3.0 Error: queue file "
		    "write error\r\n" },
		{ 0, 1, 0, "354 End data with <CR><LF>.<CR><LF>\r\n451 4.3.0" },
		{ 0, 0, 1, "354 End data with <CR><LF>.<CR><LF>\r\n451 4.3.0" },
		{ 0, 0, 0, NULL }
	};
	struct mem_spool sp;
	struct emu_server_spool_ops ops = {
		mem_open, mem_write, mem_commit, mem_abort, NULL
	};
	struct buf out;
	size_t i;

	(void)state;
	for (i = 0; f[i].want != NULL; i++) {
		memset(&sp, 0, sizeof(sp));
		sp.fail_open = f[i].open;
		sp.fail_write = f[i].write;
		sp.fail_commit = f[i].commit;
		ops.ctx = &sp;
		buf_init(&out, 0);
		run("postfix", txn, 0, &out, &ops, 1, NULL);
		assert_int_equal(sp.n, 0);
		if (strstr(buf_cstr(&out), f[i].want) == NULL)
			fail_msg("case %zu: %s", i, buf_cstr(&out));
		assert_null(strstr(buf_cstr(&out), "queued"));
		buf_free(&out);
	}
}

/* STARTTLS stops the feed right after its line; the rest is not used. */
static void
test_starttls(void **state)
{
	const char *in = "EHLO a\r\nSTARTTLS\r\nMAIL FROM:<evil@x>\r\n";
	struct emu_server_cfg cfg;
	struct emu_server_sess *s;
	struct buf out;
	size_t used;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.pers = emu_server_find("postfix");
	cfg.tls_ok = 1;
	cfg.now_us = fixed_now;
	s = emu_server_sess_new(&cfg, "127.0.0.1", 2);
	buf_init(&out, 0);
	assert_int_equal(emu_server_feed(s, (const uint8_t *)in, strlen(in),
	    &out, &used), EMU_SERVER_STARTTLS);
	assert_int_equal(used, strlen("EHLO a\r\nSTARTTLS\r\n"));
	assert_non_null(strstr(buf_cstr(&out),
	    "220 2.0.0 Ready to start TLS\r\n"));
	emu_server_tls_started(s);
	buf_reset(&out);
	/* RFC 3207 4.2: EHLO again; STARTTLS gone, AUTH offered. */
	in = "AUTH PLAIN AGEAYg==\r\nEHLO a\r\n";
	assert_int_equal(emu_server_feed(s, (const uint8_t *)in, strlen(in),
	    &out, &used), EMU_SERVER_OK);
	assert_non_null(strstr(buf_cstr(&out), "503 5.5.1 Error: send "));
	assert_non_null(strstr(buf_cstr(&out), "250-AUTH PLAIN LOGIN\r\n"));
	assert_null(strstr(buf_cstr(&out), "STARTTLS"));
	buf_free(&out);
	emu_server_sess_free(s);
	/* Without TLS available STARTTLS is neither offered nor accepted. */
	buf_init(&out, 0);
	run("postfix", "EHLO a\r\nSTARTTLS\r\n", 0, &out, NULL, 0, NULL);
	assert_null(strstr(buf_cstr(&out), "STARTTLS"));
	assert_non_null(strstr(buf_cstr(&out), "502 5.5.1 Error: command "
	    "not implemented\r\n"));
	buf_free(&out);
}

/* Hostile input: over-long command lines, long body lines, NULs. */
static void
test_hostile(void **state)
{
	struct mem_spool sp;
	struct emu_server_spool_ops ops = {
		mem_open, mem_write, mem_commit, mem_abort, NULL
	};
	struct buf in, out;
	size_t i;

	(void)state;
	buf_init(&in, 0);
	for (i = 0; i < MG_LINE_MAX * 3; i++)
		(void)buf_append(&in, "A", 1);
	(void)buf_append_str(&in, "\r\nNOOP\r\nEHLO a\r\nMAIL FROM:<a@b>\r\n"
	    "RCPT TO:<c@d>\r\nDATA\r\n");
	for (i = 0; i < MG_LINE_MAX * 3; i++)
		(void)buf_append(&in, "b", 1);
	(void)buf_append_str(&in, "\r\n.\r\nQUIT\r\n");
	memset(&sp, 0, sizeof(sp));
	ops.ctx = &sp;
	buf_init(&out, 0);
	run("postfix", buf_cstr(&in), 1000, &out, &ops, 1, NULL);
	assert_non_null(strstr(buf_cstr(&out), "500 5.5.2 Error: line too "
	    "long\r\n250 2.0.0 Ok\r\n"));
	assert_int_equal(sp.n, 1);
	assert_int_equal(sp.msgs[0].len, strlen("Return-Path: <a@b>\r\n"
	    "X-Mailguard-Rcpt-To: <c@d>\r\n") + MG_LINE_MAX * 3 + 2);
	buf_free(&out);
	buf_free(&in);
	mem_spool_free(&sp);
}

static void
test_registry(void **state)
{
	static const char *const names[] = {
		"exchange2003", "exchange2007", "postfix", "sendmail", NULL
	};
	const struct emu_server_personality *const *p;
	size_t i, r;

	(void)state;
	for (i = 0; names[i] != NULL; i++)
		assert_non_null(emu_server_find(names[i]));
	assert_null(emu_server_find("exim"));
	for (p = emu_server_personalities; *p != NULL; p++)
		for (r = 0; r < EMU_SR__COUNT; r++)
			if (r != EMU_SR_HELP && r != EMU_SR_EHLO_LAST &&
			    r != EMU_SR_BDAT_CHUNK && (*p)->reply[r] == NULL)
				fail_msg("%s: reply %zu missing", (*p)->name,
				    r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_split_invariance),
		cmocka_unit_test(test_spool_ok),
		cmocka_unit_test(test_spool_fail),
		cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
