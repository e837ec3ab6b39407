/* test_emu_rewrite_eod.c - the pix-5.1 split end-of-data bug (CSCds90792). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "emu_profile.h"
#include "emu_rewrite.h"

#define C	EMU_C2S
#define S	EMU_S2C
#define CLOSE	2		/* the client closes (EOF of C2S) */
#define OUT_MAX	(64 * 1024)
#define SEGS_MAX 14

/* One step of a scripted session: a segment, or CLOSE with "". */
struct seg {
	int		 dir;
	const char	*bytes;
};

struct run {
	struct buf	 out[2];	/* forwarded, per direction */
	int		 holds;		/* calls that held bytes */
	int		 cuts;		/* calls that cut bytes */
};

/*
 * One call as the live proxy makes it (held bytes in front), with the
 * engine's invariants: same length, held bytes unchanged, nothing held
 * once hold mode is off.
 */
static void
feed(struct emu_conn *c, struct buf *held, int dir, const uint8_t *p,
    size_t n, int hold, struct run *r)
{
	struct emu_actions act;
	size_t len = held->len + n, fwd;
	uint8_t *b = malloc(len + 1), *orig = malloc(len + 1);

	assert_non_null(b);
	assert_non_null(orig);
	if (held->len > 0)
		memcpy(b, held->data, held->len);
	if (n > 0)
		memcpy(b + held->len, p, n);
	memcpy(orig, b, len);
	buf_reset(held);
	emu_actions_init(&act);
	assert_int_equal(emu_rewrite_segment(c, dir, b, len, &act), 0);
	assert_true(act.hold <= len);
	if (!hold)
		assert_int_equal(act.hold, 0);
	assert_memory_equal(b + len - act.hold, orig + len - act.hold,
	    act.hold);
	assert_int_equal(buf_append(held, orig + len - act.hold, act.hold),
	    0);
	r->holds += act.hold > 0;
	r->cuts += act.ncuts > 0;
	fwd = emu_actions_compact(&act, b, len - act.hold);
	assert_int_equal(buf_append(&r->out[dir], b, fwd), 0);
	emu_actions_free(&act);
	free(b);
	free(orig);
}

/* split: 0 whole segments, k > 0 each segment cut every k bytes. */
static void
run_session(enum emu_eod mode, int hold, const struct seg *s, size_t split,
    struct run *r)
{
	struct emu_profile p = *emu_profile_builtin("pix-5.1");
	struct emu_conn *c;
	struct buf held[2];
	size_t n, i, k;

	p.eod_split_bug = mode;
	memset(r, 0, sizeof(*r));
	buf_init(&r->out[C], OUT_MAX);
	buf_init(&r->out[S], OUT_MAX);
	buf_init(&held[C], OUT_MAX);
	buf_init(&held[S], OUT_MAX);
	c = emu_conn_new(&p, NULL, NULL);
	emu_conn_set_hold(c, hold);
	for (; s->bytes != NULL; s++) {
		if (s->dir == CLOSE) {
			/* the proxy's EOF contract: hold off, then the
			 * held bytes once more */
			hold = 0;
			emu_conn_set_hold(c, 0);
			if (held[C].len > 0)
				feed(c, &held[C], C, NULL, 0, 0, r);
			continue;
		}
		n = strlen(s->bytes);
		k = split > 0 ? split : n;
		for (i = 0; i < n; i += k)
			feed(c, &held[s->dir], s->dir,
			    (const uint8_t *)s->bytes + i,
			    n - i < k ? n - i : k, hold, r);
	}
	emu_conn_free(c);
	buf_free(&held[C]);
	buf_free(&held[S]);
}

static void
run_free(struct run *r)
{
	buf_free(&r->out[C]);
	buf_free(&r->out[S]);
}

#define GREET	{ S, "220 mx ready\r\n" }, { C, "HELO a\r\n" }, \
	{ S, "250 mx\r\n" }, { C, "MAIL FROM:<s@a>\r\n" }, { S, "250 ok\r\n" }
#define START	"HELO a\r\nMAIL FROM:<s@a>\r\n"
#define SHOWN	"220 ********\r\n250 mx\r\n250 ok\r\n"

