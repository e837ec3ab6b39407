/* capdiff_stream.c - windowed best-first pairing of two capture streams. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "capdiff_clock.h"
#include "capdiff_stream.h"
#include "util.h"

struct cds_node;

/* A candidate pair; owned by its outside node. */
struct cds_edge {
	struct cds_node	*a, *b;
	int		 score;
	int		 dead;
	uint64_t	 adt;
};

struct cds_node {
	int			 side;
	uint64_t		 idx;		/* arrival order in its side */
	uint64_t		 start;
	uint64_t		 bytes;
	struct transcript	*t;		/* NULL once decided */
	int			 complete, decided, queued;
	int			 skipped;	/* incomplete, passed over */
	struct capdiff_pair	*pair;		/* outside, paired */
	struct capdiff_sess	*alone;		/* unmatched */
	struct cds_edge		*ea;		/* outside: its candidates */
	size_t			 nea;
	struct cds_edge		**eb;		/* inside: edges to it */
	size_t			 neb, ceb;
};

/* Sorted by (start, idx); n NULL once decided (a tombstone: still
 * counted by cds_bound() until every entry before the first live one is
 * dropped, as the rule of cds_try_in() needs). */
struct cds_ent {
	uint64_t		 start, idx;
	struct cds_node		*n;
};

struct cds_side {
	struct cds_ent		*v;
	size_t			 head, n, cap, ncomplete;
	struct cds_node		**ring;		/* by idx, until emitted */
	size_t			 rcap;
	uint64_t		 next_emit, next_idx;
	uint64_t		 bound;		/* capdiff_stream_bound.from */
	uint64_t		*old;		/* .old, copied (ascending) */
	size_t			 nold, cold;
	struct cds_node		**skip;		/* skipped, start order */
	size_t			 nskip, cskip;
};

struct capdiff_stream {
	struct cds_side		 s[2];
	struct cds_node		**work;
	size_t			 nwork, cwork;
	capdiff_stream_pair_fn	*pf;
	capdiff_stream_alone_fn	*af;
	void			*arg;
	uint64_t		*blk;		/* what may still list an
						 * inside session (ascending) */
	size_t			 nblk, cblk;
	uint64_t		 held_cap, bytes_cap;
	int64_t			 clock;		/* inside - outside */
	struct capdiff_stream_stats st;
};

static uint64_t
cds_absdt(uint64_t x, uint64_t y)
{
	return x > y ? x - y : y - x;
}

static uint64_t
cds_plus_window(uint64_t us)
{
	return us > UINT64_MAX - CAPDIFF_WINDOW_US ? UINT64_MAX :
	    us + CAPDIFF_WINDOW_US;
}

struct capdiff_stream *
capdiff_stream_new(capdiff_stream_pair_fn *pf, capdiff_stream_alone_fn *af,
    void *arg)
{
	struct capdiff_stream *cs = xcalloc(1, sizeof(*cs));

	cs->pf = pf;
	cs->af = af;
	cs->arg = arg;
	cs->held_cap = CAPDIFF_STREAM_HELD_MAX;
	cs->bytes_cap = CAPDIFF_STREAM_BYTES_MAX;
	return cs;
}

void
capdiff_stream_set_caps(struct capdiff_stream *cs, uint64_t held,
    uint64_t bytes)
{
	cs->held_cap = held ? held : CAPDIFF_STREAM_HELD_MAX;
	cs->bytes_cap = bytes ? bytes : CAPDIFF_STREAM_BYTES_MAX;
}

void
capdiff_stream_set_clock(struct capdiff_stream *cs, int64_t clock_us)
{
	cs->clock = clock_us;
}

static void
cds_node_free(struct cds_node *x)
{
	if (x->pair != NULL)
		capdiff_pair_clear(x->pair);
	free(x->pair);
	free(x->alone);
	free(x->ea);
	free(x->eb);
	transcript_free(x->t);
	free(x);
}

void
capdiff_stream_free(struct capdiff_stream *cs)
{
	uint64_t i;
	int s;

	if (cs == NULL)
		return;
	for (s = 0; s < 2; s++) {
		for (i = cs->s[s].next_emit; i < cs->s[s].next_idx; i++)
			cds_node_free(cs->s[s].ring[i % cs->s[s].rcap]);
		free(cs->s[s].ring);
		free(cs->s[s].v);
		free(cs->s[s].old);
		free(cs->s[s].skip);
	}
	free(cs->blk);
	free(cs->work);
	free(cs);
}

