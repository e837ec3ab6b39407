/* reasm.c - per-direction TCP reassembly into a transcript. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mg_limits.h"
#include "reasm.h"
#include "util.h"

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t	 seq;
	uint32_t	 len;
	uint64_t	 ts_us;
	uint8_t		 data[];
};

void
reasm_init(struct reasm *r)
{
	memset(r, 0, sizeof(*r));
}

void
reasm_clear(struct reasm *r)
{
	struct reasm_seg *s, *n;

	for (s = r->pending; s != NULL; s = n) {
		n = s->next;
		free(s);
	}
	r->pending = r->pending_tail = NULL;
	r->pending_bytes = 0;
	r->npending = 0;
}

static size_t
reasm_stream_len(const struct transcript *t, enum tr_dir dir)
{
	return t != NULL ? t->stream[dir].len : 0;
}

static void
reasm_start(struct reasm *r, const struct transcript *t, enum tr_dir dir,
    uint32_t seq)
{
	r->started = 1;
	r->next = seq;
	r->run_seq = seq;
	r->run_off = reasm_stream_len(t, dir);
}

void
reasm_syn(struct reasm *r, uint32_t isn)
{
	/* A repeated SYN (retransmitted, or a SYN-ACK after data was seen)
	 * must not move the window back. */
	if (!r->started) {
		r->started = 1;
		r->next = isn + 1;
		r->run_seq = r->next;
	}
}

static void
reasm_check_fin(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us)
{
	if (r->fin_seen && !r->fin_done && r->next == r->fin_seq) {
		r->fin_done = 1;
		if (t != NULL)
			transcript_event(t, TR_EV_FIN, dir, ts_us);
	}
}

static void
reasm_gap(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, uint32_t missing)
{
	if (missing == 0)
		return;
	r->gaps++;
	r->gap_bytes += missing;
	if (t != NULL)
		transcript_gap(t, dir, ts_us, missing);
	r->next += missing;
	r->run_seq = r->next;
	r->run_off = reasm_stream_len(t, dir);
}

/* n bytes at r->next, in order. */
static void
reasm_deliver(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (t != NULL)
		transcript_data(t, dir, ts_us, (int64_t)r->next, p, n);
	r->next += (uint32_t)n;
}

/* Old bytes again: compare them with what was kept (first data wins). */
static void
reasm_compare(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, uint32_t seq, const uint8_t *p, size_t n)
{
	const uint8_t *kept;
	size_t klen, skip;
	uint64_t off;

	if (t == NULL || n == 0)
		return;
	if (REASM_SEQ_LT(seq, r->run_seq)) {
		skip = (uint32_t)(r->run_seq - seq);
		if (skip >= n)
			return;
		seq += (uint32_t)skip;
		p += skip;
		n -= skip;
	}
	off = r->run_off + (uint32_t)(seq - r->run_seq);
	kept = transcript_bytes(t, dir, &klen);
	if (off >= klen)
		return;
	if (n > klen - off)
		n = klen - (size_t)off;
	if (memcmp(kept + off, p, n) != 0) {
		r->overlap_diff++;
		transcript_anomaly(t, dir, ts_us, "tcp-overlap-differs",
		    "retransmitted bytes at seq %u (%zu bytes) differ from "
		    "the first copy; the first copy is kept", seq, n);
	}
}

static struct reasm_seg *
reasm_seg_new(uint32_t seq, const uint8_t *p, size_t n, uint64_t ts_us)
{
	struct reasm_seg *s = xmalloc(sizeof(*s) + n);

	s->next = NULL;
	s->seq = seq;
	s->len = (uint32_t)n;
	s->ts_us = ts_us;
	memcpy(s->data, p, n);
	return s;
}

/* Keep [seq, seq+n) except what is already pending (first data wins). */
static void
reasm_insert(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, uint32_t seq, const uint8_t *p, size_t n)
{
	struct reasm_seg **link = &r->pending, *s, *piece;
	size_t take, at;

	/* In-order arrival behind one hole is the common case: append. */
	if (r->pending_tail != NULL &&
	    REASM_SEQ_GEQ(seq, r->pending_tail->seq + r->pending_tail->len))
		link = &r->pending_tail->next;
	while (n > 0) {
		while (*link != NULL &&
		    REASM_SEQ_LEQ((*link)->seq + (*link)->len, seq))
			link = &(*link)->next;
		s = *link;
		if (s == NULL || REASM_SEQ_GEQ(s->seq, seq + (uint32_t)n))
			take = n;
		else if (REASM_SEQ_LT(seq, s->seq))
			take = (uint32_t)(s->seq - seq);
		else {
			/* seq inside s: compare the overlap, skip it. */
			at = (uint32_t)(seq - s->seq);
			take = s->len - at;
			if (take > n)
				take = n;
			if (memcmp(s->data + at, p, take) != 0 && t != NULL) {
				r->overlap_diff++;
				transcript_anomaly(t, dir, ts_us,
				    "tcp-overlap-differs", "out-of-order copies "
				    "at seq %u (%zu bytes) differ; the first is "
				    "kept", seq, take);
			}
			seq += (uint32_t)take;
			p += take;
			n -= take;
			continue;
		}
		piece = reasm_seg_new(seq, p, take, ts_us);
		piece->next = s;
		*link = piece;
		link = &piece->next;
		if (s == NULL)
			r->pending_tail = piece;
		r->pending_bytes += take;
		r->npending++;
		seq += (uint32_t)take;
		p += take;
		n -= take;
	}
}

