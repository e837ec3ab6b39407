/* test_capdiff.c - unit tests for two-capture matching and byte diffs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capdiff.h"
#include "transcript.h"

/* One session: client lines and server lines, alternating by index. */
struct sess {
	uint64_t	 start_us;
	const char	*s2c[4];
	const char	*c2s[4];
	uint32_t	 isn[2];
	uint16_t	 mss;
};

static struct transcript *
mk(const struct sess *s, const char *label)
{
	struct transcript *t = transcript_new(label);
	uint64_t ts = s->start_us;
	int i;

	transcript_set_peers(t, "192.0.2.1", 4000, "192.0.2.25", 25);
	t->tcp.have_syn[TR_C2S] = t->tcp.have_syn[TR_S2C] = 1;
	t->tcp.isn[TR_C2S] = s->isn[0];
	t->tcp.isn[TR_S2C] = s->isn[1];
	t->tcp.mss[TR_C2S] = s->mss;
	for (i = 0; i < 4; i++) {
		if (s->s2c[i] != NULL)
			transcript_data(t, TR_S2C, ts++, -1,
			    (const uint8_t *)s->s2c[i], strlen(s->s2c[i]));
		if (s->c2s[i] != NULL)
			transcript_data(t, TR_C2S, ts++, -1,
			    (const uint8_t *)s->c2s[i], strlen(s->c2s[i]));
	}
	return t;
}

static const struct sess clean = { 1000000,
	{ "220 mx.example.net ESMTP ready\r\n",
	  "250-mx.example.net\r\n250-STARTTLS\r\n250 SIZE 1000\r\n",
	  "500 unknown\r\n", "250 ok\r\n" },
	{ "EHLO c.example.org\r\n", "XEXCH50 1 2\r\n",
	  "MAIL FROM:<a|b@example.org>\r\n", ".\r\n" },
	{ 1000, 2000 }, 1460 };

/* The same through an ASA: the server's lines as the client got them
 * (banner and keyword masked), the client's as the server got them (verb
 * X-filled, '|' replaced, end-of-data swallowed); ISN and MSS moved. */
static const struct sess asa = { 1000300,
	{ "220 **************************\r\n",
	  "250-mx.example.net\r\n250-XXXXXXXA\r\n250 SIZE 1000\r\n",
	  "500 unknown\r\n", "250 ok\r\n" },
	{ "EHLO c.example.org\r\n", "XXXXXXXXXXX\r\n",
	  "MAIL FROM:<a b@example.org>\r\n", NULL },
	{ 1000 + 77777, 2000 - 5 }, 1380 };

static const struct sess noop = { 1000300,
	{ "220 mx.example.net ESMTP ready\r\n",
	  "250-mx.example.net\r\n250-STARTTLS\r\n250 SIZE 1000\r\n",
	  "500 unknown\r\n", "250 ok\r\n" },
	{ "NOOP c.example.org\r\n", "XEXCH50 1 2\r\n",
	  "MAIL FROM:<a|b@example.org>\r\n", ".\r\n" },
	{ 1000, 2000 }, 1460 };

static const struct sess other = { 1000100,
	{ "HTTP/1.1 200 OK\r\n", NULL, NULL, NULL },
	{ "GET / HTTP/1.1\r\n", NULL, NULL, NULL },
	{ 1, 2 }, 1460 };

static const struct want_range {
	enum tr_dir		 dir;
	enum capdiff_what	 what;
	const char		*original;
} asa_want[] = {
	{ TR_S2C, CAPDIFF_GREETING_MASKED, "" },
	{ TR_S2C, CAPDIFF_KEYWORD_MASKED, "STARTTLS" },
	{ TR_C2S, CAPDIFF_XFILLED, "XEXCH50" },
	{ TR_C2S, CAPDIFF_PIPE_REPLACED, "" },
	{ TR_C2S, CAPDIFF__COUNT, NULL }
};

