/* capdiff_clock.c - clock offset between two captures, from content. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiff_clock.h"
#include "util.h"

#define CC_FNV_BASIS	0xcbf29ce484222325ULL
#define CC_FNV_PRIME	0x100000001b3ULL

/* One session looked at: its key and start time. */
struct cc_ent {
	uint64_t	 key, start;
};

struct capdiff_clock {
	struct cc_ent	*v[2];
	size_t		 n[2];		/* keyed, stored */
	uint64_t	 seen[2];	/* looked at (keyed or not) */
};

static uint64_t
cc_hash(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		/* Left out: what the ASA may change ('|' becomes a space,
		 * behaviour reference "pipe replaced") and line ends. */
		if (p[i] == ' ' || p[i] == '|' || p[i] == '\r' || p[i] == '\n')
			continue;
		h = (h ^ p[i]) * CC_FNV_PRIME;
	}
	return h;
}

/* Line p[0..n) (no line end) starts with word w, any case? */
static int
cc_starts(const uint8_t *p, size_t n, const char *w)
{
	size_t k = strlen(w);

	return n >= k && util_slice_ieq((const char *)p, k, w);
}

int
capdiff_clock_key(const struct transcript *t, uint64_t *key)
{
	const uint8_t *p, *line;
	size_t len, i = 0, ls, n;
	uint64_t h = CC_FNV_BASIS;
	int in_data = 0, envelope = 0;
	uint8_t tag;

	p = transcript_bytes(t, TR_C2S, &len);
	if (len > CAPDIFF_CLOCK_KEY_BYTES)
		len = CAPDIFF_CLOCK_KEY_BYTES;
	while (i < len) {
		ls = i;
		while (i < len && p[i] != '\n')
			i++;
		if (i == len)
			break;			/* incomplete last line */
		i++;
		line = p + ls;
		n = i - ls;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (in_data) {
			/* RFC 5321 4.1.1.4: a line with only "." ends it. */
			if (n == 1 && line[0] == '.') {
				in_data = 0;
				continue;
			}
			tag = 'B';
		} else if (cc_starts(line, n, "MAIL FROM:"))
			tag = 'M';
		else if (cc_starts(line, n, "RCPT TO:"))
			tag = 'R';
		else {
			/* RFC 5321 4.1.1.4: "DATA" CRLF. */
			if (n == 4 && cc_starts(line, n, "DATA"))
				in_data = 1;
			continue;
		}
		if (tag != 'B')
			envelope = 1;
		h = (h ^ tag) * CC_FNV_PRIME;
		h = cc_hash(h, tag == 'B' ? line : line + 5, tag == 'B' ? n :
		    n - 5);
	}
	*key = h;
	return envelope;
}

struct capdiff_clock *
capdiff_clock_new(void)
{
	struct capdiff_clock *cc = xcalloc(1, sizeof(*cc));
	int s;

	for (s = 0; s < 2; s++)
		cc->v[s] = xreallocarray(NULL, CAPDIFF_CLOCK_SESSIONS,
		    sizeof(*cc->v[s]));
	return cc;
}

void
capdiff_clock_free(struct capdiff_clock *cc)
{
	if (cc == NULL)
		return;
	free(cc->v[0]);
	free(cc->v[1]);
	free(cc);
}

void
capdiff_clock_add(struct capdiff_clock *cc, int side,
    const struct transcript *t)
{
	uint64_t key;

	side = side ? 1 : 0;
	if (cc->seen[side] >= CAPDIFF_CLOCK_SESSIONS)
		return;
	cc->seen[side]++;
	if (!capdiff_clock_key(t, &key))
		return;
	cc->v[side][cc->n[side]].key = key;
	cc->v[side][cc->n[side]++].start = t->start_us;
}

uint64_t
capdiff_clock_count(const struct capdiff_clock *cc, int side)
{
	return cc->seen[side ? 1 : 0];
}

static int
cc_ent_cmp(const void *x, const void *y)
{
	const struct cc_ent *p = x, *q = y;

	if (p->key != q->key)
		return p->key < q->key ? -1 : 1;
	return p->start < q->start ? -1 : p->start > q->start;
}

static int
cc_i64_cmp(const void *x, const void *y)
{
	int64_t p = *(const int64_t *)x, q = *(const int64_t *)y;

	return p < q ? -1 : p > q;
}

