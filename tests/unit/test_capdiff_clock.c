/* test_capdiff_clock.c - clock offset estimate, and pairing with it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "capgen.h"
#include "capdiff.h"
#include "capdiff_clock.h"
#include "capdiff_stream.h"
#include "mg_limits.h"
#include "transcript.h"
#include "util.h"

#define T0	(1700000000ULL * 1000000)
#define SEC	1000000LL

static uint64_t rng;

#define rnd()	capgen_rand(&rng)

/*
 * One SMTP session as each side saw it.  inside: the server side (the
 * greeting as sent, '|' turned into a space by the ASA, the "." maybe
 * swallowed); outside: what the client saw (greeting '*'-masked).
 * sender: the MAIL FROM local part; id: the label and the Subject.
 */
static struct transcript *
mk(uint64_t start, unsigned id, const char *sender, int inside, int eod)
{
	char label[64], line[160];
	struct transcript *t;
	uint64_t tok;
	size_t k;

	snprintf(label, sizeof(label), "session %u", id);
	t = transcript_new(label);
	transcript_set_peers(t, inside ? "10.0.0.1" : "198.51.100.7",
	    (uint16_t)(1024 + id % 60000), "192.0.2.25", 25);
	util_strlcpy(line, inside ? "220 mx.example.net ESMTP Postfix\r\n" :
	    "220 ****************************\r\n", sizeof(line));
	transcript_data(t, TR_S2C, start, -1, (const uint8_t *)line,
	    strlen(line));
	snprintf(line, sizeof(line), "EHLO client.example.org\r\n"
	    "MAIL FROM:<%s@example.org>\r\nRCPT TO:<postmaster@example.net>"
	    "\r\nDATA\r\n", sender);
	if (inside)
		for (k = 0; line[k] != '\0'; k++)
			if (line[k] == '|')
				line[k] = ' ';
	transcript_data(t, TR_C2S, start + 100, -1, (const uint8_t *)line,
	    strlen(line));
	util_strlcpy(line, "250 OK\r\n250 OK\r\n250 OK\r\n354 go\r\n",
	    sizeof(line));
	transcript_data(t, TR_S2C, start + 200, -1, (const uint8_t *)line,
	    strlen(line));
	/* A Message-ID as real mail has: twins share it, others not. */
	tok = (id + 1) * 0x9e3779b97f4a7c15ULL;
	snprintf(line, sizeof(line), "Subject: test %u\r\nMessage-ID: "
	    "<%016llx.%016llx@example.org>\r\n\r\nHello.\r\n%s", id,
	    (unsigned long long)tok, (unsigned long long)(tok ^ (tok >> 29)),
	    eod ? ".\r\n" : "");
	transcript_data(t, TR_C2S, start + 300, -1, (const uint8_t *)line,
	    strlen(line));
	transcript_data(t, TR_S2C, start + 400, -1, (const uint8_t *)
	    "250 queued\r\n", strlen("250 queued\r\n"));
	return t;
}

/* ------------------------------------------------------------ parse */

static const struct pcase {
	const char	*in;
	int		 ok;
	int64_t		 us;
} pcases[] = {
	{ "0", 1, 0 },
	{ "37", 1, 37 * SEC },
	{ "-37", 1, -37 * SEC },
	{ "+0.5", 1, SEC / 2 },
	{ "-0.25", 1, -SEC / 4 },
	{ ".5", 1, SEC / 2 },
	{ "1200.000400", 1, 1200 * SEC + 400 },
	{ "-3600.0000000", 1, -3600 * SEC },
	{ "315576000", 1, 315576000LL * SEC },
	{ "0.0000001", 0, 0 },
	{ "315576000.5", 0, 0 },
	{ "315576001", 0, 0 },
	{ "", 0, 0 },
	{ "-", 0, 0 },
	{ ".", 0, 0 },
	{ "5.", 0, 0 },
	{ "1e3", 0, 0 },
	{ "+-3", 0, 0 },
	{ " 3", 0, 0 },
	{ "3s", 0, 0 },
	{ "1.2.3", 0, 0 },
	{ NULL, 0, 0 }
};