static const struct eod_case {
	const char	*name;
	enum emu_eod	 mode;
	int		 hold;
	struct seg	 segs[SEGS_MAX];
	const char	*want_c2s, *want_s2c;
	int		 holds, cuts;
} eod_cases[] = {
	{ "late: split CRLF held, released when the client closes",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" }, { CLOSE, "" },
	    { S, "250 queued\r\n" } },
	  START "DATA\r\nbody\r\n.\r\n", SHOWN "354 go\r\n250 queued\r\n",
	  1, 0 },
	{ "late: held, released in front of the QUIT after the timeout",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" }, { C, "QUIT\r\n" },
	    { S, "250 queued\r\n221 bye\r\n" } },
	  START "DATA\r\nbody\r\n.\r\nQUIT\r\n",
	  SHOWN "354 go\r\n250 queued\r\n221 bye\r\n", 1, 0 },
	{ "late: after the release the next line is a command again",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" }, { C, "EHLO a\r\n" } },
	  START "DATA\r\nbody\r\n.\r\nNOOP a\r\n", SHOWN "354 go\r\n", 1, 0 },
	{ "late: released in front of an RSET, then a second message",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" }, { C, "RSET\r\n" },
	    { C, "MAIL FROM:<s@a>\r\nDATA\r\n" }, { C, "x\r\n." },
	    { C, "\r\n" } },
	  START "DATA\r\nbody\r\n.\r\nRSET\r\nMAIL FROM:<s@a>\r\n"
	  "DATA\r\nx\r\n.", SHOWN "354 go\r\n", 2, 0 },
	{ "late: held and never released while the client waits",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" } },
	  START "DATA\r\nbody\r\n.", SHOWN "354 go\r\n", 1, 0 },
	{ "late: bytes behind the CRLF in its segment release it at once",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\nQUIT\r\n" } },
	  START "DATA\r\nbody\r\n.\r\nQUIT\r\n", SHOWN "354 go\r\n", 0, 0 },
	{ "late without hold (replay, inline) is swallow",
	  EMU_EOD_LATE, 0,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" }, { C, "QUIT\r\n" } },
	  START "DATA\r\nbody\r\n.QUIT\r\n", SHOWN "354 go\r\n", 0, 1 },
	{ "swallow: cut for ever, even at close", EMU_EOD_SWALLOW, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" }, { C, "QUIT\r\n" },
	    { CLOSE, "" } },
	  START "DATA\r\nbody\r\n.QUIT\r\n", SHOWN "354 go\r\n", 0, 1 },
	{ "off: the split end of data passes", EMU_EOD_OFF, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r\n" }, { S, "250 queued\r\n" } },
	  START "DATA\r\nbody\r\n.\r\n", SHOWN "354 go\r\n250 queued\r\n",
	  0, 0 },
	{ "late: CR and LF in separate segments are not the bug",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body\r\n." }, { C, "\r" }, { C, "\n" } },
	  START "DATA\r\nbody\r\n.\r\n", SHOWN "354 go\r\n", 0, 0 },
	{ "late: a '.' that does not start a line is not the bug",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "DATA\r\n" }, { S, "354 go\r\n" },
	    { C, "body." }, { C, "\r\n" }, { C, ".\r\n" } },
	  START "DATA\r\nbody.\r\n.\r\n", SHOWN "354 go\r\n", 0, 0 },
	{ "late: a CRLF after '.' outside DATA is not the bug",
	  EMU_EOD_LATE, 1,
	  { GREET, { C, "RCPT TO:<r@a> ." }, { C, "\r\n" } },
	  START "RCPT TO:<r@a> .\r\n", SHOWN, 0, 0 },
	{ NULL, EMU_EOD_OFF, 0, { { 0, NULL } }, NULL, NULL, 0, 0 }
};

static void
check(const char *name, const struct run *r, const char *c2s,
    const char *s2c)
{
	if (r->out[C].len != strlen(c2s) ||
	    memcmp(r->out[C].data, c2s, r->out[C].len) != 0 ||
	    r->out[S].len != strlen(s2c) ||
	    memcmp(r->out[S].data, s2c, r->out[S].len) != 0)
		fail_msg("%s: got\n'%s'\n'%s'\nwant\n'%s'\n'%s'", name,
		    buf_cstr((struct buf *)&r->out[C]),
		    buf_cstr((struct buf *)&r->out[S]), c2s, s2c);
}

static void
test_eod_cases(void **state)
{
	const struct eod_case *t;
	struct run r;

	(void)state;
	for (t = eod_cases; t->name != NULL; t++) {
		run_session(t->mode, t->hold, t->segs, 0, &r);
		check(t->name, &r, t->want_c2s, t->want_s2c);
		if (r.holds != t->holds || r.cuts != t->cuts)
			fail_msg("%s: %d holds %d cuts", t->name, r.holds,
			    r.cuts);
		run_free(&r);
	}
}