const struct capdiff_stream_stats *
capdiff_stream_stats(const struct capdiff_stream *cs)
{
	return &cs->st;
}

/* (start, idx) of x before (us, idx)? */
static int
cds_ent_before(const struct cds_ent *x, uint64_t us, uint64_t idx)
{
	return x->start < us || (x->start == us && x->idx < idx);
}

/* First index in [head, n) whose start is > us (or >= us with ge). */
static size_t
cds_bound(const struct cds_side *sd, uint64_t us, int ge)
{
	size_t lo = sd->head, hi = sd->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ge ? sd->v[mid].start < us : sd->v[mid].start <= us)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
cds_ring_put(struct cds_side *sd, struct cds_node *x)
{
	struct cds_node **r;
	uint64_t i;
	size_t nc;

	if (sd->next_idx - sd->next_emit == sd->rcap) {
		nc = sd->rcap ? sd->rcap * 2 : 64;
		r = xreallocarray(NULL, nc, sizeof(*r));
		for (i = sd->next_emit; i < sd->next_idx; i++)
			r[i % nc] = sd->ring[i % sd->rcap];
		free(sd->ring);
		sd->ring = r;
		sd->rcap = nc;
	}
	sd->ring[sd->next_idx % sd->rcap] = x;
	x->idx = sd->next_idx++;
}

static void
cds_push(struct capdiff_stream *cs, struct cds_node *x)
{
	if (x->queued || x->decided || !x->complete)
		return;
	if (cs->nwork == cs->cwork) {
		cs->cwork = cs->cwork ? cs->cwork * 2 : 64;
		cs->work = xreallocarray(cs->work, cs->cwork,
		    sizeof(*cs->work));
	}
	x->queued = 1;
	cs->work[cs->nwork++] = x;
}

/* x ranks before y: score, then nearer in time, then arrival order. */
static int
cds_better(const struct cds_edge *x, const struct cds_edge *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	if (x->adt != y->adt)
		return x->adt < y->adt;
	if (x->a->idx != y->a->idx)
		return x->a->idx < y->a->idx;
	return x->b->idx < y->b->idx;
}

static struct cds_edge *
cds_best(const struct cds_node *x)
{
	struct cds_edge *best = NULL, *e;
	size_t i, n = x->side == 0 ? x->nea : x->neb;

	for (i = 0; i < n; i++) {
		e = x->side == 0 ? &x->ea[i] : x->eb[i];
		if (!e->dead && (best == NULL || cds_better(e, best)))
			best = e;
	}
	return best;
}

/*
 * The walk of capdiff_new(): inside sessions in order of start-time
 * distance from a (ties: the later one first), at most
 * CAPDIFF_CANDIDATES tries, none past the window.  Decided ones are
 * skipped (they cannot be among the tries, see capdiff_stream.h).
 * Returns the number of tries put in out[].
 */
static size_t
cds_walk(const struct cds_side *in, uint64_t us, struct cds_node **out)
{
	size_t k, left, right, n = 0;
	const struct cds_ent *j;

	k = cds_bound(in, us, 1);
	left = right = k;
	while (n < CAPDIFF_CANDIDATES) {
		while (right < in->n && in->v[right].n == NULL)
			right++;
		while (left > in->head && in->v[left - 1].n == NULL)
			left--;
		if (right < in->n && (left == in->head ||
		    cds_absdt(us, in->v[right].start) <=
		    cds_absdt(us, in->v[left - 1].start)))
			j = &in->v[right++];
		else if (left > in->head)
			j = &in->v[--left];
		else
			return n;
		if (cds_absdt(us, j->start) > CAPDIFF_WINDOW_US)
			return n;
		out[n++] = j->n;
	}
	return n;
}

/* Distance from us to the nearest of v[0..n) (ascending). */
static uint64_t
cds_nearest(const uint64_t *v, size_t n, uint64_t us)
{
	size_t lo = 0, hi = n, mid;
	uint64_t d = UINT64_MAX;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] < us)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n)
		d = v[lo] - us;
	if (lo > 0 && us - v[lo - 1] < d)
		d = us - v[lo - 1];
	return d;
}

