/* fuzz_capdiff.c - libFuzzer harness: the two-capture session matcher. */
/*
 * The input is a small program that builds the sessions of two captures
 * (outside, inside) directly as transcripts, so the fuzzer spends its
 * time in capdiff and not in libpcap (fuzz_capture covers the way in).
 * Each op byte o: kind o & 7, direction (o >> 3) & 1, side (o >> 4) & 1,
 * argument o >> 5 (0..7):
 *   0  a new session on both sides (time moves by arg ms)
 *   1  bytes to both sides: length byte n, then n bytes
 *   2  bytes to one side only (a swallowed or an extra segment)
 *   3  bytes to both sides, the given side's copy rewritten to the same
 *      length (every byte but CR and LF replaced by a fill byte, the way
 *      the boxes mask or X-fill)
 *   4  an event on one side: FIN, RST, TLS, a gap, an anomaly
 *   5  SYN facts on one side (ISN, MSS, window scale, raw options)
 *   6  a new session on one side only
 *   7  side 0: the clock jumps by arg seconds; side 1: the inside clock
 *      moves (arg - 3) x 37 s against the outside one (a skew, kept for
 *      every later inside session and event)
 * Properties checked beyond "no crash, no leak": every pair names
 * sessions that exist, no session is in two pairs and pair_of agrees,
 * per-pair lists respect CAPDIFF_ITEMS_MAX, ranges and segments lie
 * inside the streams, scores stay in 0..100, a pair of byte-identical
 * sessions lists nothing, and the text and JSON renderers terminate.
 * The same sessions built again and fed to the streaming matcher
 * (capdiff_stream, in start order, deciding after every session) give
 * the same pairs and scores as capdiff_new whenever each side's starts
 * ascend and no cap was hit (the condition its header states).  The
 * clock offset estimate (capdiff_clock) runs over both sides; its result
 * stays within its bounds, and when it is not 0 both matchers are run
 * again with it (capdiff_new_clock, capdiff_stream_set_clock) and must
 * agree the same way, the inside starts taken on the outside clock.
 *
 * Build and run: tests/fuzz/run.sh capdiff (seeds: corpus/capdiff/).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiff.h"
#include "capdiff_clock.h"
#include "capdiff_stream.h"
#include "mg_limits.h"
#include "transcript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SESS_MAX	8

struct fuzz_side {
	struct transcript	*t[FUZZ_SESS_MAX];
	size_t			 n;
	int64_t			 skew;	/* added to this side's times */
};

struct fuzz_in {
	const uint8_t	*p, *end;
	uint64_t	 now;
};

static int
fuzz_byte(struct fuzz_in *in, uint8_t *b)
{
	if (in->p >= in->end)
		return -1;
	*b = *in->p++;
	return 0;
}

static void
fuzz_open(struct fuzz_side *s, uint64_t now)
{
	struct transcript *t;

	if (s->n >= FUZZ_SESS_MAX)
		return;
	now = (uint64_t)((int64_t)now + s->skew);
	t = transcript_new("fuzz");
	transcript_set_peers(t, "192.0.2.1", (uint16_t)(1024 + s->n),
	    "192.0.2.25", 25);
	t->start_us = t->end_us = now;
	transcript_event(t, TR_EV_CONNECT, TR_C2S, now);
	s->t[s->n++] = t;
}

static struct transcript *
fuzz_cur(struct fuzz_side *s)
{
	return s->n > 0 ? s->t[s->n - 1] : NULL;
}

static void
fuzz_data(struct fuzz_side *s, enum tr_dir dir, uint64_t now,
    const uint8_t *p, size_t n)
{
	struct transcript *t = fuzz_cur(s);

	now = (uint64_t)((int64_t)now + s->skew);
	if (t != NULL && n > 0) {
		transcript_data(t, dir, now, -1, p, n);
		t->end_us = now;
	}
}

static void
fuzz_event(struct fuzz_side *s, enum tr_dir dir, uint64_t now, int arg)
{
	struct transcript *t = fuzz_cur(s);

	if (t == NULL)
		return;
	now = (uint64_t)((int64_t)now + s->skew);
	switch (arg & 3) {
	case 0:
		transcript_event(t, TR_EV_FIN, dir, now);
		break;
	case 1:
		transcript_event(t, TR_EV_RST, dir, now);
		break;
	case 2:
		transcript_event(t, TR_EV_TLS, dir, now);
		break;
	default:
		if (arg & 4)
			transcript_anomaly(t, dir, now, "fuzz", "arg %d",
			    arg);
		else
			transcript_gap(t, dir, now, (uint64_t)arg * 1000);
		break;
	}
}

