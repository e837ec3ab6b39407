/* capdiff_stream.c - windowed best-first pairing of two capture streams. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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
	struct capdiff_pair	*pair;		/* outside, paired */
	struct capdiff_sess	*alone;		/* unmatched */
	struct cds_edge		*ea;		/* outside: its candidates */
	size_t			 nea;
	struct cds_edge		**eb;		/* inside: edges to it */
	size_t			 neb, ceb;
};

/* Sorted by (start, idx); n NULL once decided (a tombstone, still
 * counted by cds_count until the prefix before the first live one goes). */
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
	uint64_t		 bound;
};

struct capdiff_stream {
	struct cds_side		 s[2];
	struct cds_node		**work;
	size_t			 nwork, cwork;
	capdiff_stream_pair_fn	*pf;
	capdiff_stream_alone_fn	*af;
	void			*arg;
	uint64_t		 held_cap, bytes_cap;
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
	}
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
 * Returns the number of tries put in out[]; *far is set when the walk
 * stopped at the window or the tries ran out (not at the end of what is
 * known).
 */
static size_t
cds_walk(const struct cds_side *in, uint64_t us, struct cds_node **out,
    int *far)
{
	size_t k, left, right, n = 0;
	const struct cds_ent *j;

	k = cds_bound(in, us, 1);
	left = right = k;
	*far = 0;
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
		if (cds_absdt(us, j->start) > CAPDIFF_WINDOW_US) {
			*far = 1;
			return n;
		}
		out[n++] = j->n;
	}
	*far = 1;
	return n;
}

/* Can a's candidates still change?  If not, score them and complete it. */
static int
cds_try_out(struct capdiff_stream *cs, struct cds_node *a, int force)
{
	struct cds_node *c[CAPDIFF_CANDIDATES], *b;
	const struct cds_side *in = &cs->s[1];
	struct cds_edge *e;
	size_t n, i;
	int far, score;

	n = cds_walk(in, a->start, c, &far);
	if (!force && cds_plus_window(a->start) >= in->bound) {
		/* Unknown inside sessions start at in->bound or later: all
		 * tries must be nearer than that, and no more to make. */
		if (!far || n < CAPDIFF_CANDIDATES || a->start >= in->bound)
			return 0;
		for (i = 0; i < n; i++)
			if (cds_absdt(a->start, c[i]->start) >=
			    in->bound - a->start)
				return 0;
	}
	a->complete = 1;
	a->ea = xcalloc(n ? n : 1, sizeof(*a->ea));
	for (i = 0; i < n; i++) {
		b = c[i];
		score = capdiff_score(a->t, b->t);
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

/*
 * Can an outside session not yet complete still list b?  Not when the
 * outside side is complete past b's start plus the window, nor when at
 * least CAPDIFF_CANDIDATES inside sessions start after b and no later
 * than that point (each is nearer to any such outside session than b).
 */
static int
cds_try_in(struct capdiff_stream *cs, struct cds_node *b, uint64_t fa,
    int force)
{
	const struct cds_side *in = &cs->s[1];

	if (!force && cds_plus_window(b->start) >= fa &&
	    (fa <= b->start || cds_bound(in, fa, 0) - cds_bound(in, b->start,
	    0) < CAPDIFF_CANDIDATES))
		return 0;
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

void
capdiff_stream_add(struct capdiff_stream *cs, int side,
    struct transcript *t)
{
	struct cds_side *sd = &cs->s[side ? 1 : 0];
	struct cds_node *x = xcalloc(1, sizeof(*x));
	size_t pos;

	x->side = side ? 1 : 0;
	x->t = t;
	x->start = t->start_us;
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
	if (x->start < sd->bound || pos < sd->ncomplete)
		cs->st.late++;
	if (pos < sd->ncomplete) {
		/* Before sessions already complete: decide it with them. */
		sd->ncomplete++;
		if (x->side == 0)
			(void)cds_try_out(cs, x, 1);
		else
			(void)cds_try_in(cs, x, 0, 1);
	}
}

/* Complete what can be, in start order on each side. */
static void
cds_complete(struct capdiff_stream *cs, int force)
{
	struct cds_side *o = &cs->s[0], *in = &cs->s[1];
	uint64_t fa;

	while (o->ncomplete < o->n &&
	    cds_try_out(cs, o->v[o->ncomplete].n, force))
		o->ncomplete++;
	fa = o->ncomplete < o->n && o->v[o->ncomplete].start < o->bound ?
	    o->v[o->ncomplete].start : o->bound;
	while (in->ncomplete < in->n &&
	    cds_try_in(cs, in->v[in->ncomplete].n, fa, force))
		in->ncomplete++;
}

/* Past a cap: complete the oldest undecided session of either side. */
static void
cds_force_one(struct capdiff_stream *cs)
{
	struct cds_side *o = &cs->s[0], *in = &cs->s[1];
	int s;

	if (o->ncomplete == o->n && in->ncomplete == in->n)
		return;
	s = o->ncomplete == o->n ? 1 : in->ncomplete == in->n ? 0 :
	    in->v[in->ncomplete].start < o->v[o->ncomplete].start;
	cs->st.forced++;
	if (s == 0)
		(void)cds_try_out(cs, o->v[o->ncomplete++].n, 1);
	else
		(void)cds_try_in(cs, in->v[in->ncomplete++].n, 0, 1);
}

void
capdiff_stream_advance(struct capdiff_stream *cs, uint64_t out_bound,
    uint64_t in_bound)
{
	int end = out_bound == UINT64_MAX && in_bound == UINT64_MAX;

	cs->s[0].bound = out_bound;
	cs->s[1].bound = in_bound;
	cds_complete(cs, end);
	cds_process(cs);
	while ((cs->st.held > cs->held_cap ||
	    cs->st.held_bytes > cs->bytes_cap) &&
	    (cs->s[0].ncomplete < cs->s[0].n ||
	    cs->s[1].ncomplete < cs->s[1].n)) {
		cds_force_one(cs);
		cds_process(cs);
		cds_complete(cs, 0);
		cds_process(cs);
	}
	cds_emit(cs, 0);
	cds_emit(cs, 1);
}