/*
 * Can a's candidates still change?  0 yes (and so may every later
 * outside session's), 2 only through an inside session still open that
 * started long ago (in->old), 1 no: scored and complete.
 */
static int
cds_try_out(struct capdiff_stream *cs, struct cds_node *a, int force)
{
	struct cds_node *c[CAPDIFF_CANDIDATES], *b;
	const struct cds_side *in = &cs->s[1];
	struct cds_edge *e;
	uint64_t reach;
	size_t n, i;
	int score;

	n = cds_walk(in, a->start, c);
	if (!force && cds_plus_window(a->start) >= in->bound) {
		/* Other unknown inside sessions start at in->bound or
		 * later: all tries must be nearer than that, and no more to
		 * make. */
		if (n < CAPDIFF_CANDIDATES || a->start >= in->bound)
			return 0;
		for (i = 0; i < n; i++)
			if (cds_absdt(a->start, c[i]->start) >=
			    in->bound - a->start)
				return 0;
	}
	/* An old open one would be tried if it is as near as the last. */
	reach = n == CAPDIFF_CANDIDATES ? cds_absdt(a->start,
	    c[n - 1]->start) : CAPDIFF_WINDOW_US;
	if (!force && cds_nearest(in->old, in->nold, a->start) <= reach)
		return 2;
	a->complete = 1;
	a->ea = xcalloc(n ? n : 1, sizeof(*a->ea));
	for (i = 0; i < n; i++) {
		b = c[i];
		score = capdiff_score_dt(a->t, b->t, cds_absdt(a->start,
		    b->start));
		if (score < CAPDIFF_SCORE_MIN)
			continue;
		e = &a->ea[a->nea++];
		e->a = a;
		e->b = b;
		e->score = score;
		e->adt = cds_absdt(a->start, b->start);
		if (b->neb == b->ceb) {
			b->ceb = b->ceb ? b->ceb * 2 : 4;
			b->eb = xreallocarray(b->eb, b->ceb, sizeof(*b->eb));
		}
		b->eb[b->neb++] = e;
	}
	cds_push(cs, a);
	return 1;
}

/* Inside sessions (decided ones too) strictly nearer to x than b. */
static size_t
cds_nearer(const struct cds_side *in, uint64_t x, uint64_t b)
{
	uint64_t d = cds_absdt(x, b);

	if (x > b)	/* (b, x + d) */
		return cds_bound(in, x > UINT64_MAX - d ? UINT64_MAX : x + d,
		    1) - cds_bound(in, b, 0);
	/* (x - d, b) */
	return cds_bound(in, b, 1) - (x >= d ? cds_bound(in, x - d, 0) :
	    in->head);
}

/* Could x (an outside session not complete, or an old open one) list
 * b?  Only if within the window and fewer than CAPDIFF_CANDIDATES
 * inside sessions are nearer to it. */
static int
cds_may_list(const struct cds_side *in, uint64_t x, uint64_t b)
{
	return cds_absdt(x, b) <= CAPDIFF_WINDOW_US &&
	    cds_nearer(in, x, b) < CAPDIFF_CANDIDATES;
}

/*
 * Can an outside session not yet complete still list b?  0 yes, through
 * the outside sessions from fa on (then also for every later inside
 * session); 2 yes, through one of cs->blk (passed-over outside sessions,
 * old open ones); 1 no: complete.  From fa on: not when fa is past b's
 * start plus the window, nor when at least CAPDIFF_CANDIDATES inside
 * sessions start after b and no later than fa (each is nearer to any
 * such outside session than b).  For cs->blk the nearest one on each
 * side of b decides (the farther, the more sessions are nearer to it).
 */
static int
cds_try_in(struct capdiff_stream *cs, struct cds_node *b, uint64_t fa,
    int force)
{
	const struct cds_side *in = &cs->s[1];
	size_t lo = 0, hi = cs->nblk, mid;

	if (!force && cds_plus_window(b->start) >= fa &&
	    (fa <= b->start || cds_bound(in, fa, 0) - cds_bound(in, b->start,
	    0) < CAPDIFF_CANDIDATES))
		return 0;
	while (!force && lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cs->blk[mid] <= b->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!force && ((lo > 0 && cds_may_list(in, cs->blk[lo - 1],
	    b->start)) || (lo < cs->nblk && cds_may_list(in, cs->blk[lo],
	    b->start))))
		return 2;
	b->complete = 1;
	cds_push(cs, b);
	return 1;
}