static void
fuzz_syn(struct fuzz_side *s, enum tr_dir dir, struct fuzz_in *in)
{
	struct transcript *t = fuzz_cur(s);
	uint8_t b[6];
	size_t i, n;

	for (i = 0; i < sizeof(b); i++)
		if (fuzz_byte(in, &b[i]) < 0)
			return;
	if (t == NULL)
		return;
	t->tcp.have_syn[dir] = 1;
	t->tcp.isn[dir] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	t->tcp.mss[dir] = (uint16_t)(b[4] << 4);
	t->tcp.have_wscale[dir] = b[5] & 1;
	t->tcp.wscale[dir] = b[5] >> 4;
	t->tcp.sack_ok[dir] = (b[5] >> 1) & 1;
	t->tcp.have_ts[dir] = (b[5] >> 2) & 1;
	n = (size_t)(in->end - in->p);
	if (n > sizeof(t->tcp.opts[dir]))
		n = sizeof(t->tcp.opts[dir]);
	n = n > (size_t)(b[5] & 0x0f) * 3 ? (size_t)(b[5] & 0x0f) * 3 : n;
	memcpy(t->tcp.opts[dir], in->p, n);
	t->tcp.optlen[dir] = (uint8_t)n;
	in->p += n;
}

static void
fuzz_build(struct fuzz_side side[2], const uint8_t *data, size_t size)
{
	static const uint8_t fills[8] = { 'X', '*', ' ', 'x', '0', 'N', '.',
	    0xff };
	/* Times start at 1,000 s: a skew of up to 148 s either way stays
	 * positive. */
	struct fuzz_in in = { data, data + size, 1000000000 };
	uint8_t o, n, tmp[256];
	enum tr_dir dir;
	int sd, arg;
	size_t i;

	while (fuzz_byte(&in, &o) == 0) {
		dir = (o >> 3) & 1 ? TR_S2C : TR_C2S;
		sd = (o >> 4) & 1;
		arg = o >> 5;
		in.now += 10;
		switch (o & 7) {
		case 0:
			in.now += (uint64_t)arg * 1000;
			fuzz_open(&side[0], in.now);
			fuzz_open(&side[1], in.now + (uint64_t)sd * 500);
			break;
		case 1:
		case 2:
		case 3:
			if (fuzz_byte(&in, &n) < 0)
				return;
			if ((size_t)(in.end - in.p) < n)
				n = (uint8_t)(in.end - in.p);
			if ((o & 7) == 2) {
				fuzz_data(&side[sd], dir, in.now, in.p, n);
			} else if ((o & 7) == 1) {
				fuzz_data(&side[0], dir, in.now, in.p, n);
				fuzz_data(&side[1], dir, in.now, in.p, n);
			} else {
				for (i = 0; i < n; i++)
					tmp[i] = in.p[i] == '\r' ||
					    in.p[i] == '\n' ? in.p[i] :
					    fills[arg];
				fuzz_data(&side[!sd], dir, in.now, in.p, n);
				fuzz_data(&side[sd], dir, in.now, tmp, n);
			}
			in.p += n;
			break;
		case 4:
			fuzz_event(&side[sd], dir, in.now, arg);
			break;
		case 5:
			fuzz_syn(&side[sd], dir, &in);
			break;
		case 6:
			fuzz_open(&side[sd], in.now);
			break;
		default:
			if (sd)
				side[1].skew += (int64_t)(arg - 3) * 37000000;
			else
				in.now += (uint64_t)arg * 1000000;
			break;
		}
	}
}

static int
fuzz_same(const struct transcript *a, const struct transcript *b)
{
	int d;

	for (d = 0; d < 2; d++)
		if (a->stream[d].len != b->stream[d].len ||
		    (a->stream[d].len > 0 && memcmp(a->stream[d].data,
		    b->stream[d].data, a->stream[d].len) != 0))
			return 0;
	return 1;
}