static void
test_asa_pair(void **state)
{
	struct transcript *a = mk(&clean, "session 1");
	struct transcript *b = mk(&clean, "session 7");
	struct sess os = asa, is = clean;
	struct transcript *o, *in;
	struct capdiff *cd;
	const struct capdiff_pair *p;
	const struct want_range *w;
	size_t k = 0;

	(void)state;
	/* Outside: the client's bytes as sent, the server's as masked.
	 * Inside: the client's bytes as rewritten, the server's as sent. */
	memcpy(os.c2s, clean.c2s, sizeof(os.c2s));
	memcpy(is.c2s, asa.c2s, sizeof(is.c2s));
	is.isn[0] = asa.isn[0];
	is.isn[1] = asa.isn[1];
	is.mss = asa.mss;
	os.isn[0] = clean.isn[0];
	os.isn[1] = clean.isn[1];
	os.mss = clean.mss;
	o = mk(&os, "session 1");
	in = mk(&is, "session 7");
	cd = capdiff_new(&o, 1, &in, 1);
	assert_int_equal(cd->npairs, 1);
	p = &cd->pairs[0];
	assert_true(p->score >= CAPDIFF_SCORE_MIN);
	for (w = asa_want; w->original != NULL; w++, k++) {
		assert_true(k < p->nranges);
		if (p->ranges[k].dir != w->dir || p->ranges[k].what != w->what)
			fail_msg("range %zu: %s %s", k,
			    transcript_dir_name(p->ranges[k].dir),
			    capdiff_what_name(p->ranges[k].what));
		assert_string_equal(p->ranges[k].original, w->original);
	}
	assert_int_equal(p->nranges, k);
	assert_int_equal(p->nsegs, 1);		/* ".\r\n" swallowed */
	assert_int_equal(p->segs[0].side, 0);
	assert_string_equal(p->segs[0].bytes, ".\\r\\n");
	assert_true(p->have_isn[TR_C2S]);
	assert_int_equal((int32_t)p->isn_off[TR_C2S], 77777);
	assert_int_equal((int32_t)p->isn_off[TR_S2C], -5);
	assert_non_null(strstr(p->syn, "C>S MSS 1460 -> 1380"));
	assert_true(capdiff_differs(cd));
	capdiff_free(cd);

	cd = capdiff_new(&a, 1, &b, 1);		/* identical */
	assert_int_equal(cd->npairs, 1);
	assert_int_equal(cd->pairs[0].nranges, 0);
	assert_int_equal(cd->pairs[0].nsegs, 0);
	assert_int_equal(cd->pairs[0].syn[0], '\0');
	assert_false(capdiff_differs(cd));
	capdiff_free(cd);
	transcript_free(a);
	transcript_free(b);
	transcript_free(o);
	transcript_free(in);
}

static void
test_noop(void **state)
{
	struct transcript *a = mk(&clean, "out");
	struct transcript *b = mk(&noop, "in");
	struct capdiff *cd = capdiff_new(&a, 1, &b, 1);

	(void)state;
	assert_int_equal(cd->npairs, 1);
	assert_int_equal(cd->pairs[0].nranges, 1);
	assert_int_equal(cd->pairs[0].ranges[0].what, CAPDIFF_NOOP);
	assert_string_equal(cd->pairs[0].ranges[0].original, "EHLO");
	capdiff_free(cd);
	transcript_free(a);
	transcript_free(b);
}

/* Two look-alike sessions pair up by time; an unrelated one stays alone. */
static void
test_matching(void **state)
{
	struct sess s1 = clean, s2 = clean, i1 = clean, i2 = clean;
	struct transcript *out[3], *in[2];
	struct capdiff *cd;
	size_t i;

	(void)state;
	s2.start_us = 20000000;
	i1.start_us = 1000400;
	i2.start_us = 20000400;
	out[0] = mk(&s2, "o-late");	/* out of time order on purpose */
	out[1] = mk(&s1, "o-early");
	out[2] = mk(&other, "o-http");
	in[0] = mk(&i1, "i-early");
	in[1] = mk(&i2, "i-late");
	cd = capdiff_new(out, 3, in, 2);
	assert_int_equal(cd->npairs, 2);
	assert_int_equal(cd->pair_of[0][0], cd->pair_of[1][1]);
	assert_int_equal(cd->pair_of[0][1], cd->pair_of[1][0]);
	assert_int_equal(cd->pair_of[0][2], -1);
	assert_true(capdiff_differs(cd));	/* one unmatched */
	assert_true(capdiff_score(out[2], in[0]) < CAPDIFF_SCORE_MIN);
	capdiff_free(cd);
	for (i = 0; i < 3; i++)
		transcript_free(out[i]);
	transcript_free(in[0]);
	transcript_free(in[1]);
	capdiff_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asa_pair),
		cmocka_unit_test(test_noop),
		cmocka_unit_test(test_matching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
