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
 * Two ways to pair: capdiff_stream.h reads both captures side by side
 * with memory bounded by the time window (what mailguard-detect uses);
 * capdiff_new() here takes every session of both files at once and pairs
 * them globally best first (the reference the streaming matcher is tested
 * against: same pairs when twins start within CAPDIFF_WINDOW_US).  Both
 * fill a capdiff_pair with capdiff_pair_make().  Both can take the inside
 * clock's offset off first (capdiff_new_clock, capdiff_stream_set_clock;
 * the estimate is capdiff_clock.h).
 *
 * Ownership: capdiff_new() only reads the transcripts (they must outlive
 * the struct capdiff); everything in a capdiff or a capdiff_pair is owned
 * by it (a pair copies what it shows of its two sessions, so it outlives
 * them); capdiff_free(NULL) is a no-op.  The render functions write to a
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
/* Candidate pairs further apart in start time are not considered. */
#define CAPDIFF_WINDOW_US	(120ULL * 1000000)
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

/* What a report shows of one session (copied: outlives the transcript). */
struct capdiff_sess {
	char			 label[64];	/* "session N" */
	char			 client[64], server[64];
	uint16_t		 cport, sport;
	uint64_t		 start_us;
	uint64_t		 total[2];	/* per tr_dir */
};

struct capdiff_pair {
	size_t			 a, b;		/* outside, inside index */
	struct capdiff_sess	 who[2];	/* outside, inside */
	int			 score;
	int64_t			 dt_us;		/* inside start - outside */
	int64_t			 clock_us;	/* clock offset taken off
						 * dt_us before pairing */
	int			 have_isn[2];	/* per tr_dir */
	uint32_t		 isn_off[2];	/* inside - outside, mod 2^32 */
	char			 syn[256];	/* SYN option changes, or "" */
	uint64_t		 len[2][2];	/* [side][dir] stream bytes */
	struct capdiff_range	*ranges;	/* grown up to ITEMS_MAX */
	size_t			 nranges, cranges;
	struct capdiff_seg	*segs;
	size_t			 nsegs, csegs;
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
/* The same with the inside clock clock_us ahead of the outside one
 * (capdiff_clock.h): inside start times are taken as start - clock_us
 * for candidates and scores; dt_us stays the difference as captured. */
struct capdiff *capdiff_new_clock(struct transcript **outside, size_t nout,
    struct transcript **inside, size_t nin, int64_t clock_us);
void capdiff_free(struct capdiff *cd);

/* Fill p (score given; a, b left as they are) from an outside and an
 * inside transcript; capdiff_pair_clear() frees what it holds. */
void capdiff_pair_make(struct capdiff_pair *p, const struct transcript *a,
    const struct transcript *b, int score);
void capdiff_pair_clear(struct capdiff_pair *p);
void capdiff_sess_set(struct capdiff_sess *s, const struct transcript *t);
/* A changed byte or a one-side segment (counted past the cap too). */
int capdiff_pair_differs(const struct capdiff_pair *p);

/* Score (0..100) of one candidate pair (exposed for tests);
 * capdiff_score_dt() with the start-time distance given (after a clock
 * offset is taken off). */
int capdiff_score(const struct transcript *a, const struct transcript *b);
int capdiff_score_dt(const struct transcript *a, const struct transcript *b,
    uint64_t adt_us);
/* Any difference at all: a changed byte, a one-side segment, an
 * unmatched session. */
int capdiff_differs(const struct capdiff *cd);
const char *capdiff_what_name(enum capdiff_what w);

/* One pair as text (a blank line, then its lines) or as one compact JSON
 * object (malloc'd string, the caller frees it); one unmatched session as
 * a text line ("  session N a:p > b:p (x C>S, y S>C bytes)"). */
void capdiff_pair_print_text(const struct capdiff_pair *p, FILE *fp);
char *capdiff_pair_json(const struct capdiff_pair *p);
void capdiff_sess_print_text(const struct capdiff_sess *s, FILE *fp);
/* A whole capdiff_new() result, as mailguard-detect prints a stream. */
void capdiff_print_text(const struct capdiff *cd, FILE *fp,
    const char *outname, const char *inname);
void capdiff_print_json(const struct capdiff *cd, FILE *fp,
    const char *outname, const char *inname);

#endif /* CAPDIFF_H */