static void
fuzz_check(const struct capdiff *cd, struct fuzz_side *o,
    struct fuzz_side *i)
{
	const struct capdiff_pair *p;
	const struct transcript *ta, *tb;
	uint64_t maxlen;
	size_t k, j;
	int sc;

	for (k = 0; k < cd->npairs; k++) {
		p = &cd->pairs[k];
		if (p->a >= o->n || p->b >= i->n ||
		    cd->pair_of[0][p->a] != (int)k ||
		    cd->pair_of[1][p->b] != (int)k)
			abort();
		if (p->score < 0 || p->score > 100 ||
		    p->nranges > CAPDIFF_ITEMS_MAX ||
		    p->nsegs > CAPDIFF_ITEMS_MAX)
			abort();
		ta = o->t[p->a];
		tb = i->t[p->b];
		for (j = 0; j < p->nranges; j++) {
			maxlen = ta->stream[p->ranges[j].dir].len;
			if (tb->stream[p->ranges[j].dir].len > maxlen)
				maxlen = tb->stream[p->ranges[j].dir].len;
			if (p->ranges[j].off > maxlen ||
			    p->ranges[j].len > maxlen - p->ranges[j].off ||
			    (unsigned)p->ranges[j].what >= CAPDIFF__COUNT ||
			    capdiff_what_name(p->ranges[j].what) == NULL)
				abort();
		}
		for (j = 0; j < p->nsegs; j++) {
			const struct capdiff_seg *s = &p->segs[j];
			const struct transcript *t = s->side ? tb : ta;

			maxlen = t->stream[s->dir].len;
			if (s->off > maxlen || s->len > maxlen - s->off)
				abort();
		}
		if (fuzz_same(ta, tb) && (p->nranges != 0 || p->nsegs != 0))
			abort();
	}
	for (k = 0; k < o->n; k++)
		if (cd->pair_of[0][k] >= (int)cd->npairs)
			abort();
	for (k = 0; k < i->n; k++)
		if (cd->pair_of[1][k] >= (int)cd->npairs)
			abort();
	if (o->n > 0 && i->n > 0) {
		sc = capdiff_score(o->t[0], i->t[i->n - 1]);
		if (sc < 0 || sc > 100)
			abort();
	}
}

/* Pairs the streaming matcher called back, in call order. */
struct fuzz_got {
	size_t	 n;
	size_t	 a[FUZZ_SESS_MAX], b[FUZZ_SESS_MAX];
	int	 score[FUZZ_SESS_MAX];
};

static void
fuzz_got_pair(const struct capdiff_pair *p, void *arg)
{
	struct fuzz_got *g = arg;

	if (g->n >= FUZZ_SESS_MAX)
		abort();		/* more pairs than sessions */
	g->a[g->n] = p->a;
	g->b[g->n] = p->b;
	g->score[g->n++] = p->score;
}

static void
fuzz_got_alone(int side, const struct capdiff_sess *cs, void *arg)
{
	(void)side;
	(void)cs;
	(void)arg;
}

/* Start of side s's next session, or the end. */
static uint64_t
fuzz_bound(const struct fuzz_side *s, size_t next)
{
	return next < s->n ? s->t[next]->start_us : UINT64_MAX;
}

/* The data again through capdiff_stream, the inside clock clk ahead;
 * compared with cd's pairs (capdiff_new_clock with the same clk). */
