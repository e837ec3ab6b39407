/* capdiff.c - match two captures' sessions and diff them byte by byte. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiff.h"
#include "capdiff_clock.h"
#include "escape.h"
#include "smtp_ext.h"
#include "util.h"

static const char *const what_names[CAPDIFF__COUNT] = {
	[CAPDIFF_GREETING_MASKED] = "greeting masked",
	[CAPDIFF_KEYWORD_MASKED] = "EHLO keyword masked",
	[CAPDIFF_XFILLED] = "command X-filled",
	[CAPDIFF_NOOP] = "verb turned into NOOP",
	[CAPDIFF_PIPE_REPLACED] = "'|' replaced by space",
	[CAPDIFF_CHANGED] = "bytes changed",
};

struct capdiff_cand {
	size_t	 a, b;
	int	 score;
	uint64_t adt;
};

const char *
capdiff_what_name(enum capdiff_what w)
{
	return (unsigned)w < CAPDIFF__COUNT ? what_names[w] : "?";
}

/* Start-time distance of outside a and inside b, b's clock clk ahead. */
static uint64_t
capdiff_absdt(const struct transcript *a, const struct transcript *b,
    int64_t clk)
{
	uint64_t bs = capdiff_clock_shift(b->start_us, clk);

	return a->start_us > bs ? a->start_us - bs : bs - a->start_us;
}

/*
 * Where do the extra bytes of the longer stream sit?  Same-length
 * rewrites keep everything else aligned, so try every split point k: the
 * bytes before k compared in place, the bytes after it compared shifted
 * by the difference, and keep the k with the fewest mismatches (the
 * latest on a tie: bytes missing at the end is the plainer story).  One
 * block of bytes present on one side only: a swallowed end-of-data, a
 * dropped tail.
 */
static size_t
capdiff_split(const uint8_t *lg, const uint8_t *sh, size_t nsh, size_t dlen)
{
	long long sum = 0, best = 0;
	size_t i, k = 0;

	for (i = 0; i < nsh; i++) {
		sum += (lg[i] != sh[i]) - (lg[i + dlen] != sh[i]);
		if (sum <= best) {
			best = sum;
			k = i + 1;
		}
	}
	return k;
}

/* Equal bytes of two n-byte slices: equal 32-byte blocks at once (most
 * of a twin's bytes; scoring was 78% of a two-capture run counting them
 * one by one), the rest byte by byte. */
static uint64_t
capdiff_count_eq(const uint8_t *x, const uint8_t *y, size_t n)
{
	uint64_t eq = 0;
	size_t i = 0, k;

	for (; i + 32 <= n; i += 32) {
		if (memcmp(x + i, y + i, 32) == 0) {
			eq += 32;
			continue;
		}
		for (k = i; k < i + 32; k++)
			eq += x[k] == y[k];
	}
	for (; i < n; i++)
		eq += x[i] == y[i];
	return eq;
}

/* Equal bytes of two streams, allowing one block present in only one of
 * them (placed by capdiff_split). */
static uint64_t
capdiff_equal(const uint8_t *pa, size_t la, const uint8_t *pb, size_t lb)
{
	const uint8_t *lg = la >= lb ? pa : pb, *sh = la >= lb ? pb : pa;
	size_t nsh = la < lb ? la : lb, dlen = la >= lb ? la - lb : lb - la;
	size_t k;

	k = dlen ? capdiff_split(lg, sh, nsh, dlen) : nsh;
	return capdiff_count_eq(lg, sh, k) +
	    capdiff_count_eq(lg + k + dlen, sh + k, nsh - k);
}

int
capdiff_score(const struct transcript *a, const struct transcript *b)
{
	return capdiff_score_dt(a, b, capdiff_absdt(a, b, 0));
}

