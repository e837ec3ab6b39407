/*
 * reasm.h - TCP reassembly of one direction of one connection into a
 * transcript.
 *
 * Bytes are handed to transcript_data() in sequence order, one call per
 * in-order piece, so segment boundaries survive as the sender cut them.
 * Out-of-order segments wait (copied) until the hole before them fills;
 * retransmitted bytes are dropped, first data wins (as most stacks do),
 * and an overlap whose bytes differ from what was already kept records
 * the anomaly "tcp-overlap-differs".  Missing bytes become a GAP event,
 * never invented bytes: when the pending bytes pass MG_REASM_PENDING_MAX
 * (or their number REASM_PENDING_SEGS_MAX),
 * when the peer acknowledges past the hole (the capture lost them), or at
 * reasm_flush().  Sequence numbers wrap at 2^32 (RFC 9293 3.4); every
 * comparison goes through the REASM_SEQ_* macros.
 *
 * A direction without a SYN starts at the first sequence number seen
 * (mid-stream capture).  A struct reasm owns its pending copies; the
 * transcript is the caller's.  Functions never fail: caps turn into gaps.
 */
#ifndef REASM_H
#define REASM_H

#include <stddef.h>
#include <stdint.h>

#include "transcript.h"

/* Out-of-order segments kept per direction (with MG_REASM_PENDING_MAX
 * bytes): past either cap the oldest hole is given up as a gap, so a
 * capture of many tiny reordered segments cannot make inserts slow. */
#define REASM_PENDING_SEGS_MAX	4096

#define REASM_SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define REASM_SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define REASM_SEQ_GT(a, b)	REASM_SEQ_LT(b, a)
#define REASM_SEQ_GEQ(a, b)	REASM_SEQ_LEQ(b, a)

struct reasm_seg;

struct reasm {
	int		 started;	/* next is meaningful */
	uint32_t	 next;		/* next expected sequence number */
	struct reasm_seg *pending;	/* out of order, sorted by seq */
	struct reasm_seg *pending_tail;	/* last of them (fast append) */
	size_t		 pending_bytes;
	size_t		 npending;
	int		 fin_seen;	/* a FIN arrived (maybe early) */
	uint32_t	 fin_seq;	/* sequence number the FIN occupies */
	int		 fin_done;	/* the FIN event was emitted */
	/* [run_seq, next) is stored contiguously from stream offset run_off:
	 * what overlapping retransmissions are compared against. */
	uint32_t	 run_seq;
	uint64_t	 run_off;
	/* counters */
	uint64_t	 segments;	/* data segments seen */
	uint64_t	 retrans;	/* segments wholly or partly old */
	uint64_t	 ooo;		/* segments that had to wait */
	uint64_t	 overlap_diff;	/* overlaps whose bytes differed */
	uint64_t	 gaps, gap_bytes;
};

void reasm_init(struct reasm *r);
/* Free the pending copies; r can be reinitialised or dropped. */
void reasm_clear(struct reasm *r);

/* A SYN with sequence number isn: data starts at isn + 1. */
void reasm_syn(struct reasm *r, uint32_t isn);
/*
 * One segment of this direction: n captured payload bytes at seq, of
 * wire bytes on the wire (wire > n when the snap length cut the packet:
 * the rest becomes a gap); fin when the FIN flag is set.  t may be NULL
 * (the flow is not kept): then only the sequence state advances.
 */
void reasm_data(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, uint32_t seq, const uint8_t *p, size_t n, size_t wire,
    int fin);
/* The other direction acknowledged ack: a hole below it is a gap. */
void reasm_ack(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, uint32_t ack);
/* End of the connection: deliver what waits, holes as gaps, then FIN. */
void reasm_flush(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us);

#endif /* REASM_H */
