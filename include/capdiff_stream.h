/*
 * capdiff_stream.h - pair the SMTP sessions of two captures (outside,
 * inside) while both are read side by side in capture time, with memory
 * bounded by the time window, not by the file.
 *
 * The caller adds each finished SMTP session of either side
 * (capdiff_stream_add) and says how far each side has been read
 * (capdiff_stream_advance_to: a lower bound on the start time of every
 * session that side will still add, except old open ones listed apart;
 * UINT64_MAX at its end).  The matcher
 * keeps only sessions that may still find a partner and commits a pair
 * once neither session can see a better candidate; the result is the
 * global best-first pairing of capdiff_new() (same candidates: the
 * CAPDIFF_CANDIDATES inside sessions nearest in start time within
 * CAPDIFF_WINDOW_US, same ranking: score, start-time distance, arrival
 * order), as long as each side's bound holds (capture time does not run
 * backwards) and no cap below is hit.
 *
 * A session is decided early ("complete") when no later session of the
 * other side can change its candidates: the other side has been read past
 * its start plus the window, or its CAPDIFF_CANDIDATES nearest sessions
 * are known and all nearer than anything still to come.  On a dense
 * capture that is a few hundred sessions behind the read position; on a
 * sparse one at most the window.  A session that waits only for an old
 * open session (or, inside, for an outside session passed over) is
 * passed over and tried again at each advance, so one long connection
 * holds back only the sessions near it.
 *
 * Output order: pairs and unmatched outside sessions in outside arrival
 * order, unmatched inside sessions in inside arrival order (callbacks).
 *
 * Caps: at most CAPDIFF_STREAM_HELD_MAX undecided sessions (both sides)
 * and CAPDIFF_STREAM_BYTES_MAX of their stream bytes; past either, the
 * oldest is decided with what is known (stats.forced counts them: the
 * pairing may then differ from the global one).  Sane captures never hit
 * them.
 *
 * Ownership: capdiff_stream_add() takes the transcript (freed once its
 * session is decided); callbacks get pointers valid during the call.
 * capdiff_stream_free(NULL) is a no-op; it drops undecided sessions
 * without calling back.  Nothing here prints or fails.
 */
#ifndef CAPDIFF_STREAM_H
#define CAPDIFF_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "capdiff.h"
#include "transcript.h"

/* Undecided sessions held at once (both sides) and their stream bytes. */
#define CAPDIFF_STREAM_HELD_MAX		65536
#define CAPDIFF_STREAM_BYTES_MAX	(1024ULL * 1024 * 1024)

typedef void capdiff_stream_pair_fn(const struct capdiff_pair *p,
    void *arg);
/* side 0 outside, 1 inside */
typedef void capdiff_stream_alone_fn(int side, const struct capdiff_sess *s,
    void *arg);

struct capdiff_stream_stats {
	uint64_t	 sessions[2];	/* added per side */
	uint64_t	 pairs, differing;
	uint64_t	 unmatched[2];
	uint64_t	 held, held_max;	/* undecided: now, at most */
	uint64_t	 held_bytes, held_bytes_max;
	uint64_t	 forced;	/* decided early by a cap */
	uint64_t	 late;		/* added starting before its bound */
};

struct capdiff_stream;

struct capdiff_stream *capdiff_stream_new(capdiff_stream_pair_fn *pf,
    capdiff_stream_alone_fn *af, void *arg);
void capdiff_stream_free(struct capdiff_stream *cs);
/* Caps other than the defaults (tests); 0 keeps a default. */
void capdiff_stream_set_caps(struct capdiff_stream *cs, uint64_t held,
    uint64_t bytes);
/* The inside clock is clock_us ahead of the outside one (capdiff_clock.h):
 * set before the first capdiff_stream_add().  Inside start times and
 * inside bounds (as the caller reads them, on the inside clock) are taken
 * less clock_us, as capdiff_new_clock() does; each pair's dt_us stays the
 * difference as captured, its clock_us says what was taken off. */
void capdiff_stream_set_clock(struct capdiff_stream *cs, int64_t clock_us);

void capdiff_stream_add(struct capdiff_stream *cs, int side,
    struct transcript *t);
/*
 * How far one side has been read: every session it will still add
 * starts at `from` or later, except sessions still open that started
 * long ago, whose starts are listed in old[] (ascending; the caller's
 * array, read during the call).  Listing them instead of lowering `from`
 * keeps one long connection from holding back every session after it.
 */
struct capdiff_stream_bound {
	uint64_t	 from;
	const uint64_t	*old;
	size_t		 nold;
};

/* Decide what can be decided and call back; both from UINT64_MAX with
 * no old[]: the end (everything decided). */
void capdiff_stream_advance_to(struct capdiff_stream *cs,
    const struct capdiff_stream_bound b[2]);
/* The same with no old sessions: out_bound and in_bound are `from`. */
void capdiff_stream_advance(struct capdiff_stream *cs, uint64_t out_bound,
    uint64_t in_bound);

const struct capdiff_stream_stats *capdiff_stream_stats(
    const struct capdiff_stream *cs);

#endif /* CAPDIFF_STREAM_H */