int
capdiff_score_dt(const struct transcript *a, const struct transcript *b,
    uint64_t adt)
{
	uint64_t eq = 0, den = 0, lmin, lmax;
	double sim, agree = 0;
	size_t la, lb;
	const uint8_t *pa, *pb;
	int d, ndirs = 0, score;

	for (d = 0; d < 2; d++) {
		pa = transcript_bytes(a, (enum tr_dir)d, &la);
		pb = transcript_bytes(b, (enum tr_dir)d, &lb);
		la = la < CAPDIFF_SCORE_BYTES ? la : CAPDIFF_SCORE_BYTES;
		lb = lb < CAPDIFF_SCORE_BYTES ? lb : CAPDIFF_SCORE_BYTES;
		eq += capdiff_equal(pa, la, pb, lb);
		den += la > lb ? la : lb;
		lmin = a->total[d] < b->total[d] ? a->total[d] : b->total[d];
		lmax = a->total[d] > b->total[d] ? a->total[d] : b->total[d];
		if (lmax > 0) {
			agree += (double)lmin / (double)lmax;
			ndirs++;
		}
	}
	if (den == 0 || ndirs == 0)
		return 0;
	sim = (double)eq / (double)den;
	score = (int)(60.0 * sim + 40.0 * agree / ndirs + 0.5);
	/* Two seconds apart costs a point, at most twenty. */
	score -= (int)(adt / 2000000 > 20 ? 20 : adt / 2000000);
	return score < 0 ? 0 : score;
}

