/* probe_run.c - many targets, one poll() loop, bounded concurrency. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "probe_run.h"
#include "transcript.h"
#include "util.h"

struct pr_active {
	struct probe_job	*job;
	size_t			 next;		/* next probe to start */
	unsigned		 open;		/* connections open */
	size_t			 finished;
	uint64_t		 deadline;
	struct probe_conn	**conns;	/* per probe, NULL if none */
};

struct probe_run {
	struct probe_opts	 o;
	unsigned		 parallel;
	probe_run_done_fn	 done;
	void			*arg;
	struct probe_job	**queue;	/* FIFO of jobs not started */
	size_t			 qhead, qlen, qsize;
	size_t			 added;
	struct pr_active	*act;		/* parallel slots */
	unsigned		 nact;
};

struct probe_run *
probe_run_new(const struct probe_opts *o, unsigned parallel,
    probe_run_done_fn done, void *arg)
{
	struct probe_run *r = xcalloc(1, sizeof(*r));

	r->o = *o;
	if (r->o.per_host == 0)
		r->o.per_host = 1;
	r->parallel = parallel ? parallel : 1;
	r->done = done;
	r->arg = arg;
	r->act = xcalloc(r->parallel, sizeof(*r->act));
	return r;
}

static void
pr_job_free(struct probe_job *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; j->res != NULL && i < j->n; i++)
		probe_result_clear(&j->res[i]);
	free(j->res);
	free(j);
}

void
probe_run_free(struct probe_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = r->qhead; i < r->qlen; i++)
		pr_job_free(r->queue[i]);
	for (i = 0; i < r->parallel; i++) {
		size_t k;

		if (r->act[i].job == NULL)
			continue;
		for (k = 0; k < r->act[i].job->n; k++)
			probe_conn_free(r->act[i].conns[k]);
		free(r->act[i].conns);
		pr_job_free(r->act[i].job);
	}
	free(r->act);
	free(r->queue);
	free(r);
}

void
probe_run_add(struct probe_run *r, const char *target,
    const struct target_addr *a, const struct probe_def *const *defs,
    size_t n)
{
	struct probe_job *j = xcalloc(1, sizeof(*j));

	/* Results are allocated when the job starts: a queued job costs
	 * only this struct, so memory stays flat in the number of targets. */
	util_strlcpy(j->target, target, sizeof(j->target));
	j->addr = *a;
	j->n = n;
	j->defs = defs;
	j->index = r->added++;
	if (r->qlen == r->qsize) {
		r->qsize = r->qsize ? r->qsize * 2 : 64;
		r->queue = xreallocarray(r->queue, r->qsize,
		    sizeof(*r->queue));
	}
	r->queue[r->qlen++] = j;
}

/* Fill free slots from the queue; open connections up to per_host. */
static void
pr_start(struct probe_run *r, uint64_t now)
{
	unsigned i;

	for (i = 0; i < r->parallel; i++) {
		struct pr_active *a = &r->act[i];
		size_t k;

		if (a->job == NULL && r->qhead < r->qlen) {
			memset(a, 0, sizeof(*a));
			a->job = r->queue[r->qhead];
			r->queue[r->qhead++] = NULL;
			a->job->start_us = now;
			a->job->res = xcalloc(a->job->n ? a->job->n : 1,
			    sizeof(*a->job->res));
			for (k = 0; k < a->job->n; k++) {
				a->job->res[k].def = a->job->defs[k];
				a->job->res[k].last_code = -1;
			}
			a->deadline = now + r->o.deadline_us;
			a->conns = xcalloc(a->job->n ? a->job->n : 1,
			    sizeof(*a->conns));
			r->nact++;
		}
		if (a->job == NULL)
			continue;
		while (a->open < r->o.per_host && a->next < a->job->n) {
			k = a->next++;
			struct probe_result *res = &a->job->res[k];

			if (now >= a->deadline) {
				/* An empty transcript keeps the probe in the
				 * report, with what happened to it. */
				res->tr = transcript_new(res->def->name);
				res->outcome = PO_DEADLINE;
				util_strlcpy(res->detail, "not started: the "
				    "target's deadline passed",
				    sizeof(res->detail));
				transcript_note(res->tr, TR_C2S,
				    util_wall_us(), "%s", res->detail);
				a->finished++;
				continue;
			}
			a->conns[k] = probe_conn_new(a->job->defs[k],
			    &a->job->addr, &r->o, a->deadline, res);
			a->open++;
		}
	}
	if (r->qhead == r->qlen)
		r->qhead = r->qlen = 0;
}

/* Reap finished connections and finished jobs. */
static void
pr_reap(struct probe_run *r, uint64_t now)
{
	unsigned i;

	for (i = 0; i < r->parallel; i++) {
		struct pr_active *a = &r->act[i];
		size_t k;

		if (a->job == NULL)
			continue;
		for (k = 0; k < a->job->n; k++) {
			if (a->conns[k] == NULL ||
			    !probe_conn_done(a->conns[k]))
				continue;
			probe_conn_free(a->conns[k]);
			a->conns[k] = NULL;
			a->open--;
			a->finished++;
		}
		if (a->finished < a->job->n)
			continue;
		a->job->elapsed_us = now - a->job->start_us;
		if (r->done != NULL)
			r->done(a->job, r->arg);
		pr_job_free(a->job);
		free(a->conns);
		memset(a, 0, sizeof(*a));
		r->nact--;
	}
}

int
probe_run_loop(struct probe_run *r, char *errbuf)
{
	size_t maxc = (size_t)r->parallel * r->o.per_host;
	struct pollfd *pfd = xcalloc(maxc, sizeof(*pfd));
	struct probe_conn **pc = xcalloc(maxc, sizeof(*pc));
	int rc = 0;

	for (;;) {
		uint64_t now = util_mono_us(), next = UINT64_MAX;
		size_t n = 0, k;
		unsigned i;
		int tmo;

		pr_start(r, now);
		pr_reap(r, now);
		pr_start(r, now);
		if (r->nact == 0 && r->qhead == r->qlen)
			break;
		for (i = 0; i < r->parallel; i++) {
			struct pr_active *a = &r->act[i];

			for (k = 0; a->job != NULL && k < a->job->n; k++) {
				uint64_t t;

				if (a->conns[k] == NULL || n == maxc)
					continue;
				probe_conn_want(a->conns[k], &pfd[n], &t);
				pc[n++] = a->conns[k];
				if (t < next)
					next = t;
			}
		}
		now = util_mono_us();
		if (next == UINT64_MAX)
			tmo = 1000;
		else if (next <= now)
			tmo = 0;
		else
			tmo = (int)((next - now + 999) / 1000);
		if (tmo > 1000)
			tmo = 1000;
		if (poll(pfd, (nfds_t)n, tmo) == -1 && errno != EINTR) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "poll: %s",
			    strerror(errno));
			rc = -1;
			break;
		}
		now = util_mono_us();
		for (k = 0; k < n; k++)
			probe_conn_step(pc[k], pfd[k].revents, now);
	}
	free(pfd);
	free(pc);
	return rc;
}
