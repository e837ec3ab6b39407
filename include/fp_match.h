/*
 * fp_match.h - match a fact table against every fingerprint and give a
 * verdict.
 *
 * Every fingerprint whose conditions all hold is reported (name, family,
 * generation, weight, ref and the facts it used, with their values).  The
 * verdict family is exactly one of none, pix, asa, proxy, inconclusive:
 *   - no facts at all (nothing connected, conn.connected == 0), or no
 *     fingerprint matched: inconclusive, confidence 0;
 *   - otherwise weights are summed per family; the family with the largest
 *     sum wins; a tie between two families is inconclusive;
 *   - generation: that of the heaviest matched fingerprint of the winning
 *     family (first in file order on a tie);
 *   - confidence = min(100, winner sum) * winner sum / all sums, rounded.
 *
 * Ownership: fp_match() fills caller storage (struct fp_result) that
 * fp_result_free() releases (NULL is a no-op).  Strings in a result are
 * owned by the result (its arena) except fp_used.fact, which like the
 * pointers to fingerprints points into the db, which must outlive the
 * result.  fp_match_in() puts all of them in the caller's arena a (not
 * NULL) instead, the result's staying empty; a must outlive the result
 * (one allocation less per judged session).  Nothing here prints or
 * fails.
 */
#ifndef FP_MATCH_H
#define FP_MATCH_H

#include <stddef.h>

#include "arena.h"
#include "fp_load.h"
#include "facts.h"

enum fp_family {
	FP_FAM_NONE,
	FP_FAM_PIX,
	FP_FAM_ASA,
	FP_FAM_PROXY,
	FP_FAM_INCONCLUSIVE,
	FP_FAM__COUNT
};

/* One fact a matched fingerprint used: "ehlo.code == 500 (500)". */
struct fp_used {
	const char	*fact;	/* the condition's, in the db */
	char		*text;	/* "FACT OP VALUE (actual VALUE)" */
	const struct fact *value; /* fact read, in the fact table the
				 * match judged (valid while it gains no
				 * fact), or NULL (absent) */
};

struct fp_hit {
	const struct fp_entry *fp;
	struct fp_used	*used;
	size_t		 nused;
};

struct fp_verdict {
	enum fp_family	 family;
	char		 generation[64];
	int		 confidence;	/* 0..100 */
	int		 score[FP_FAM__COUNT]; /* summed weights */
};

struct fp_result {
	struct fp_verdict verdict;
	struct fp_hit	*hits;		/* in file order */
	size_t		 nhits;
	size_t		 hroom;		/* hits room (arena_grow) */
	struct arena	 arena;		/* hits, used, texts */
};

void	fp_match(const struct fp_db *db, const struct facts *fs,
	    struct fp_result *out);
void	fp_match_in(const struct fp_db *db, const struct facts *fs,
	    struct fp_result *out, struct arena *a);
void	fp_result_free(struct fp_result *r);

/* Does one condition hold over fs? */
int	fp_match_cond(const struct fp_cond *c, const struct facts *fs);

const char	*fp_family_name(enum fp_family f);	/* "pix", ... */
/* -1 when s is not a family name (inconclusive included). */
int		 fp_family_parse(const char *s);

#endif /* FP_MATCH_H */