static void
test_parse(void **state)
{
	const struct pcase *c;
	char err[MG_ERRBUF_SIZE];
	int64_t us;

	(void)state;
	for (c = pcases; c->in != NULL; c++) {
		us = 12345;
		err[0] = '\0';
		if (c->ok) {
			assert_int_equal(capdiff_clock_parse(c->in, &us, err),
			    0);
			assert_true(us == c->us);
		} else {
			assert_int_equal(capdiff_clock_parse(c->in, &us, err),
			    -1);
			assert_non_null(strstr(err, "clock offset"));
		}
	}
}

static const struct shcase {
	uint64_t	 us;
	int64_t		 off;
	uint64_t	 want;
} shcases[] = {
	{ T0, 0, T0 },
	{ T0, 37 * SEC, T0 - 37 * SEC },
	{ T0, -37 * SEC, T0 + 37 * SEC },
	{ 5, 10, 0 },
	{ UINT64_MAX, 10, UINT64_MAX },
	{ UINT64_MAX, -10, UINT64_MAX },
	{ UINT64_MAX - 5, -10, UINT64_MAX - 1 },
	{ 0, 0, 0 }
};

static void
test_shift(void **state)
{
	const struct shcase *c;

	(void)state;
	for (c = shcases; c->us != 0; c++)
		assert_true(capdiff_clock_shift(c->us, c->off) == c->want);
}

/* ------------------------------------------------------------ keys */

static void
test_key(void **state)
{
	struct transcript *a, *b, *c, *d;
	uint64_t ka, kb, kc, kd;

	(void)state;
	/* '|' replaced and the "." swallowed on the inside: same key. */
	a = mk(T0, 1, "alice|ops", 0, 1);
	b = mk(T0 + 9, 1, "alice|ops", 1, 0);
	/* Another sender, or another body: another key. */
	c = mk(T0, 1, "bob", 0, 1);
	d = mk(T0, 2, "alice|ops", 0, 1);
	assert_true(capdiff_clock_key(a, &ka));
	assert_true(capdiff_clock_key(b, &kb));
	assert_true(capdiff_clock_key(c, &kc));
	assert_true(capdiff_clock_key(d, &kd));
	assert_true(ka == kb);
	assert_true(ka != kc);
	assert_true(ka != kd);
	transcript_free(a);
	transcript_free(b);
	transcript_free(c);
	transcript_free(d);
	/* No MAIL FROM, no RCPT TO: no key. */
	a = transcript_new("session 9");
	transcript_data(a, TR_C2S, T0, -1, (const uint8_t *)
	    "EHLO x\r\nQUIT\r\n", 14);
	assert_false(capdiff_clock_key(a, &ka));
	transcript_free(a);
}

/* ------------------------------------------------------------ dense */

/* A synthetic pair: n twins about gap_us apart (hundreds a second),
 * inside = outside + off + jitter, a few sessions on one side only. */
struct pair_set {
	struct transcript	**t[2];
	size_t			 n[2];
	size_t			 twins;
};

static void
set_make(struct pair_set *ps, size_t n, uint64_t gap_us, int64_t off,
    int common, uint64_t seed)
{
	uint64_t t = T0;
	char sender[32];
	size_t i;
	int s;

	rng = 88172645463325252ULL ^ (seed * 0x9e3779b97f4a7c15ULL);
	memset(ps, 0, sizeof(*ps));
	for (s = 0; s < 2; s++)
		ps->t[s] = calloc(n + 1, sizeof(*ps->t[s]));
	for (i = 0; i < n; i++) {
		t += rnd() % (2 * gap_us + 1);
		snprintf(sender, sizeof(sender), "%su%zu", i % 7 ? "" : "x|",
		    i);
		if (rnd() % 100 < 3) {		/* one side only */
			s = (int)(rnd() % 2);
			ps->t[s][ps->n[s]++] = mk(s ? (uint64_t)((int64_t)t +
			    off) : t, (unsigned)(100000 + i), sender, s, 1);
			continue;
		}
		ps->t[0][ps->n[0]++] = mk(t, (unsigned)i, sender, 0, 1);
		if (!common)	/* nothing the client sent is alike */
			sender[0] = 'z';
		ps->t[1][ps->n[1]++] = mk((uint64_t)((int64_t)t + off) +
		    rnd() % 900, (unsigned)i, sender, 1, i % 5 != 0);
		ps->twins++;
	}
}