/* Entries of v[from..n) with the same key as v[from]. */
static size_t
cc_run(const struct cc_ent *v, size_t n, size_t from)
{
	size_t k = from;

	while (k < n && v[k].key == v[from].key)
		k++;
	return k - from;
}

/* Keys that occur once on each side: their start-time differences. */
static size_t
cc_votes(struct cc_ent *a, size_t na, struct cc_ent *b, size_t nb,
    int64_t *out)
{
	size_t i = 0, j = 0, ri, rj, n = 0;
	int64_t d;

	qsort(a, na, sizeof(*a), cc_ent_cmp);
	qsort(b, nb, sizeof(*b), cc_ent_cmp);
	while (i < na && j < nb) {
		if (a[i].key != b[j].key) {
			if (a[i].key < b[j].key)
				i += cc_run(a, na, i);
			else
				j += cc_run(b, nb, j);
			continue;
		}
		ri = cc_run(a, na, i);
		rj = cc_run(b, nb, j);
		d = (int64_t)(b[j].start - a[i].start);
		if (ri == 1 && rj == 1 && d >= -CAPDIFF_CLOCK_WINDOW_US &&
		    d <= CAPDIFF_CLOCK_WINDOW_US)
			out[n++] = d;
		i += ri;
		j += rj;
	}
	return n;
}

void
capdiff_clock_estimate(const struct capdiff_clock *cc,
    struct capdiff_clock_result *r)
{
	struct cc_ent *a, *b;
	int64_t *v, med;
	size_t n, lo, hi;

	memset(r, 0, sizeof(*r));
	r->sessions[0] = cc->seen[0];
	r->sessions[1] = cc->seen[1];
	/* Sorted copies: the estimator can still be added to. */
	a = xreallocarray(NULL, cc->n[0] + 1, sizeof(*a));
	b = xreallocarray(NULL, cc->n[1] + 1, sizeof(*b));
	memcpy(a, cc->v[0], cc->n[0] * sizeof(*a));
	memcpy(b, cc->v[1], cc->n[1] * sizeof(*b));
	v = xreallocarray(NULL, cc->n[0] + 1, sizeof(*v));
	n = cc_votes(a, cc->n[0], b, cc->n[1], v);
	free(a);
	free(b);
	qsort(v, n, sizeof(*v), cc_i64_cmp);
	med = n > 0 ? v[(n - 1) / 2] : 0;
	/* The votes within CAPDIFF_CLOCK_AGREE_US of the median. */
	for (lo = 0; lo < n && v[lo] < med - CAPDIFF_CLOCK_AGREE_US; lo++)
		;
	for (hi = lo; hi < n && v[hi] <= med + CAPDIFF_CLOCK_AGREE_US; hi++)
		;
	r->votes = hi - lo;
	r->others = n - r->votes;
	if (n == 0)
		snprintf(r->why, sizeof(r->why), "no session with the same "
		    "client commands on both sides among the first %llu and "
		    "%llu", (unsigned long long)cc->seen[0],
		    (unsigned long long)cc->seen[1]);
	else if (r->votes < CAPDIFF_CLOCK_VOTES_MIN)
		snprintf(r->why, sizeof(r->why), "%llu session%s with the "
		    "same client commands on both sides, %d needed",
		    (unsigned long long)n, n == 1 ? "" : "s",
		    CAPDIFF_CLOCK_VOTES_MIN);
	else if (r->votes * 3 < n * 2)
		snprintf(r->why, sizeof(r->why), "the %llu sessions with the "
		    "same client commands disagree: %llu within %.0f s of "
		    "their median", (unsigned long long)n,
		    (unsigned long long)r->votes,
		    (double)CAPDIFF_CLOCK_AGREE_US / 1e6);
	else {
		r->source = CAPDIFF_CLOCK_ESTIMATED;
		r->offset_us = v[lo + (hi - lo - 1) / 2];
		r->spread_us = (uint64_t)(v[hi - 1] - v[lo]);
	}
	free(v);
}

void
capdiff_clock_given(int64_t offset_us, struct capdiff_clock_result *r)
{
	memset(r, 0, sizeof(*r));
	r->source = CAPDIFF_CLOCK_GIVEN;
	r->offset_us = offset_us;
}