static int
capdiff_cand_cmp(const void *x, const void *y)
{
	const struct capdiff_cand *p = x, *q = y;

	if (p->score != q->score)
		return p->score > q->score ? -1 : 1;
	if (p->adt != q->adt)
		return p->adt < q->adt ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

/* End of the greeting (RFC 5321 4.2: lines "220-" until "220 "). */
static size_t
capdiff_greeting_end(const uint8_t *p, size_t n)
{
	size_t i = 0, ls;

	while (i < n) {
		ls = i;
		while (i < n && p[i] != '\n')
			i++;
		if (i < n)
			i++;
		if (i - ls < 4 || p[ls + 3] != '-')
			return i;
	}
	return n;
}

/* First word of a line (printable, upper-cased) into out. */
static void
capdiff_word(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; i < n && i + 1 < outsz; i++) {
		if (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' ||
		    p[i] < 0x21 || p[i] > 0x7e)
			break;
		out[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
	}
	out[i] = '\0';
}

/* "XXXXXXXA": (length-1) X then one capital (behaviour reference, ASA
 * EHLO reply keywords). */
static int
capdiff_is_masked_kw(const uint8_t *p, size_t n)
{
	size_t k = 0;

	while (k < n && p[k] != ' ' && p[k] != '\r' && p[k] != '\n')
		k++;
	return smtp_ext_is_masked((const char *)p, k, NULL);
}

static enum capdiff_what
capdiff_classify_c2s(const uint8_t *o, const uint8_t *r, size_t ls,
    size_t le, size_t first, size_t last)
{
	size_t i, body = le;
	int allx = 1, pipes = 1;

	while (body > ls && (r[body - 1] == '\n' || r[body - 1] == '\r'))
		body--;
	for (i = ls; i < body; i++)
		if (r[i] != 'X')
			allx = 0;
	if (allx && body > ls)
		return CAPDIFF_XFILLED;
	if (body - ls >= 4 && util_slice_ieq((const char *)r + ls, 4, "NOOP") &&
	    !util_slice_ieq((const char *)o + ls, 4, "NOOP"))
		return CAPDIFF_NOOP;
	for (i = first; i <= last; i++)
		if (o[i] != r[i] && !(o[i] == '|' && r[i] == ' '))
			pipes = 0;
	return pipes ? CAPDIFF_PIPE_REPLACED : CAPDIFF_CHANGED;
}

/* o and r are aligned slices; base is the offset of o in its stream. */
static void
capdiff_add_range(struct capdiff_pair *p, enum tr_dir d, const uint8_t *o,
    const uint8_t *r, size_t ls, size_t le, size_t first, size_t last,
    uint64_t base, size_t gend)
{
	struct capdiff_range *x;

	if (p->nranges == CAPDIFF_ITEMS_MAX) {
		p->dropped++;
		return;
	}
	if (p->nranges == p->cranges) {
		p->cranges = p->cranges ? p->cranges * 2 : 8;
		p->ranges = xreallocarray(p->ranges, p->cranges,
		    sizeof(*p->ranges));
	}
	x = &p->ranges[p->nranges++];
	memset(x, 0, sizeof(*x));
	x->dir = d;
	if (d == TR_S2C && base + ls < gend)
		x->what = CAPDIFF_GREETING_MASKED;
	else if (d == TR_S2C && le - ls > 4 && memcmp(r + ls, "250", 3) == 0 &&
	    (r[ls + 3] == '-' || r[ls + 3] == ' ') &&
	    capdiff_is_masked_kw(r + ls + 4, le - ls - 4)) {
		x->what = CAPDIFF_KEYWORD_MASKED;
		capdiff_word(o + ls + 4, le - ls - 4, x->original,
		    sizeof(x->original));
		/* The whole keyword, even where X matched the original. */
		first = ls + 4;
		if (last < first + strlen(x->original) - 1)
			last = first + strlen(x->original) - 1;
	} else if (d == TR_S2C)
		x->what = CAPDIFF_CHANGED;
	else {
		x->what = capdiff_classify_c2s(o, r, ls, le, first, last);
		if (x->what == CAPDIFF_XFILLED || x->what == CAPDIFF_NOOP)
			capdiff_word(o + ls, le - ls, x->original,
			    sizeof(x->original));
	}
	x->off = base + first;
	x->len = last - first + 1;
	x->before = escape_wire_str(o + first, x->len, ESCAPE_TERM,
	    CAPDIFF_SHOW_MAX);
	x->after = escape_wire_str(r + first, x->len, ESCAPE_TERM,
	    CAPDIFF_SHOW_MAX);
}

/* Segments of transcript t (side) in d over bytes [from, to). */
static void
capdiff_one_side(struct capdiff_pair *p, const struct transcript *t,
    int side, enum tr_dir d, uint64_t from, uint64_t to)
{
	const uint8_t *bytes;
	struct capdiff_seg *s;
	uint64_t off, end;
	size_t i, blen;

	bytes = transcript_bytes(t, d, &blen);
	for (i = 0; i < t->nev; i++) {
		const struct tr_event *e = &t->ev[i];

		if (e->kind != TR_EV_DATA || e->dir != d || e->len == 0 ||
		    e->off + e->len <= from || e->off >= to)
			continue;
		if (p->nsegs == CAPDIFF_ITEMS_MAX) {
			p->dropped++;
			continue;
		}
		if (p->nsegs == p->csegs) {
			p->csegs = p->csegs ? p->csegs * 2 : 8;
			p->segs = xreallocarray(p->segs, p->csegs,
			    sizeof(*p->segs));
		}
		off = e->off > from ? e->off : from;
		end = e->off + e->len < to ? e->off + e->len : to;
		s = &p->segs[p->nsegs++];
		s->dir = d;
		s->side = side;
		s->off = off;
		s->len = end - off;
		s->bytes = escape_wire_str(bytes + off, (size_t)(end - off),
		    ESCAPE_TERM, CAPDIFF_SHOW_MAX);
	}
}

/* Line by line over two aligned slices of n bytes. */
static void
capdiff_lines(struct capdiff_pair *p, enum tr_dir d, const uint8_t *o,
    const uint8_t *r, size_t n, uint64_t base, size_t gend)
{
	size_t ls, le, i, first, last;
	int diff;

	for (ls = 0; ls < n; ls = le) {
		for (le = ls; le < n && o[le] != '\n'; le++)
			;
		if (le < n)
			le++;
		diff = 0;
		first = last = ls;
		for (i = ls; i < le; i++)
			if (o[i] != r[i]) {
				if (!diff)
					first = i;
				last = i;
				diff = 1;
			}
		if (diff)
			capdiff_add_range(p, d, o, r, ls, le, first, last, base,
			    gend);
	}
}

static void
capdiff_dir(struct capdiff_pair *p, const struct transcript *ta,
    const struct transcript *tb, enum tr_dir d)
{
	const struct transcript *to = d == TR_S2C ? tb : ta;
	const struct transcript *tr = d == TR_S2C ? ta : tb;
	const uint8_t *o, *r;
	size_t lo, lr, n, k, dlen, gend;

	o = transcript_bytes(to, d, &lo);
	r = transcript_bytes(tr, d, &lr);
	n = lo < lr ? lo : lr;
	gend = d == TR_S2C ? capdiff_greeting_end(o, lo) : 0;
	if (lo == lr) {
		capdiff_lines(p, d, o, r, n, 0, gend);
		return;
	}
	dlen = lo > lr ? lo - lr : lr - lo;
	k = lo > lr ? capdiff_split(o, r, n, dlen) : capdiff_split(r, o, n,
	    dlen);
	capdiff_lines(p, d, o, r, k, 0, gend);
	if (lo > lr) {
		capdiff_one_side(p, to, to == ta ? 0 : 1, d, k, k + dlen);
		capdiff_lines(p, d, o + k + dlen, r + k, n - k, k + dlen, gend);
	} else {
		capdiff_one_side(p, tr, tr == ta ? 0 : 1, d, k, k + dlen);
		capdiff_lines(p, d, o + k, r + k + dlen, n - k, k, gend);
	}
}

/* TCP options as "kind:value" text, timestamp values left out (they
 * differ on every connection, RFC 7323 3.2). */
static void
capdiff_opts(const uint8_t *o, size_t n, char *out, size_t outsz)
{
	size_t i = 0, used = 0, k, len;

	out[0] = '\0';
	while (i < n && used < outsz) {
		if (o[i] == 0 || o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			break;
		len = o[i + 1];
		used += (size_t)snprintf(out + used, outsz - used, "%u:",
		    o[i]);
		for (k = 2; o[i] != 8 && k < len && used < outsz; k++)
			used += (size_t)snprintf(out + used, outsz - used,
			    "%02x", o[i + k]);
		if (used < outsz)
			used += (size_t)snprintf(out + used, outsz - used,
			    " ");
		i += len;
	}
}

static void
capdiff_syn(struct capdiff_pair *p, const struct tr_tcp *a,
    const struct tr_tcp *b)
{
	char oa[128], ob[128];
	size_t used = 0;
	int d;

	for (d = 0; d < 2; d++) {
		const char *dn = transcript_dir_name((enum tr_dir)d);

		p->have_isn[d] = a->have_syn[d] && b->have_syn[d];
		if (!p->have_isn[d])
			continue;
		p->isn_off[d] = b->isn[d] - a->isn[d];
		if (a->mss[d] != b->mss[d] && used < sizeof(p->syn))
			used += (size_t)snprintf(p->syn + used,
			    sizeof(p->syn) - used, "%s%s MSS %u -> %u",
			    used ? "; " : "", dn, a->mss[d], b->mss[d]);
		if ((a->have_wscale[d] != b->have_wscale[d] ||
		    a->wscale[d] != b->wscale[d]) && used < sizeof(p->syn))
			used += (size_t)snprintf(p->syn + used,
			    sizeof(p->syn) - used, "%s%s window scale changed",
			    used ? "; " : "", dn);
		if ((a->sack_ok[d] != b->sack_ok[d] ||
		    a->have_ts[d] != b->have_ts[d]) && used < sizeof(p->syn))
			used += (size_t)snprintf(p->syn + used,
			    sizeof(p->syn) - used, "%s%s SACK/timestamps "
			    "changed", used ? "; " : "", dn);
		capdiff_opts(a->opts[d], a->optlen[d], oa, sizeof(oa));
		capdiff_opts(b->opts[d], b->optlen[d], ob, sizeof(ob));
		if (strcmp(oa, ob) != 0 && used < sizeof(p->syn))
			used += (size_t)snprintf(p->syn + used,
			    sizeof(p->syn) - used, "%s%s options %.60s-> %.60s",
			    used ? "; " : "", dn, oa, ob);
	}
}

void
capdiff_sess_set(struct capdiff_sess *s, const struct transcript *t)
{
	memset(s, 0, sizeof(*s));
	util_strlcpy(s->label, t->label, sizeof(s->label));
	util_strlcpy(s->client, t->client, sizeof(s->client));
	util_strlcpy(s->server, t->server, sizeof(s->server));
	s->cport = t->cport;
	s->sport = t->sport;
	s->start_us = t->start_us;
	s->total[TR_C2S] = t->total[TR_C2S];
	s->total[TR_S2C] = t->total[TR_S2C];
}

void
capdiff_pair_make(struct capdiff_pair *p, const struct transcript *ta,
    const struct transcript *tb, int score)
{
	int s, d;

	p->score = score;
	capdiff_sess_set(&p->who[0], ta);
	capdiff_sess_set(&p->who[1], tb);
	p->dt_us = (int64_t)(tb->start_us - ta->start_us);
	for (s = 0; s < 2; s++)
		for (d = 0; d < 2; d++)
			p->len[s][d] = (s ? tb : ta)->stream[d].len;
	capdiff_dir(p, ta, tb, TR_S2C);
	capdiff_dir(p, ta, tb, TR_C2S);
	capdiff_syn(p, &ta->tcp, &tb->tcp);
}

void
capdiff_pair_clear(struct capdiff_pair *p)
{
	size_t k;

	for (k = 0; k < p->nranges; k++) {
		free(p->ranges[k].before);
		free(p->ranges[k].after);
	}
	for (k = 0; k < p->nsegs; k++)
		free(p->segs[k].bytes);
	free(p->ranges);
	free(p->segs);
	p->ranges = NULL;
	p->segs = NULL;
	p->nranges = p->nsegs = p->cranges = p->csegs = 0;
}

int
capdiff_pair_differs(const struct capdiff_pair *p)
{
	return p->nranges || p->nsegs || p->dropped;
}

static struct transcript **capdiff_sort_base;
static int64_t capdiff_sort_clock;

static int
capdiff_start_cmp(const void *x, const void *y)
{
	const struct transcript *p = capdiff_sort_base[*(const size_t *)x];
	const struct transcript *q = capdiff_sort_base[*(const size_t *)y];
	uint64_t ps = capdiff_clock_shift(p->start_us, capdiff_sort_clock);
	uint64_t qs = capdiff_clock_shift(q->start_us, capdiff_sort_clock);

	if (ps != qs)
		return ps < qs ? -1 : 1;
	return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

/* Indices of t sorted by start time less clk (ties: first-packet
 * order; the shift saturates, so it can make ties). */
static size_t *
capdiff_by_start(struct transcript **t, size_t n, int64_t clk)
{
	size_t *order = xreallocarray(NULL, n + 1, sizeof(*order));
	size_t i;

	for (i = 0; i < n; i++)
		order[i] = i;
	capdiff_sort_base = t;
	capdiff_sort_clock = clk;
	if (n > 1)
		qsort(order, n, sizeof(*order), capdiff_start_cmp);
	capdiff_sort_base = NULL;
	return order;
}

/* First position in order whose session starts at or after us. */
static size_t
capdiff_first_near(struct transcript **t, const size_t *order, size_t n,
    uint64_t us, int64_t clk)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (capdiff_clock_shift(t[order[mid]]->start_us, clk) < us)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct capdiff *
capdiff_new(struct transcript **outside, size_t nout,
    struct transcript **inside, size_t nin)
{
	return capdiff_new_clock(outside, nout, inside, nin, 0);
}

struct capdiff *
capdiff_new_clock(struct transcript **outside, size_t nout,
    struct transcript **inside, size_t nin, int64_t clk)
{
	struct capdiff *cd = xcalloc(1, sizeof(*cd));
	struct capdiff_cand *c = NULL;
	size_t i, j, k, left, right, tried, nc = 0, sc = 0, *order;
	uint64_t adt;
	int score, s;

	cd->t[0] = outside;
	cd->t[1] = inside;
	cd->n[0] = nout;
	cd->n[1] = nin;
	for (s = 0; s < 2; s++) {
		cd->pair_of[s] = xreallocarray(NULL, cd->n[s] + 1, sizeof(int));
		for (i = 0; i < cd->n[s]; i++)
			cd->pair_of[s][i] = -1;
	}
	order = capdiff_by_start(inside, nin, clk);
	for (i = 0; i < nout; i++) {
		/* Nearest in start time first, both ways from the outside
		 * session's start. */
		k = capdiff_first_near(inside, order, nin,
		    outside[i]->start_us, clk);
		left = k;
		right = k;
		for (tried = 0; tried < CAPDIFF_CANDIDATES; tried++) {
			if (right < nin && (left == 0 ||
			    capdiff_absdt(outside[i], inside[order[right]],
			    clk) <= capdiff_absdt(outside[i],
			    inside[order[left - 1]], clk)))
				j = order[right++];
			else if (left > 0)
				j = order[--left];
			else
				break;
			adt = capdiff_absdt(outside[i], inside[j], clk);
			if (adt > CAPDIFF_WINDOW_US)
				break;
			score = capdiff_score_dt(outside[i], inside[j], adt);
			if (score < CAPDIFF_SCORE_MIN)
				continue;
			if (nc == sc) {
				sc = sc ? sc * 2 : 64;
				c = xreallocarray(c, sc, sizeof(*c));
			}
			c[nc].a = i;
			c[nc].b = j;
			c[nc].score = score;
			c[nc++].adt = adt;
		}
	}
	if (nc > 0)
		qsort(c, nc, sizeof(*c), capdiff_cand_cmp);
	cd->pairs = xcalloc(nout < nin ? nout + 1 : nin + 1,
	    sizeof(*cd->pairs));
	for (i = 0; i < nc; i++) {
		if (cd->pair_of[0][c[i].a] >= 0 || cd->pair_of[1][c[i].b] >= 0)
			continue;
		cd->pair_of[0][c[i].a] = (int)cd->npairs;
		cd->pair_of[1][c[i].b] = (int)cd->npairs;
		cd->pairs[cd->npairs].a = c[i].a;
		cd->pairs[cd->npairs].b = c[i].b;
		cd->pairs[cd->npairs++].score = c[i].score;
	}
	free(c);
	free(order);
	/* Report in outside first-packet order. */
	for (i = 0; i < nout; i++)
		if (cd->pair_of[0][i] >= 0) {
			struct capdiff_pair *p = &cd->pairs[cd->pair_of[0][i]];

			capdiff_pair_make(p, outside[p->a], inside[p->b],
			    p->score);
			p->clock_us = clk;
		}
	return cd;
}

void
capdiff_free(struct capdiff *cd)
{
	size_t i;

	if (cd == NULL)
		return;
	for (i = 0; i < cd->npairs; i++)
		capdiff_pair_clear(&cd->pairs[i]);
	free(cd->pairs);
	free(cd->pair_of[0]);
	free(cd->pair_of[1]);
	free(cd);
}

int
capdiff_differs(const struct capdiff *cd)
{
	size_t i;

	if (cd->npairs != cd->n[0] || cd->npairs != cd->n[1])
		return 1;
	for (i = 0; i < cd->npairs; i++)
		if (capdiff_pair_differs(&cd->pairs[i]))
			return 1;
	return 0;
}
