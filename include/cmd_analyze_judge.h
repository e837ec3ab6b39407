/*
 * cmd_analyze_judge.h - judging captured sessions on worker threads for
 * mailguard-detect -r, with the results handed back in the order the
 * sessions were submitted.
 *
 * The capture pipeline (one thread) submits finished sessions; up to
 * CA_JUDGE_THREADS_MAX workers build each SMTP session's report (facts,
 * fingerprint match, report, and its JSON line when asked).  Finished jobs
 * are committed strictly in submission order through the commit callback,
 * which prints and counts: by the worker that finishes the oldest job, or
 * by the submitter when it must wait for room (it then also judges queued
 * jobs itself), so the reading thread and the workers share the work
 * whichever side the file loads more.  One thread commits at a time and
 * the queue's lock orders the commits, so the output is the same bytes
 * whatever the number of threads, and the callback needs no lock of its
 * own; it must not touch what the submitting thread uses meanwhile.  With
 * 0 threads a submitted job is judged and committed at once (the
 * single-threaded analyzer).
 *
 * Memory is bounded: at most CA_JUDGE_QUEUE jobs and CA_JUDGE_BYTES_MAX
 * stream bytes wait or are being judged; past that ca_judge_slot() blocks
 * until the oldest job is committed.
 *
 * Ownership: a job's transcript (job->t) belongs to the queue from
 * submission; after the commit callback returns the queue frees it (to
 * transcript.c's pool) and the report.  In JSON mode the thread that
 * rendered the line frees the report itself (job->rep NULL, job->family
 * kept): memory goes back to the malloc arena of the thread that took it.  Nothing here prints; a
 * failure to start a thread falls back to fewer threads (0 at worst).
 */
#ifndef CMD_ANALYZE_JUDGE_H
#define CMD_ANALYZE_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "flow.h"
#include "fp_match.h"
#include "report.h"
#include "transcript.h"

#define CA_JUDGE_THREADS_MAX	8
#define CA_JUDGE_QUEUE		128
#define CA_JUDGE_BYTES_MAX	(32 * 1024 * 1024)

struct ca_job {
	/* Filled by the submitter. */
	uint64_t		 id;		/* session number */
	enum flow_kind		 kind;
	enum flow_end		 end;
	struct transcript	*t;		/* NULL: not judged (TLS) */
	char			 caddr[64], saddr[64];
	uint16_t		 cport, sport;
	char			 start[48];	/* first packet, UTC */
	/* Filled by the judge. */
	enum fp_family		 family;	/* the verdict */
	struct report		*rep;		/* NULL once json_ok */
	struct buf		 json;		/* JSON line when json_ok */
	int			 json_ok;
	/* Queue state. */
	int			 state;
};

typedef void ca_judge_commit_fn(struct ca_job *job, void *arg);

struct ca_judge;

/*
 * file is the capture name written into each JSON line (json != 0), or
 * unused.  full: the verdict families (1u << FP_FAM_*) that get a full
 * report, the rest a brief one (report_from_capture_select(); with json
 * every family is full).  nthreads 0 judges on the caller's thread.
 */
struct ca_judge	*ca_judge_new(const struct fp_db *db, int json,
		    unsigned full, const char *file, size_t nthreads,
		    ca_judge_commit_fn *commit, void *arg);
/* The next free job, cleared (may commit older jobs, may wait). */
struct ca_job	*ca_judge_slot(struct ca_judge *j);
/* Hand over the job ca_judge_slot() returned. */
void		 ca_judge_submit(struct ca_judge *j);
/* Wait for every job and commit it. */
void		 ca_judge_finish(struct ca_judge *j);
/* Finishes first; NULL is a no-op. */
void		 ca_judge_free(struct ca_judge *j);

/* Worker threads to use: MG_ANALYZE_THREADS if set (0 to 8), else one
 * fewer than the online CPUs (the reading thread has one; 0 when there is
 * only one), at most CA_JUDGE_THREADS_MAX. */
size_t		 ca_judge_threads_default(void);

#endif /* CMD_ANALYZE_JUDGE_H */