static size_t
cds_find(const struct cds_side *sd, const struct cds_node *x)
{
	size_t lo = sd->head, hi = sd->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cds_ent_before(&sd->v[mid], x->start, x->idx))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Decided: out of the window; its edges die; the transcript goes. */
static void
cds_decide(struct capdiff_stream *cs, struct cds_node *x)
{
	struct cds_side *sd = &cs->s[x->side];
	struct cds_edge *e;
	struct cds_node *b;
	size_t i, k;

	x->decided = 1;
	sd->v[cds_find(sd, x)].n = NULL;
	while (sd->head < sd->n && sd->v[sd->head].n == NULL &&
	    sd->head < sd->ncomplete)
		sd->head++;
	cs->st.held--;
	cs->st.held_bytes -= x->bytes;
	transcript_free(x->t);
	x->t = NULL;
	for (i = 0; x->side == 0 && i < x->nea; i++) {
		e = &x->ea[i];
		if (e->dead)
			continue;
		e->dead = 1;
		b = e->b;
		for (k = 0; k < b->neb; k++)
			if (b->eb[k] == e) {
				b->eb[k] = b->eb[--b->neb];
				break;
			}
		cds_push(cs, b);
	}
	for (i = 0; x->side == 1 && i < x->neb; i++) {
		x->eb[i]->dead = 1;
		cds_push(cs, x->eb[i]->a);
	}
	if (x->side == 1) {
		free(x->eb);
		x->eb = NULL;
		x->neb = x->ceb = 0;
	}
}

static void
cds_commit(struct capdiff_stream *cs, struct cds_edge *e)
{
	struct cds_node *a = e->a, *b = e->b;

	a->pair = xcalloc(1, sizeof(*a->pair));
	a->pair->a = (size_t)a->idx;
	a->pair->b = (size_t)b->idx;
	capdiff_pair_make(a->pair, a->t, b->t, e->score);
	a->pair->clock_us = cs->clock;
	cds_decide(cs, a);
	cds_decide(cs, b);
}

/* Commit every pair that is best for both its complete sessions. */
static void
cds_process(struct capdiff_stream *cs)
{
	struct cds_node *x, *y;
	struct cds_edge *e;

	while (cs->nwork > 0) {
		x = cs->work[--cs->nwork];
		x->queued = 0;
		if (x->decided || !x->complete)
			continue;
		if ((e = cds_best(x)) == NULL) {
			x->alone = xcalloc(1, sizeof(*x->alone));
			capdiff_sess_set(x->alone, x->t);
			cds_decide(cs, x);
			continue;
		}
		y = x->side == 0 ? e->b : e->a;
		if (y->complete && cds_best(y) == e)
			cds_commit(cs, e);
	}
}

static void
cds_emit(struct capdiff_stream *cs, int s)
{
	struct cds_side *sd = &cs->s[s];
	struct cds_node *x;

	while (sd->next_emit < sd->next_idx) {
		x = sd->ring[sd->next_emit % sd->rcap];
		if (!x->decided)
			break;
		sd->next_emit++;
		if (x->pair != NULL) {
			cs->st.pairs++;
			cs->st.differing += capdiff_pair_differs(x->pair) != 0;
			if (cs->pf != NULL)
				cs->pf(x->pair, cs->arg);
		} else if (x->alone != NULL) {
			cs->st.unmatched[s]++;
			if (cs->af != NULL)
				cs->af(s, x->alone, cs->arg);
		}
		cds_node_free(x);
	}
}

/* Pass x over (not complete yet): the list stays in start order. */
static void
cds_skip(struct cds_side *sd, struct cds_node *x)
{
	size_t k;

	if (sd->nskip == sd->cskip) {
		sd->cskip = sd->cskip ? sd->cskip * 2 : 16;
		sd->skip = xreallocarray(sd->skip, sd->cskip,
		    sizeof(*sd->skip));
	}
	x->skipped = 1;
	for (k = sd->nskip++; k > 0 && (sd->skip[k - 1]->start > x->start ||
	    (sd->skip[k - 1]->start == x->start &&
	    sd->skip[k - 1]->idx > x->idx)); k--)
		sd->skip[k] = sd->skip[k - 1];
	sd->skip[k] = x;
}