static void
set_free(struct pair_set *ps)
{
	size_t i;
	int s;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < ps->n[s]; i++)
			transcript_free(ps->t[s][i]);
		free(ps->t[s]);
	}
}

static void
estimate(const struct pair_set *ps, struct capdiff_clock_result *r)
{
	struct capdiff_clock *cc = capdiff_clock_new();
	size_t i;
	int s;

	for (s = 0; s < 2; s++)
		for (i = 0; i < ps->n[s]; i++)
			capdiff_clock_add(cc, s, ps->t[s][i]);
	assert_true(capdiff_clock_count(cc, 0) <= CAPDIFF_CLOCK_SESSIONS);
	capdiff_clock_estimate(cc, r);
	capdiff_clock_free(cc);
}

struct got {
	size_t	 pairs, right;
};

static void
got_pair(const struct capdiff_pair *p, void *arg)
{
	struct got *g = arg;

	g->pairs++;
	g->right += strcmp(p->who[0].label, p->who[1].label) == 0;
}

/*
 * The streaming matcher as cmd_analyze_two drives it: sessions added in
 * capture-time order (the inside on its own clock, read off - clk
 * behind), bounds on each side's own clock.  Copies of the transcripts:
 * the matcher frees what it is given.
 */
static uint64_t
run_stream(const struct pair_set *ps, int64_t off, int64_t clk,
    struct got *g)
{
	struct capdiff_stream *cs;
	struct capdiff_stream_bound b[2];
	struct transcript *t;
	uint64_t held_max;
	size_t k[2] = { 0, 0 }, adds = 0;
	int s;

	memset(g, 0, sizeof(*g));
	cs = capdiff_stream_new(got_pair, NULL, g);
	capdiff_stream_set_clock(cs, clk);
	while (k[0] < ps->n[0] || k[1] < ps->n[1]) {
		s = k[0] == ps->n[0] ? 1 : k[1] == ps->n[1] ? 0 :
		    (int64_t)ps->t[1][k[1]]->start_us - off <
		    (int64_t)ps->t[0][k[0]]->start_us;
		t = transcript_new(ps->t[s][k[s]]->label);
		transcript_set_peers(t, ps->t[s][k[s]]->client,
		    ps->t[s][k[s]]->cport, ps->t[s][k[s]]->server, 25);
		{
			const struct transcript *o = ps->t[s][k[s]];
			const uint8_t *p;
			size_t len;
			int d;

			for (d = 0; d < 2; d++) {
				p = transcript_bytes(o, (enum tr_dir)d, &len);
				transcript_data(t, (enum tr_dir)d, o->start_us,
				    -1, p, len);
			}
		}
		capdiff_stream_add(cs, s, t);
		k[s]++;
		if (++adds % 16 != 0)
			continue;
		memset(b, 0, sizeof(b));
		for (s = 0; s < 2; s++)
			/* jitter: an inside start can be 900 us early */
			b[s].from = k[s] < ps->n[s] ? ps->t[s][k[s]]->start_us -
			    (s ? 1000 : 0) : UINT64_MAX;
		capdiff_stream_advance_to(cs, b);
	}
	capdiff_stream_advance(cs, UINT64_MAX, UINT64_MAX);
	held_max = capdiff_stream_stats(cs)->held_max;
	assert_int_equal(capdiff_stream_stats(cs)->forced, 0);
	capdiff_stream_free(cs);
	return held_max;
}

static void
run_global(const struct pair_set *ps, int64_t clk, struct got *g)
{
	struct capdiff *cd;
	size_t i;

	memset(g, 0, sizeof(*g));
	cd = capdiff_new_clock(ps->t[0], ps->n[0], ps->t[1], ps->n[1], clk);
	for (i = 0; i < cd->npairs; i++)
		got_pair(&cd->pairs[i], g);
	capdiff_free(cd);
}

