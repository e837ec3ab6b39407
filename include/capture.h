/*
 * capture.h - the capture pipeline: file -> packets (pcap_in) -> flows
 * (flow) -> reassembled transcripts (reasm) -> one callback per finished
 * SMTP or implicit-TLS session.
 *
 * Sessions are delivered in first-packet order (flow id order), so output
 * is deterministic: a session that ends early waits for the sessions that
 * started before it.  At most CAPTURE_HOLD_MAX finished sessions (and
 * CAPTURE_HOLD_BYTES_MAX of their bytes) wait; past that the one that
 * finished first is delivered out of order and
 * stats.order_relaxed counts it (memory stays bounded when one early
 * connection lives for the whole capture).  Flows that are not SMTP are
 * only counted.
 *
 * Ownership: during the callback the session and its transcript belong
 * to the pipeline; a callback that wants to keep the transcript sets
 * s->t to NULL and then owns it (transcript_free()).
 *
 * Errors: capture_run() returns 0 at the end of the file, or -1 with
 * errbuf (MG_ERRBUF_SIZE) naming the record number and file offset when
 * the file cannot be opened or is damaged; every session read before the
 * damage has been delivered by then.  Nothing here prints.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow.h"
#include "pcap_in.h"
#include "transcript.h"

/* Finished sessions held back waiting for an earlier one (see above),
 * and the stream bytes they may hold together. */
#define CAPTURE_HOLD_MAX	1024
#define CAPTURE_HOLD_BYTES_MAX	(64 * 1024 * 1024)
/* Records between two progress callbacks. */
#define CAPTURE_PROGRESS_EVERY	16384

struct capture_session {
	uint64_t		 id;	/* flow id: "session N" */
	enum flow_kind		 kind;	/* FLOW_SMTP or FLOW_TLS */
	enum flow_end		 end;
	const struct flow	*flow;	/* addresses, ports, counters */
	struct transcript	*t;	/* NULL for FLOW_TLS */
};

typedef void capture_session_fn(struct capture_session *s, void *arg);
typedef void capture_progress_fn(uint64_t bytes, void *arg);

struct capture_opts {
	const char		*filter;	/* BPF, or NULL */
	size_t			 flows_max;	/* 0: MG_FLOWS_MAX */
	uint64_t		 idle_us;	/* 0: MG_FLOW_IDLE_SEC */
	capture_progress_fn	*progress;	/* or NULL */
	void			*progress_arg;
};

struct capture_stats {
	uint64_t		 records;	/* read from the file */
	uint64_t		 matched;	/* passed the filter */
	uint64_t		 tcp;		/* decoded TCP segments */
	uint64_t		 skipped[PCAP_SKIP__COUNT];
	uint64_t		 bytes;		/* file bytes read */
	uint64_t		 first_us, last_us;	/* capture time span */
	int			 linktype;
	uint64_t		 delivered;
	uint64_t		 order_relaxed;
	struct flow_stats	 flows;
};

struct capture;

struct capture *capture_new(const struct capture_opts *opts,
    capture_session_fn *cb, void *arg);
void capture_free(struct capture *c);

/*
 * Step by step (two captures read side by side in capture time): open,
 * then capture_step() reads at most max records and returns CAPTURE_MORE,
 * CAPTURE_END (end of file: every session delivered, counters final) or
 * -1 (damage, errbuf set; sessions read before it delivered, as
 * capture_run()).  capture_horizon() is a lower bound on the start time
 * (first packet) of every session still to be delivered: the oldest flow
 * not yet delivered, or the last record's time (a later flow starts at or
 * after it while capture time runs forward); UINT64_MAX at the end (and
 * when no file is open).
 */
#define CAPTURE_MORE	1
#define CAPTURE_END	0
int capture_open(struct capture *c, const char *path, char *errbuf);
/* Takes ownership of fp (closed on failure too). */
int capture_open_fp(struct capture *c, FILE *fp, const char *name,
    char *errbuf);
int capture_step(struct capture *c, uint64_t max, char *errbuf);
uint64_t capture_horizon(const struct capture *c);
/* The same bound without the sessions not yet delivered that started
 * before `before` (a long connection, those held behind it): their
 * starts go to old[] (at most max, in first-packet order); the bound
 * covers the rest.  *nold 0 and UINT64_MAX at the end. */
uint64_t capture_bound(const struct capture *c, uint64_t before,
    uint64_t *old, size_t max, size_t *nold);
/* Capture time of the last record read (UINT64_MAX at the end). */
uint64_t capture_position(const struct capture *c);

/* Read path ("-" is stdin) to the end. */
int capture_run(struct capture *c, const char *path, char *errbuf);
/* Same from an open stream (tests: fmemopen); takes ownership of fp. */
int capture_run_fp(struct capture *c, FILE *fp, const char *name,
    char *errbuf);

const struct capture_stats *capture_stats(const struct capture *c);

#endif /* CAPTURE_H */