/* Sessions whose only boundary that matters is "\r\n." | "\r\n". */
#define SPLIT_HEAD \
	{ S, "220 2000 0220 00\r\n" },		/* kept by the 2/0 rule */ \
	{ C, "HELO client.example.org\r\n" }, { S, "250 mx\r\n" }, \
	{ C, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\n" \
	     "DATA\r\n" }, \
	{ S, "250 ok\r\n250 ok\r\n354 go\r\n" }, \
	{ C, "Subject: x\r\nMessage-ID: <1@example.org>\r\n\r\nbody\r\n" \
	     "..dot\r\n." }, \
	{ C, "\r\n" }
static const struct seg split_quit[] = {	/* gives up with QUIT */
	SPLIT_HEAD, { C, "QUIT\r\n" }, { S, "250 queued\r\n221 bye\r\n" },
	{ 0, NULL }
};
static const struct seg split_close[] = {	/* gives up by closing */
	SPLIT_HEAD, { CLOSE, "" }, { S, "250 queued\r\n" }, { 0, NULL }
};
static const struct seg split_wait[] = {	/* still waiting */
	SPLIT_HEAD, { 0, NULL }
};

/*
 * Run a session whole, cut every k bytes (k >= 2: the lone CRLF stays
 * one segment and every other segment still ends where it did) and byte
 * by byte (CR and LF arrive apart: no bug, the end of data passes at
 * once); compare with the input less `missing` bytes at the end of the
 * client's stream when the bug applies (k != 1).
 */
static void
check_splits(enum emu_eod mode, const struct seg *sess, size_t missing)
{
	struct buf sent[2];
	const struct seg *s;
	struct run r;
	size_t k, maxlen = 0;
	char *want;

	buf_init(&sent[C], OUT_MAX);
	buf_init(&sent[S], OUT_MAX);
	for (s = sess; s->bytes != NULL; s++) {
		if (s->dir == CLOSE)
			continue;
		buf_append_str(&sent[s->dir], s->bytes);
		if (strlen(s->bytes) > maxlen)
			maxlen = strlen(s->bytes);
	}
	for (k = 0; k <= maxlen; k++) {
		run_session(mode, 1, sess, k, &r);
		want = strdup(buf_cstr(&sent[C]));
		assert_non_null(want);
		if (k != 1)
			want[sent[C].len - missing] = '\0';
		check(emu_eod_name(mode), &r, want, buf_cstr(&sent[S]));
		free(want);
		run_free(&r);
	}
	buf_free(&sent[C]);
	buf_free(&sent[S]);
}

/*
 * late only moves the CRLF in time, never changes or loses it: the
 * output is the input once the client gave up (QUIT or close), and
 * lacks only that CRLF while it waits.  swallow loses it for ever.
 */
static void
test_eod_splits(void **state)
{
	(void)state;
	check_splits(EMU_EOD_LATE, split_quit, 0);
	check_splits(EMU_EOD_LATE, split_close, 0);
	check_splits(EMU_EOD_LATE, split_wait, 2);
	check_splits(EMU_EOD_SWALLOW, split_wait, 2);
	check_splits(EMU_EOD_SWALLOW, split_close, 2);
	check_splits(EMU_EOD_OFF, split_wait, 0);
}

/* The hold call itself: nothing consumed, nothing changed, and presented
 * again with nothing new (hold still on) it stays held. */
static void
test_eod_hold_call(void **state)
{
	struct emu_profile p = *emu_profile_builtin("pix-5.1");
	struct emu_actions act;
	struct emu_conn *c;
	uint8_t d[] = "DATA\r\n", b[] = "x\r\n.", e[] = "\r\n";
	uint64_t off;
	int round;

	(void)state;
	assert_int_equal(p.eod_split_bug, EMU_EOD_LATE);	/* default */
	c = emu_conn_new(&p, NULL, NULL);
	emu_conn_set_hold(c, 1);
	emu_actions_init(&act);
	emu_rewrite_segment(c, C, d, sizeof(d) - 1, &act);
	emu_rewrite_segment(c, C, b, sizeof(b) - 1, &act);
	assert_int_equal(act.hold, 0);
	off = emu_conn_offset(c, C);
	for (round = 0; round < 3; round++) {
		assert_int_equal(emu_rewrite_segment(c, C, e, 2, &act), 0);
		assert_int_equal(act.hold, 2);
		assert_int_equal(act.ncuts, 0);
		assert_int_equal(act.inject.len, 0);
		assert_false(act.drop);
		assert_memory_equal(e, "\r\n", 2);
		assert_true(emu_conn_offset(c, C) == off);
	}
	emu_conn_set_hold(c, 0);			/* client closed */
	assert_int_equal(emu_rewrite_segment(c, C, e, 2, &act), 0);
	assert_int_equal(act.hold, 0);
	assert_int_equal(act.ncuts, 0);
	assert_false(act.suppress);
	assert_memory_equal(e, "\r\n", 2);
	assert_true(emu_conn_offset(c, C) == off + 2);
	emu_actions_free(&act);
	emu_conn_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eod_cases),
		cmocka_unit_test(test_eod_splits),
		cmocka_unit_test(test_eod_hold_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