void
capdiff_stream_add(struct capdiff_stream *cs, int side,
    struct transcript *t)
{
	struct cds_side *sd = &cs->s[side ? 1 : 0];
	struct cds_node *x = xcalloc(1, sizeof(*x));
	size_t pos;

	x->side = side ? 1 : 0;
	x->t = t;
	/* Inside times on the outside clock (capdiff_stream_set_clock). */
	x->start = x->side ? capdiff_clock_shift(t->start_us, cs->clock) :
	    t->start_us;
	x->bytes = t->stream[TR_C2S].len + t->stream[TR_S2C].len;
	cds_ring_put(sd, x);
	if (sd->n == sd->cap) {
		if (sd->head > sd->cap / 2) {
			memmove(sd->v, sd->v + sd->head, (sd->n - sd->head) *
			    sizeof(*sd->v));
			sd->n -= sd->head;
			sd->ncomplete -= sd->head;
			sd->head = 0;
		} else {
			sd->cap = sd->cap ? sd->cap * 2 : 256;
			sd->v = xreallocarray(sd->v, sd->cap, sizeof(*sd->v));
		}
	}
	for (pos = sd->n; pos > sd->head &&
	    !cds_ent_before(&sd->v[pos - 1], x->start, x->idx); pos--)
		;
	memmove(sd->v + pos + 1, sd->v + pos, (sd->n - pos) * sizeof(*sd->v));
	sd->v[pos].start = x->start;
	sd->v[pos].idx = x->idx;
	sd->v[pos].n = x;
	sd->n++;
	cs->st.sessions[x->side]++;
	if (++cs->st.held > cs->st.held_max)
		cs->st.held_max = cs->st.held;
	cs->st.held_bytes += x->bytes;
	if (cs->st.held_bytes > cs->st.held_bytes_max)
		cs->st.held_bytes_max = cs->st.held_bytes;
	if (x->start < sd->bound && cds_nearest(sd->old, sd->nold,
	    x->start) != 0)
		cs->st.late++;
	if (pos < sd->ncomplete) {
		/* Among sessions already tried (an old one that has ended,
		 * or capture time ran back): tried again each time. */
		sd->ncomplete++;
		cds_skip(sd, x);
	}
}

/* Try the passed-over sessions of a side again; keep the rest. */
static void
cds_retry(struct capdiff_stream *cs, struct cds_side *sd, uint64_t fa,
    int force)
{
	struct cds_node *x;
	size_t i, k = 0;
	int r;

	for (i = 0; i < sd->nskip; i++) {
		x = sd->skip[i];
		r = x->side == 0 ? cds_try_out(cs, x, force) :
		    cds_try_in(cs, x, fa, force);
		if (r == 1)
			x->skipped = 0;
		else
			sd->skip[k++] = x;
	}
	sd->nskip = k;
}

/* What may still list an inside session: old open outside sessions and
 * the passed-over outside ones, ascending. */
static void
cds_blockers(struct capdiff_stream *cs)
{
	const struct cds_side *o = &cs->s[0];
	size_t i = 0, j = 0, need = o->nold + o->nskip;

	if (need > cs->cblk) {
		cs->cblk = need;
		cs->blk = xreallocarray(cs->blk, need, sizeof(*cs->blk));
	}
	cs->nblk = 0;
	while (i < o->nold || j < o->nskip)
		if (j == o->nskip || (i < o->nold &&
		    o->old[i] <= o->skip[j]->start))
			cs->blk[cs->nblk++] = o->old[i++];
		else
			cs->blk[cs->nblk++] = o->skip[j++]->start;
}

/*
 * Complete what can be, in start order on each side; a session that
 * waits only for an old open session of the other side (or, inside, for
 * a passed-over outside one) is passed over and tried again each time,
 * so one long connection does not hold back everything after it.
 */
