/*
 * probe_run.h - probe many targets concurrently from one poll() loop:
 * at most `parallel` targets at a time, and for each target at most
 * opts->per_host connections at a time (one connection per probe).
 *
 * A job is one address of one target with the list of probes to run.
 * When every probe of a job has an outcome, the done callback gets the
 * job (results in probe order); the run frees the job when the callback
 * returns, so memory stays flat however many targets are queued.  A job's
 * deadline (opts->deadline_us) starts when its first connection opens;
 * probes not started by then are marked PO_DEADLINE.
 *
 * Ownership: the run copies the target address and spec; the defs array
 * (and the probes in it) must stay valid until the run ends.
 * probe_run_free(NULL) is a no-op.  Returns 0/-1 with errbuf; nothing
 * prints.
 */
#ifndef PROBE_RUN_H
#define PROBE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"
#include "target.h"

struct probe_job {
	char			 target[TARGET_HOST_MAX + 16];
	struct target_addr	 addr;
	const struct probe_def *const *defs;	/* the caller's array */
	struct probe_result	*res;
	size_t			 n;
	size_t			 index;		/* order of probe_run_add() */
	uint64_t		 start_us;	/* monotonic */
	uint64_t		 elapsed_us;
};

typedef void (*probe_run_done_fn)(struct probe_job *job, void *arg);

struct probe_run;

struct probe_run *probe_run_new(const struct probe_opts *o,
    unsigned parallel, probe_run_done_fn done, void *arg);
void probe_run_free(struct probe_run *r);

/* Queue a job; defs[] is used in place, not copied. */
void probe_run_add(struct probe_run *r, const char *target,
    const struct target_addr *a, const struct probe_def *const *defs,
    size_t n);
/* Run until every queued job is done. */
int probe_run_loop(struct probe_run *r, char *errbuf);

#endif /* PROBE_RUN_H */
