/*
 * capdiff_clock.h - estimate the clock offset between two captures
 * (inside minus outside) from their content, before the sessions are
 * paired by time (capdiff.h, capdiff_stream.h).
 *
 * Two capture hosts often disagree on the time (a SPAN sensor and the
 * mail server without NTP, a capture re-timestamped later).  Pairing
 * looks only at the CAPDIFF_CANDIDATES inside sessions nearest in start
 * time within CAPDIFF_WINDOW_US, so on a dense capture an offset larger
 * than the spacing of that many sessions leaves the twins out of reach.
 *
 * The estimate: each session of the first CAPDIFF_CLOCK_SESSIONS of a
 * side gets a key, a hash of what the client sent that a same-length
 * SMTP fixup does not rewrite: the MAIL FROM and RCPT TO arguments
 * (spaces and '|' left out: the ASA replaces '|' by a space) and the
 * message lines between DATA and the terminating "." (which the PIX may
 * swallow, CSCds90792).  A session whose key occurs once on each side
 * votes for the difference of the two start times, if within
 * +-CAPDIFF_CLOCK_WINDOW_US.  The estimate is the median of the votes;
 * it is taken when at least CAPDIFF_CLOCK_VOTES_MIN votes, and two
 * thirds of them, lie within CAPDIFF_CLOCK_AGREE_US of it (the spread
 * reported is the range of those).  Otherwise the result says why and
 * the offset is 0 (the times are used as they are).
 *
 * Ownership: capdiff_clock_add() only reads the transcript (it keeps a
 * key and a start time, 16 bytes a session, at most
 * CAPDIFF_CLOCK_SESSIONS a side); capdiff_clock_free(NULL) is a no-op.
 * Nothing here prints or exits; capdiff_clock_parse() writes its error
 * into the caller's errbuf.
 */
#ifndef CAPDIFF_CLOCK_H
#define CAPDIFF_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mg_limits.h"
#include "transcript.h"

/* First SMTP sessions of each side looked at for the estimate. */
#define CAPDIFF_CLOCK_SESSIONS		512
/* Their stream bytes held by a caller that buffers them (both sides):
 * past it the estimate is made with what has been read. */
#define CAPDIFF_CLOCK_BYTES		(32ULL * 1024 * 1024)
/* Client bytes of a session hashed into its key. */
#define CAPDIFF_CLOCK_KEY_BYTES		16384
/* Votes further apart than this (either way) are not counted. */
#define CAPDIFF_CLOCK_WINDOW_US		(3600LL * 1000000)
/* Votes needed, and how close to the median they must be. */
#define CAPDIFF_CLOCK_VOTES_MIN		2
#define CAPDIFF_CLOCK_AGREE_US		1000000LL
/* Largest offset accepted by hand (seconds, either way: ten years). */
#define CAPDIFF_CLOCK_GIVEN_MAX_S	315576000ULL

enum capdiff_clock_source {
	CAPDIFF_CLOCK_NONE,		/* not estimated: offset 0 */
	CAPDIFF_CLOCK_ESTIMATED,
	CAPDIFF_CLOCK_GIVEN		/* --clock-offset */
};

struct capdiff_clock_result {
	enum capdiff_clock_source source;
	int64_t		 offset_us;	/* inside - outside */
	uint64_t	 votes;		/* agreeing with the median */
	uint64_t	 others;	/* votes that did not agree */
	uint64_t	 spread_us;	/* range of the agreeing votes */
	uint64_t	 sessions[2];	/* looked at, per side */
	char		 why[160];	/* NONE: the reason; else "" */
};

struct capdiff_clock;

struct capdiff_clock *capdiff_clock_new(void);
void capdiff_clock_free(struct capdiff_clock *cc);
/* Note one session of a side (0 outside, 1 inside); past
 * CAPDIFF_CLOCK_SESSIONS on that side it is not looked at. */
void capdiff_clock_add(struct capdiff_clock *cc, int side,
    const struct transcript *t);
/* Sessions noted on a side. */
uint64_t capdiff_clock_count(const struct capdiff_clock *cc, int side);
/* The estimate from what was noted (the caller's r). */
void capdiff_clock_estimate(const struct capdiff_clock *cc,
    struct capdiff_clock_result *r);
/* A result for an offset given by hand. */
void capdiff_clock_given(int64_t offset_us, struct capdiff_clock_result *r);

/* The key of a session; 0 when it has none (no MAIL FROM / RCPT TO). */
int capdiff_clock_key(const struct transcript *t, uint64_t *key);

/* "SECONDS" as editcap -t takes it: [+-]digits[.digits], at most
 * CAPDIFF_CLOCK_GIVEN_MAX_S, microseconds kept (more digits must be 0).
 * 0 or -1 (errbuf set). */
int capdiff_clock_parse(const char *s, int64_t *us,
    char errbuf[MG_ERRBUF_SIZE]);

/* An inside time on the outside clock: us - offset, kept within
 * [0, UINT64_MAX - 1] (UINT64_MAX stays: it means "the end"). */
uint64_t capdiff_clock_shift(uint64_t us, int64_t offset_us);

/* One line of text ("Clock offset: ...\n"), or a compact JSON object
 * (malloc'd, the caller frees it). */
void capdiff_clock_print_text(const struct capdiff_clock_result *r,
    FILE *fp);
char *capdiff_clock_json(const struct capdiff_clock_result *r);

#endif /* CAPDIFF_CLOCK_H */