static void
cds_complete(struct capdiff_stream *cs, int force)
{
	struct cds_side *o = &cs->s[0], *in = &cs->s[1];
	uint64_t fa;
	int r;

	cds_retry(cs, o, 0, force);
	while (o->ncomplete < o->n &&
	    (r = cds_try_out(cs, o->v[o->ncomplete].n, force)) != 0) {
		if (r == 2)
			cds_skip(o, o->v[o->ncomplete].n);
		o->ncomplete++;
	}
	fa = o->ncomplete < o->n && o->v[o->ncomplete].start < o->bound ?
	    o->v[o->ncomplete].start : o->bound;
	cds_blockers(cs);
	cds_retry(cs, in, fa, force);
	while (in->ncomplete < in->n &&
	    (r = cds_try_in(cs, in->v[in->ncomplete].n, fa, force)) != 0) {
		if (r == 2)
			cds_skip(in, in->v[in->ncomplete].n);
		in->ncomplete++;
	}
}

/* The oldest session of a side not complete (passed over or not). */
static struct cds_node *
cds_oldest(const struct cds_side *sd)
{
	struct cds_node *x = sd->ncomplete < sd->n ?
	    sd->v[sd->ncomplete].n : NULL;

	if (sd->nskip > 0 && (x == NULL || sd->skip[0]->start < x->start))
		x = sd->skip[0];
	return x;
}

/* Past a cap: complete the oldest undecided session of either side. */
static int
cds_force_one(struct capdiff_stream *cs)
{
	struct cds_side *o = &cs->s[0], *in = &cs->s[1];
	struct cds_node *x = cds_oldest(o), *y = cds_oldest(in);

	if (x == NULL || (y != NULL && y->start < x->start))
		x = y;
	if (x == NULL)
		return 0;
	cs->st.forced++;
	if (x->skipped) {
		struct cds_side *sd = &cs->s[x->side];
		size_t i;

		for (i = 0; sd->skip[i] != x; i++)	/* the first */
			;
		memmove(sd->skip + i, sd->skip + i + 1, (sd->nskip - i - 1) *
		    sizeof(*sd->skip));
		sd->nskip--;
		x->skipped = 0;
		if (x->side == 0)
			(void)cds_try_out(cs, x, 1);
		else
			(void)cds_try_in(cs, x, 0, 1);
		return 1;
	}
	if (x->side == 0)
		(void)cds_try_out(cs, o->v[o->ncomplete++].n, 1);
	else
		(void)cds_try_in(cs, in->v[in->ncomplete++].n, 0, 1);
	return 1;
}

static void
cds_set_bound(struct cds_side *sd, const struct capdiff_stream_bound *b,
    int64_t clk)
{
	uint64_t us;
	size_t i;

	sd->bound = capdiff_clock_shift(b->from, clk);
	if (b->nold > sd->cold) {
		sd->cold = b->nold;
		sd->old = xreallocarray(sd->old, b->nold, sizeof(*sd->old));
	}
	sd->nold = 0;
	for (i = 0; i < b->nold; i++) {	/* keep it ascending */
		us = capdiff_clock_shift(b->old[i], clk);
		if (sd->nold == 0 || us >= sd->old[sd->nold - 1])
			sd->old[sd->nold++] = us;
		else {
			size_t k = sd->nold++;

			while (k > 0 && sd->old[k - 1] > us) {
				sd->old[k] = sd->old[k - 1];
				k--;
			}
			sd->old[k] = us;
		}
	}
}

void
capdiff_stream_advance(struct capdiff_stream *cs, uint64_t out_bound,
    uint64_t in_bound)
{
	struct capdiff_stream_bound b[2];

	memset(b, 0, sizeof(b));
	b[0].from = out_bound;
	b[1].from = in_bound;
	capdiff_stream_advance_to(cs, b);
}

void
capdiff_stream_advance_to(struct capdiff_stream *cs,
    const struct capdiff_stream_bound b[2])
{
	int end = b[0].from == UINT64_MAX && b[1].from == UINT64_MAX &&
	    b[0].nold == 0 && b[1].nold == 0;

	cds_set_bound(&cs->s[0], &b[0], 0);
	cds_set_bound(&cs->s[1], &b[1], cs->clock);
	cds_complete(cs, end);
	cds_process(cs);
	while ((cs->st.held > cs->held_cap ||
	    cs->st.held_bytes > cs->bytes_cap) && cds_force_one(cs)) {
		cds_process(cs);
		cds_complete(cs, 0);
		cds_process(cs);
	}
	cds_emit(cs, 0);
	cds_emit(cs, 1);
}