static const struct dcase {
	const char	*name;
	int64_t		 off;
} dcases[] = {
	{ "0", 0 },
	{ "+0.5 s", SEC / 2 },
	{ "-0.5 s", -SEC / 2 },
	{ "+37 s", 37 * SEC },
	{ "-37 s", -37 * SEC },
	{ "+20 min", 1200 * SEC },
	{ "-20 min", -1200 * SEC },
	{ NULL, 0 }
};

static void
test_dense(void **state)
{
	const struct dcase *c;
	struct capdiff_clock_result r;
	struct pair_set ps;
	struct got gs, gg, g0;
	uint64_t held;

	(void)state;
	for (c = dcases; c->name != NULL; c++) {
		/* 1,500 sessions, 2.5 ms apart on average: 400 a second. */
		set_make(&ps, 1500, 2500, c->off, 1, 7);
		estimate(&ps, &r);
		print_message("%s: estimated %+lld us from %llu votes "
		    "(spread %llu us, %llu others)\n", c->name,
		    (long long)r.offset_us, (unsigned long long)r.votes,
		    (unsigned long long)r.spread_us,
		    (unsigned long long)r.others);
		assert_int_equal(r.source, CAPDIFF_CLOCK_ESTIMATED);
		/* jitter 0..900 us: the median is within it */
		assert_true(r.offset_us >= c->off &&
		    r.offset_us <= c->off + 900);
		/* the first CAPDIFF_CLOCK_SESSIONS a side, 3% one-sided */
		assert_true(r.votes >= CAPDIFF_CLOCK_SESSIONS * 9 / 10);
		assert_true(r.spread_us < 900);
		assert_int_equal(r.why[0], '\0');
		/* With it every twin pairs, streaming and global alike. */
		held = run_stream(&ps, c->off, r.offset_us, &gs);
		run_global(&ps, r.offset_us, &gg);
		/* (sessions seen on one side only may pair with a
		 * look-alike: the same pairs either way) */
		assert_int_equal(gs.right, ps.twins);
		assert_int_equal(gg.right, ps.twins);
		assert_int_equal(gs.pairs, gg.pairs);
		/* The window stays small: inside bounds shifted too. */
		assert_true(held < 600);
		/* Without it, past the spacing of 64 sessions (160 ms),
		 * the twins are out of reach. */
		if (c->off >= SEC / 2 || c->off <= -SEC / 2) {
			run_global(&ps, 0, &g0);
			print_message("%s: without the offset %zu of %zu "
			    "right\n", c->name, g0.right, ps.twins);
			assert_true(g0.right < ps.twins / 10);
		}
		set_free(&ps);
	}
}

/* ------------------------------------------------------------ fallback */

static void
test_no_common(void **state)
{
	struct capdiff_clock_result r;
	struct pair_set ps;
	struct got g;
	FILE *fp;
	char *txt = NULL;
	size_t len = 0;

	(void)state;
	set_make(&ps, 300, 2500, -1200 * SEC, 0, 9);
	estimate(&ps, &r);
	assert_int_equal(r.source, CAPDIFF_CLOCK_NONE);
	assert_true(r.offset_us == 0);
	assert_int_equal(r.votes, 0);
	assert_non_null(strstr(r.why, "no session with the same client"));
	fp = open_memstream(&txt, &len);
	capdiff_clock_print_text(&r, fp);
	fclose(fp);
	assert_non_null(strstr(txt, "Clock offset: not estimated (no "));
	assert_non_null(strstr(txt, "times used as they are"));
	free(txt);
	/* Falls back to the times as they are: nothing within the
	 * window, nothing paired. */
	(void)run_stream(&ps, -1200 * SEC, 0, &g);
	assert_int_equal(g.pairs, 0);
	set_free(&ps);
}

/* One made-up session (mk's arguments) handed to the estimator. */
static void
clock_add(struct capdiff_clock *cc, int side, uint64_t start, unsigned id,
    const char *sender, int inside, int eod)
{
	struct transcript *t = mk(start, id, sender, inside, eod);

	capdiff_clock_add(cc, side, t);
	transcript_free(t);
}

/* Too few votes, votes that disagree, duplicates, votes past the
 * window: NONE, and why. */
