/* fp_match.c - match facts against every fingerprint; derive a verdict. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fp_match.h"
#include "util.h"

/* Conditions of one fingerprint whose facts fit on the stack (more go
 * in the result's arena). */
#define FP_MATCH_CONDS_LOCAL	32
/* Distinct facts looked up once per match (a db reading more looks the
 * rest up per condition). */
#define FP_MATCH_FACTS_CACHE	128

/* Distinct tests whose result is kept per match. */
#define FP_MATCH_TESTS_CACHE	512

/* Facts already looked up in one fp_match(), by fp_cond.fact_idx, and
 * tests already made, by fp_cond.test_idx (0 not yet, 1 false, 2 true). */
struct fp_match_cache {
	const struct fact	*f[FP_MATCH_FACTS_CACHE];
	unsigned char		 have[FP_MATCH_FACTS_CACHE];
	unsigned char		 test[FP_MATCH_TESTS_CACHE];
};

static const char *const fp_family_names[] = {
	[FP_FAM_NONE] = "none",
	[FP_FAM_PIX] = "pix",
	[FP_FAM_ASA] = "asa",
	[FP_FAM_PROXY] = "proxy",
	[FP_FAM_INCONCLUSIVE] = "inconclusive",
};

const char *
fp_family_name(enum fp_family f)
{
	return (size_t)f < FP_FAM__COUNT ? fp_family_names[f] : "?";
}

int
fp_family_parse(const char *s)
{
	int i;

	for (i = 0; i < FP_FAM_INCONCLUSIVE; i++)
		if (strcmp(fp_family_names[i], s) == 0)
			return i;
	return -1;
}