/* Deliver pending segments that have become in order. */
static void
reasm_drain(struct reasm *r, struct transcript *t, enum tr_dir dir)
{
	struct reasm_seg *s;
	size_t skip;

	while ((s = r->pending) != NULL && REASM_SEQ_LEQ(s->seq, r->next)) {
		r->pending = s->next;
		if (r->pending == NULL)
			r->pending_tail = NULL;
		r->pending_bytes -= s->len;
		r->npending--;
		skip = (uint32_t)(r->next - s->seq);
		if (skip < s->len) {
			reasm_compare(r, t, dir, s->ts_us, s->seq, s->data,
			    skip);
			reasm_deliver(r, t, dir, s->ts_us, s->data + skip,
			    s->len - skip);
		} else
			reasm_compare(r, t, dir, s->ts_us, s->seq, s->data,
			    s->len);
		free(s);
	}
}

/* Give up the hole before the first pending segment. */
static void
reasm_skip_hole(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us)
{
	if (r->pending != NULL && REASM_SEQ_LT(r->next, r->pending->seq))
		reasm_gap(r, t, dir, ts_us, r->pending->seq - r->next);
	reasm_drain(r, t, dir);
}

void
reasm_data(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, uint32_t seq, const uint8_t *p, size_t n, size_t wire,
    int fin)
{
	size_t skip;
	uint32_t end;

	if (n > wire)
		n = wire;
	if (!r->started)
		reasm_start(r, t, dir, seq);
	if (fin && !r->fin_seen) {
		r->fin_seen = 1;
		r->fin_seq = seq + (uint32_t)wire;
	}
	if (wire > 0)
		r->segments++;
	end = seq + (uint32_t)wire;
	if (wire == 0 || REASM_SEQ_LEQ(end, r->next)) {
		if (wire > 0) {
			r->retrans++;
			reasm_compare(r, t, dir, ts_us, seq, p, n);
		}
		reasm_check_fin(r, t, dir, ts_us);
		return;
	}
	if (REASM_SEQ_LT(seq, r->next)) {
		r->retrans++;
		skip = (uint32_t)(r->next - seq);
		reasm_compare(r, t, dir, ts_us, seq, p, skip < n ? skip : n);
		seq = r->next;
		if (n > 0) {	/* p is NULL when nothing was captured */
			p += skip < n ? skip : n;
			n -= skip < n ? skip : n;
		}
		wire -= skip;
	}
	if (seq == r->next && r->pending == NULL) {
		reasm_deliver(r, t, dir, ts_us, p, n);
		if (wire > n)	/* cut by the snap length */
			reasm_gap(r, t, dir, ts_us, (uint32_t)(wire - n));
	} else {
		if (seq != r->next)
			r->ooo++;
		reasm_insert(r, t, dir, ts_us, seq, p, n);
		reasm_drain(r, t, dir);
		while (r->pending_bytes > MG_REASM_PENDING_MAX ||
		    r->npending > REASM_PENDING_SEGS_MAX)
			reasm_skip_hole(r, t, dir, ts_us);
	}
	reasm_check_fin(r, t, dir, ts_us);
}

void
reasm_ack(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, uint32_t ack)
{
	/* The peer has every byte below ack: a hole there was lost by the
	 * capture, not by the network, so waiting will not fill it. */
	while (r->started && r->pending != NULL &&
	    REASM_SEQ_LT(r->next, r->pending->seq) &&
	    REASM_SEQ_GEQ(ack, r->pending->seq))
		reasm_skip_hole(r, t, dir, ts_us);
	/* The FIN itself acknowledged: every byte before it arrived. */
	if (r->started && r->pending == NULL && r->fin_seen && !r->fin_done &&
	    REASM_SEQ_LT(r->next, r->fin_seq) &&
	    REASM_SEQ_GT(ack, r->fin_seq))
		reasm_gap(r, t, dir, ts_us, r->fin_seq - r->next);
	reasm_check_fin(r, t, dir, ts_us);
}

void
reasm_flush(struct reasm *r, struct transcript *t, enum tr_dir dir,
    uint64_t ts_us)
{
	while (r->pending != NULL)
		reasm_skip_hole(r, t, dir, ts_us);
	if (r->fin_seen && !r->fin_done && REASM_SEQ_GT(r->fin_seq, r->next))
		reasm_gap(r, t, dir, ts_us, r->fin_seq - r->next);
	reasm_check_fin(r, t, dir, ts_us);
}