static void
test_fallbacks(void **state)
{
	struct capdiff_clock *cc;
	struct capdiff_clock_result r;
	unsigned i;

	(void)state;
	/* one session in common */
	cc = capdiff_clock_new();
	clock_add(cc, 0, T0, 1, "a", 0, 1);
	clock_add(cc, 1, T0 + 5 * SEC, 1, "a", 1, 1);
	capdiff_clock_estimate(cc, &r);
	assert_int_equal(r.source, CAPDIFF_CLOCK_NONE);
	assert_non_null(strstr(r.why, "1 session with"));
	capdiff_clock_free(cc);

	/* half at +10 s, half at -300 s: no agreement */
	cc = capdiff_clock_new();
	for (i = 0; i < 20; i++) {
		clock_add(cc, 0, T0 + i * SEC, i, "a", 0, 1);
		clock_add(cc, 1, T0 + i * SEC + (i % 2 ? 10 : -300) * SEC, i,
		    "a", 1, 1);
	}
	capdiff_clock_estimate(cc, &r);
	assert_int_equal(r.source, CAPDIFF_CLOCK_NONE);
	assert_non_null(strstr(r.why, "disagree"));
	capdiff_clock_free(cc);

	/* 3 of 4 agree: taken, one disagreeing */
	cc = capdiff_clock_new();
	for (i = 0; i < 4; i++) {
		clock_add(cc, 0, T0 + i * SEC, i, "a", 0, 1);
		clock_add(cc, 1, T0 + i * SEC + (i == 2 ? 500 : 10) * SEC + i, i,
		    "a", 1, 1);
	}
	capdiff_clock_estimate(cc, &r);
	assert_int_equal(r.source, CAPDIFF_CLOCK_ESTIMATED);
	assert_true(r.offset_us == 10 * SEC + 1);
	assert_int_equal(r.votes, 3);
	assert_int_equal(r.others, 1);
	assert_true(r.spread_us == 3);
	capdiff_clock_free(cc);

	/* the same message twice on each side: not unique, no vote; two
	 * hours apart: past the window */
	cc = capdiff_clock_new();
	for (i = 0; i < 10; i++) {
		clock_add(cc, 0, T0 + i * SEC, i % 5, "a", 0, 1);
		clock_add(cc, 1, T0 + i * SEC, i % 5, "a", 1, 1);
		clock_add(cc, 0, T0 + i * SEC, 100 + i, "a", 0, 1);
		clock_add(cc, 1, T0 + i * SEC + 7200 * SEC, 100 + i, "a", 1, 1);
	}
	capdiff_clock_estimate(cc, &r);
	assert_int_equal(r.source, CAPDIFF_CLOCK_NONE);
	assert_int_equal(r.votes + r.others, 0);
	capdiff_clock_free(cc);

	/* past CAPDIFF_CLOCK_SESSIONS a side: not looked at */
	cc = capdiff_clock_new();
	for (i = 0; i < CAPDIFF_CLOCK_SESSIONS + 10; i++) {
		clock_add(cc, 0, T0 + i * 1000, i, "a", 0, 1);
	}
	assert_int_equal(capdiff_clock_count(cc, 0), CAPDIFF_CLOCK_SESSIONS);
	assert_int_equal(capdiff_clock_count(cc, 1), 0);
	capdiff_clock_free(cc);
}

/* ------------------------------------------------------------ given */

static void
test_given(void **state)
{
	struct capdiff_clock_result r;
	struct pair_set ps;
	struct got g;
	json_t *j;
	char *txt;

	(void)state;
	/* Nothing the client sent is alike, but the offset is given: the
	 * twins pair by time and the rest of their content. */
	set_make(&ps, 600, 2500, -37 * SEC, 0, 11);
	capdiff_clock_given(-37 * SEC, &r);
	(void)run_stream(&ps, -37 * SEC, r.offset_us, &g);
	assert_int_equal(g.right, ps.twins);
	run_global(&ps, r.offset_us, &g);
	assert_int_equal(g.right, ps.twins);
	set_free(&ps);

	txt = capdiff_clock_json(&r);
	j = json_loads(txt, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "source")),
	    "given");
	assert_true(json_integer_value(json_object_get(j, "offset_us")) ==
	    -37 * SEC);
	json_decref(j);
	free(txt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_shift),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_dense),
		cmocka_unit_test(test_no_common),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_given),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