int
capdiff_clock_parse(const char *s, int64_t *us, char errbuf[MG_ERRBUF_SIZE])
{
	const char *p = s, *dot;
	uint64_t whole = 0, frac = 0;
	size_t nint, k;
	int neg = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	dot = strchr(p, '.');
	nint = dot != NULL ? (size_t)(dot - p) : strlen(p);
	if ((nint > 0 && util_parse_u64n(p, nint, 0,
	    CAPDIFF_CLOCK_GIVEN_MAX_S, &whole) != 0) ||
	    (nint == 0 && (dot == NULL || dot[1] == '\0')))
		goto bad;
	if (dot != NULL) {
		for (k = 1; dot[k] != '\0'; k++) {
			if (dot[k] < '0' || dot[k] > '9')
				goto bad;
			if (k <= 6)
				frac = frac * 10 + (uint64_t)(dot[k] - '0');
			else if (dot[k] != '0')
				goto bad;
		}
		if (k == 1)
			goto bad;
		for (; k <= 6; k++)
			frac *= 10;
	}
	if (whole == CAPDIFF_CLOCK_GIVEN_MAX_S && frac > 0)
		goto bad;
	*us = (int64_t)(whole * 1000000 + frac);
	if (neg)
		*us = -*us;
	return 0;
bad:
	util_errbuf(errbuf, MG_ERRBUF_SIZE, "clock offset '%.40s': want "
	    "seconds such as 3600, -37 or 0.25 (at most %llu, 6 decimals)",
	    s, (unsigned long long)CAPDIFF_CLOCK_GIVEN_MAX_S);
	return -1;
}

uint64_t
capdiff_clock_shift(uint64_t us, int64_t offset_us)
{
	uint64_t m;

	if (us == UINT64_MAX || offset_us == 0)
		return us;
	if (offset_us > 0)
		return us > (uint64_t)offset_us ? us - (uint64_t)offset_us : 0;
	m = (uint64_t)0 - (uint64_t)offset_us;
	return us < UINT64_MAX - 1 - m ? us + m : UINT64_MAX - 1;
}

static const char *const cc_source_names[] = {
	[CAPDIFF_CLOCK_NONE] = "none",
	[CAPDIFF_CLOCK_ESTIMATED] = "estimated",
	[CAPDIFF_CLOCK_GIVEN] = "given",
};

void
capdiff_clock_print_text(const struct capdiff_clock_result *r, FILE *fp)
{
	switch (r->source) {
	case CAPDIFF_CLOCK_ESTIMATED:
		fprintf(fp, "Clock offset: inside - outside %+.6f s, estimated "
		    "from %llu sessions with the same client commands (spread "
		    "%.6f s, %llu disagreeing); inside times shifted by it "
		    "before pairing\n", (double)r->offset_us / 1e6,
		    (unsigned long long)r->votes, (double)r->spread_us / 1e6,
		    (unsigned long long)r->others);
		break;
	case CAPDIFF_CLOCK_GIVEN:
		if (r->offset_us == 0)
			fprintf(fp, "Clock offset: 0, given (--clock-offset "
			    "0: not estimated)\n");
		else
			fprintf(fp, "Clock offset: inside - outside %+.6f s, "
			    "given (--clock-offset); inside times shifted by "
			    "it before pairing\n",
			    (double)r->offset_us / 1e6);
		break;
	default:
		fprintf(fp, "Clock offset: not estimated (%s); times used as "
		    "they are (--clock-offset gives it)\n", r->why);
		break;
	}
}

char *
capdiff_clock_json(const struct capdiff_clock_result *r)
{
	json_t *o;
	char *txt;

	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
	    "source", cc_source_names[r->source],
	    "offset_us", (json_int_t)r->offset_us,
	    "votes", (json_int_t)r->votes,
	    "disagreeing", (json_int_t)r->others,
	    "spread_us", (json_int_t)r->spread_us,
	    "outside_sessions_read", (json_int_t)r->sessions[0],
	    "inside_sessions_read", (json_int_t)r->sessions[1],
	    "why", r->why);
	txt = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	json_decref(o);
	return txt != NULL ? txt : xstrdup("{}");
}
