/*
 * capdiff.h - match the SMTP sessions of two captures taken on each side
 * of a firewall (outside: client side; inside: server side) and report,
 * per matched session, every byte range the box changed.
 *
 * Matching cannot use addresses, ports or sequence numbers: the box may
 * NAT, and the ASA randomises initial sequence numbers in both
 * directions (behaviour reference 1.4).  It uses content and time: a
 * same-length rewriter leaves the stream lengths equal and most bytes
 * equal, so each pair gets a score (byte similarity of both directions,
 * length agreement, start-time distance) and pairs are taken greedily,
 * best first, above CAPDIFF_SCORE_MIN.
 *
 * For a matched pair, per direction: each changed line is one range
 * (offset, length, bytes before and after, escaped), named by what it
 * looks like (greeting masked, EHLO keyword masked, command X-filled,
 * verb turned into NOOP, '|' replaced, bytes changed); the original is
 * the inside bytes for S>C and the outside bytes for C>S.  Bytes present
 * on one side only (a swallowed end-of-data, a dropped connection) are
 * listed by segment.  TCP: the ISN offset per direction, and SYN option
 * changes (MSS, window scale, SACK, timestamps, raw options).
 *
 * Ownership: capdiff_new() only reads the transcripts (they must outlive
 * the struct capdiff); everything in a capdiff is owned by it;
 * capdiff_free(NULL) is a no-op.  The render functions write to a
 * caller's FILE like out_text does; nothing here exits or fails.
 */
#ifndef CAPDIFF_H
#define CAPDIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "transcript.h"

/* Lowest score (0..100) for two sessions to be called one connection. */
#define CAPDIFF_SCORE_MIN	50
/* Inside sessions scored per outside session: the nearest in start time,
 * within 120 s (bounds the work to n x CAPDIFF_CANDIDATES however many
 * sessions start together). */
#define CAPDIFF_CANDIDATES	64
/* Stream bytes compared when scoring a candidate pair. */
#define CAPDIFF_SCORE_BYTES	8192
/* Ranges and one-side segments listed per matched pair (rest counted). */
#define CAPDIFF_ITEMS_MAX	256
/* Escaped bytes shown per range. */
#define CAPDIFF_SHOW_MAX	160

enum capdiff_what {
	CAPDIFF_GREETING_MASKED,
	CAPDIFF_KEYWORD_MASKED,
	CAPDIFF_XFILLED,
	CAPDIFF_NOOP,
	CAPDIFF_PIPE_REPLACED,
	CAPDIFF_CHANGED,
	CAPDIFF__COUNT
};

struct capdiff_range {
	enum tr_dir		 dir;
	uint64_t		 off, len;
	enum capdiff_what	 what;
	char			 original[32];	/* verb or keyword, or "" */
	char			*before;	/* original bytes, escaped */
	char			*after;		/* rewritten bytes, escaped */
};

struct capdiff_seg {
	enum tr_dir		 dir;
	int			 side;		/* 0 outside only, 1 inside */
	uint64_t		 off, len;
	char			*bytes;		/* escaped */
};

struct capdiff_pair {
	size_t			 a, b;		/* outside, inside index */
	int			 score;
	int64_t			 dt_us;		/* inside start - outside */
	int			 have_isn[2];	/* per tr_dir */
	uint32_t		 isn_off[2];	/* inside - outside, mod 2^32 */
	char			 syn[256];	/* SYN option changes, or "" */
	uint64_t		 len[2][2];	/* [side][dir] stream bytes */
	struct capdiff_range	*ranges;
	size_t			 nranges;
	struct capdiff_seg	*segs;
	size_t			 nsegs;
	uint64_t		 dropped;	/* items past the cap */
};

struct capdiff {
	struct transcript	**t[2];
	size_t			 n[2];
	int			*pair_of[2];	/* pair index or -1 */
	struct capdiff_pair	*pairs;
	size_t			 npairs;
};

struct capdiff *capdiff_new(struct transcript **outside, size_t nout,
    struct transcript **inside, size_t nin);
void capdiff_free(struct capdiff *cd);

/* Score (0..100) of one candidate pair (exposed for tests). */
int capdiff_score(const struct transcript *a, const struct transcript *b);
/* Any difference at all: a changed byte, a one-side segment, an
 * unmatched session. */
int capdiff_differs(const struct capdiff *cd);
const char *capdiff_what_name(enum capdiff_what w);

void capdiff_print_text(const struct capdiff *cd, FILE *fp,
    const char *outname, const char *inname);
void capdiff_print_json(const struct capdiff *cd, FILE *fp,
    const char *outname, const char *inname);

#endif /* CAPDIFF_H */