static void
fuzz_stream(const struct capdiff *cd, size_t nout, const uint8_t *data,
    size_t size, int64_t clk)
{
	struct fuzz_side side[2];
	struct fuzz_got g;
	struct capdiff_stream *cs;
	const struct capdiff_stream_stats *st;
	size_t next[2] = { 0, 0 }, k, i, np;
	int s, ordered = 1;

	memset(side, 0, sizeof(side));
	memset(&g, 0, sizeof(g));
	fuzz_build(side, data, size);
	for (s = 0; s < 2; s++)
		for (k = 1; k < side[s].n; k++)
			if (capdiff_clock_shift(side[s].t[k]->start_us,
			    s ? clk : 0) < capdiff_clock_shift(
			    side[s].t[k - 1]->start_us, s ? clk : 0))
				ordered = 0;
	cs = capdiff_stream_new(fuzz_got_pair, fuzz_got_alone, &g);
	capdiff_stream_set_clock(cs, clk);
	while (next[0] < side[0].n || next[1] < side[1].n) {
		/* bounds on each side's own clock; the order on the
		 * outside one */
		s = capdiff_clock_shift(fuzz_bound(&side[1], next[1]), clk) <
		    fuzz_bound(&side[0], next[0]);
		capdiff_stream_add(cs, s, side[s].t[next[s]]);
		side[s].t[next[s]++] = NULL;	/* the stream owns it */
		capdiff_stream_advance(cs, fuzz_bound(&side[0], next[0]),
		    fuzz_bound(&side[1], next[1]));
	}
	capdiff_stream_advance(cs, UINT64_MAX, UINT64_MAX);
	st = capdiff_stream_stats(cs);
	if (st->held != 0 || st->pairs != g.n)
		abort();
	if (ordered && st->late == 0 && st->forced == 0) {
		if (g.n != cd->npairs)
			abort();
		/* same pairs and scores, in outside order */
		for (i = 0, np = 0; i < nout; i++) {
			if (cd->pair_of[0][i] < 0)
				continue;
			k = (size_t)cd->pair_of[0][i];
			if (g.a[np] != i || g.b[np] != cd->pairs[k].b ||
			    g.score[np] != cd->pairs[k].score)
				abort();
			np++;
		}
	}
	capdiff_stream_free(cs);
}

/* The estimate over both sides: within its bounds, rendered. */
static int64_t
fuzz_clock(struct fuzz_side side[2], FILE *null)
{
	struct capdiff_clock *cc = capdiff_clock_new();
	struct capdiff_clock_result r;
	size_t k;
	char *txt;
	int s;

	for (s = 0; s < 2; s++)
		for (k = 0; k < side[s].n; k++)
			capdiff_clock_add(cc, s, side[s].t[k]);
	capdiff_clock_estimate(cc, &r);
	capdiff_clock_free(cc);
	if (r.votes + r.others > FUZZ_SESS_MAX ||
	    (r.source == CAPDIFF_CLOCK_NONE && (r.offset_us != 0 ||
	    r.why[0] == '\0')) ||
	    (r.source == CAPDIFF_CLOCK_ESTIMATED && (r.why[0] != '\0' ||
	    r.votes < CAPDIFF_CLOCK_VOTES_MIN || r.votes * 3 <
	    (r.votes + r.others) * 2 || r.spread_us >
	    2 * CAPDIFF_CLOCK_AGREE_US || r.offset_us >
	    CAPDIFF_CLOCK_WINDOW_US || r.offset_us <
	    -CAPDIFF_CLOCK_WINDOW_US)))
		abort();
	capdiff_clock_print_text(&r, null);
	txt = capdiff_clock_json(&r);
	free(txt);
	return r.offset_us;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct fuzz_side side[2];
	struct capdiff *cd;
	int64_t clk;
	size_t k;
	int s;

	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		return 0;
	memset(side, 0, sizeof(side));
	fuzz_build(side, data, size);

	cd = capdiff_new(side[0].t, side[0].n, side[1].t, side[1].n);
	fuzz_check(cd, &side[0], &side[1]);
	fuzz_stream(cd, side[0].n, data, size, 0);
	(void)capdiff_differs(cd);
	capdiff_print_text(cd, null, "outside", "inside");
	capdiff_print_json(cd, null, "outside", "inside");
	capdiff_free(cd);

	clk = fuzz_clock(side, null);
	if (clk != 0) {
		cd = capdiff_new_clock(side[0].t, side[0].n, side[1].t,
		    side[1].n, clk);
		fuzz_check(cd, &side[0], &side[1]);
		fuzz_stream(cd, side[0].n, data, size, clk);
		for (k = 0; k < cd->npairs; k++)
			if (cd->pairs[k].clock_us != clk)
				abort();
		capdiff_print_text(cd, null, "outside", "inside");
		capdiff_free(cd);
	}

	/* A capture against itself. */
	cd = capdiff_new(side[0].t, side[0].n, side[0].t, side[0].n);
	fuzz_check(cd, &side[0], &side[0]);
	capdiff_free(cd);

	for (s = 0; s < 2; s++)
		for (k = 0; k < side[s].n; k++)
			transcript_free(side[s].t[k]);
	return 0;
}