/* Case-insensitive substring. */
static int
fp_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle), h = strlen(hay), i;
	int c0;

	if (n == 0)
		return 1;
	/* First character before the full compare (most positions fail
	 * there; measured by analyzer2: -3% instructions). */
	c0 = tolower((unsigned char)needle[0]);
	for (i = 0; i + n <= h; i++)
		if (tolower((unsigned char)hay[i]) == c0 &&
		    strncasecmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/* The comparison's answer for cmp (f's value against c's: <0, 0, >0). */
static inline int
fp_match_cmp(enum fp_op op, int cmp)
{
	switch (op) {
	case FP_OP_EQ:
		return cmp == 0;
	case FP_OP_NE:
		return cmp != 0;
	case FP_OP_GE:
		return cmp >= 0;
	case FP_OP_LE:
		return cmp <= 0;
	case FP_OP_GT:
		return cmp > 0;
	case FP_OP_LT:
		return cmp < 0;
	default:
		return 0;
	}
}

/* fp_match_test on text (f measured; not both numbers): out of line,
 * so the usual numeric test saves no registers for its calls. */
static int __attribute__((noinline))
fp_match_text(const struct fp_cond *c, const struct fact *f)
{
	if (c->op == FP_OP_CONTAINS)
		return fp_contains(f->value, c->value);
	/* Equality: the first bytes before strcmp. */
	if (c->op == FP_OP_EQ || c->op == FP_OP_NE)
		return fp_match_cmp(c->op, f->value[0] != c->value[0] ||
		    strcmp(f->value, c->value) != 0);
	return 0;	/* order on text: never */
}

/* Does c hold over fact f (NULL: never measured)? */
static inline int
fp_match_test(const struct fp_cond *c, const struct fact *f)
{
	if (c->op == FP_OP_EXISTS)
		return f != NULL;
	if (c->op == FP_OP_ABSENT)
		return f == NULL;
	if (f == NULL)
		return 0;	/* a fact never measured matches nothing */
	if (c->op != FP_OP_CONTAINS && c->is_num && f->is_num)
		return fp_match_cmp(c->op, f->num < c->num ? -1 :
		    f->num > c->num);
	return fp_match_text(c, f);
}

/* One condition with its fact looked up (*fp) by its stored hash, once
 * per match when mc is given. */
static int
fp_match_one(const struct fp_cond *c, const struct facts *fs,
    const struct fact **fp, struct fp_match_cache *mc)
{
	int v;

	if (mc != NULL && c->fact_idx < FP_MATCH_FACTS_CACHE) {
		if (!mc->have[c->fact_idx]) {
			mc->f[c->fact_idx] = facts_get_h(fs, c->fact,
			    c->fact_len, c->fact_hash);
			mc->have[c->fact_idx] = 1;
		}
		*fp = mc->f[c->fact_idx];
	} else
		*fp = facts_get_h(fs, c->fact, c->fact_len, c->fact_hash);
	if (mc != NULL && c->test_idx < FP_MATCH_TESTS_CACHE) {
		if (mc->test[c->test_idx] == 0)
			mc->test[c->test_idx] = 1 + fp_match_test(c, *fp);
		v = mc->test[c->test_idx] - 1;
	} else
		v = fp_match_test(c, *fp);
	return c->negate ? !v : v;
}

int
fp_match_cond(const struct fp_cond *c, const struct facts *fs)
{
	const struct fact *f;

	return fp_match_one(c, fs, &f, NULL);
}

/* "[unless ]FACT OP [VALUE] (actual)".  Built without printf: every hit
 * of every session needs it. */
static char *
fp_used_text(struct arena *a, const struct fp_cond *c, const struct fact *f)
{
	/* Values as plain words: baselines and goldens depend on this
	 * text (c->quoted kept for tools).  The part before the actual
	 * value is c->used_head, made at load. */
	const char *v = f != NULL ? f->value : "absent";
	size_t vl = strlen(v), hl = c->used_head_len;
	char *s = arena_alloc(a, hl + vl + 2);

	memcpy(s, c->used_head, hl);
	memcpy(s + hl, v, vl);
	s[hl + vl] = ')';
	s[hl + vl + 1] = '\0';
	return s;
}

/* A matched fingerprint; fv[i] is the fact conds[i] looked at. */
static void
fp_hit_add(struct fp_result *r, struct arena *a, const struct fp_entry *e,
    const struct fact *const *fv)
{
	struct fp_hit *h;
	const struct fp_cond *c;
	size_t i;

	if (r->nhits >= r->hroom)
		r->hits = arena_grow(a, r->hits, &r->hroom,
		    r->nhits + 1, sizeof(*r->hits));
	h = &r->hits[r->nhits++];
	h->fp = e;
	h->nused = e->nconds;
	h->used = arena_calloc(a, e->nconds, sizeof(*h->used));
	for (i = 0; i < e->nconds; i++) {
		c = &e->conds[i];
		h->used[i].fact = c->fact;
		h->used[i].value = fv[i];
		h->used[i].text = fp_used_text(a, c, fv[i]);
	}
}

/* See fp_match.h for the rule. */
static void
fp_verdict(struct fp_result *r)
{
	struct fp_verdict *v = &r->verdict;
	int best = -1, total = 0, i, top = 0, tie = 0, fam;
	const struct fp_entry *g = NULL;
	size_t k;

	for (i = 0; i < FP_FAM_INCONCLUSIVE; i++) {
		total += v->score[i];
		if (v->score[i] > top) {
			top = v->score[i];
			best = i;
			tie = 0;
		} else if (v->score[i] == top && top > 0)
			tie = 1;
	}
	if (best < 0 || tie) {
		v->family = FP_FAM_INCONCLUSIVE;
		util_strlcpy(v->generation, "inconclusive",
		    sizeof(v->generation));
		v->confidence = 0;
		return;
	}
	v->family = (enum fp_family)best;
	for (k = 0; k < r->nhits; k++) {
		fam = r->hits[k].fp->fam;
		if (fam == best && (g == NULL ||
		    r->hits[k].fp->weight > g->weight))
			g = r->hits[k].fp;
	}
	util_strlcpy(v->generation, g->generation, sizeof(v->generation));
	v->confidence = (int)(((top > 100 ? 100 : top) * (int64_t)top * 2 +
	    total) / (2 * total));
}

void
fp_match(const struct fp_db *db, const struct facts *fs,
    struct fp_result *out)
{
	fp_match_in(db, fs, out, &out->arena);	/* initialised there */
}

void
fp_match_in(const struct fp_db *db, const struct facts *fs,
    struct fp_result *out, struct arena *a)
{
	const struct fp_entry *e;
	const struct fact *fbuf[FP_MATCH_CONDS_LOCAL], **fv;
	struct fp_match_cache mc;
	size_t i, j;
	int fam;

	memset(out, 0, sizeof(*out));
	arena_init(&out->arena);
	if (facts_get_int(fs, "conn.connected", 0) == 0 || db == NULL) {
		/* Nothing reached: no fact can speak (unreachable). */
		out->verdict.family = FP_FAM_INCONCLUSIVE;
		util_strlcpy(out->verdict.generation, "unreachable",
		    sizeof(out->verdict.generation));
		return;
	}
	memset(mc.have, 0, db->nfact_idx < FP_MATCH_FACTS_CACHE ?
	    db->nfact_idx : FP_MATCH_FACTS_CACHE);
	memset(mc.test, 0, db->ntest_idx < FP_MATCH_TESTS_CACHE ?
	    db->ntest_idx : FP_MATCH_TESTS_CACHE);
	for (i = 0; i < db->nentries; i++) {
		e = &db->entries[i];
		fv = e->nconds <= FP_MATCH_CONDS_LOCAL ? fbuf :
		    arena_alloc(a, e->nconds * sizeof(*fv));
		for (j = 0; j < e->nconds; j++)
			if (!fp_match_one(&e->conds[j], fs, &fv[j], &mc))
				break;
		if (j < e->nconds)
			continue;
		fp_hit_add(out, a, e, fv);
		if ((fam = e->fam) >= 0)
			out->verdict.score[fam] += e->weight;
	}
	fp_verdict(out);
}

void
fp_result_free(struct fp_result *r)
{
	if (r == NULL)
		return;
	arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}
