/* cmd_analyze_judge.c - judge captured sessions on workers, commit in order. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_analyze_judge.h"
#include "report_json.h"
#include "util.h"

/* Job states. */
enum {
	CA_JOB_FREE,
	CA_JOB_QUEUED,		/* submitted, no worker yet */
	CA_JOB_BUSY,		/* a worker is judging it */
	CA_JOB_DONE,		/* judged, waiting for its commit */
};

/* Idle workers are woken once this many jobs wait (or the submitter
 * must wait itself): a wake-up per session costs more than judging it. */
#define CA_JUDGE_WAKE_BATCH	8
/* A JSON buffer that grew past this is released after its commit (the
 * 128 kept ones hold at most 8 MiB). */
#define CA_JUDGE_JSON_KEEP	(64 * 1024)

struct ca_judge {
	const struct fp_db	*db;
	int			 json;
	unsigned		 full;		/* families with full reports */
	const char		*file;
	ca_judge_commit_fn	*commit;
	void			*arg;
	struct ca_job		 jobs[CA_JUDGE_QUEUE];
	/* Counters, never wrapped in practice (uint64_t). */
	uint64_t		 head;		/* next to commit */
	uint64_t		 take;		/* next for a worker */
	uint64_t		 tail;		/* next to fill */
	uint64_t		 bytes;		/* stream bytes in the queue */
	int			 stop;
	int			 waiting;	/* submitter waits for DONE */
	size_t			 idle;		/* workers waiting for work */
	size_t			 done_since;	/* DONE since it waits */
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* a job was queued / stop */
	pthread_cond_t		 done;		/* a job was judged */
	pthread_t		 th[CA_JUDGE_THREADS_MAX];
	size_t			 nth;
};

static uint64_t
ca_job_bytes(const struct ca_job *job)
{
	const struct transcript *t = job->t;

	return t != NULL ? t->stream[TR_C2S].len + t->stream[TR_S2C].len : 0;
}

/* The work itself: touches only the job and the read-only db. */
static void
ca_judge_one(const struct ca_judge *j, struct ca_job *job)
{
	struct report_json_extra x;

	if (job->t == NULL)
		return;
	job->rep = report_from_capture_select(j->db, job->t,
	    (size_t)job->id, j->json ? ~0u : j->full);
	job->family = job->rep->verdict.family;
	if (!j->json)
		return;
	x.file = j->file;
	x.kind = "smtp";
	x.start = job->start;
	x.end = flow_end_name(job->end);
	buf_reset(&job->json);
	job->json_ok = report_json_session(&job->json, job->rep, &x) == 0;
	if (job->json_ok) {
		/* Freed by the thread that built it (malloc arenas). */
		report_free(job->rep);
		job->rep = NULL;
	}
}

static void *
ca_judge_worker(void *arg)
{
	struct ca_judge *j = arg;
	struct ca_job *job;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (j->take == j->tail && !j->stop) {
			j->idle++;
			pthread_cond_wait(&j->work, &j->mu);
			j->idle--;
		}
		if (j->take == j->tail)
			break;		/* stop, and nothing left */
		job = &j->jobs[j->take++ % CA_JUDGE_QUEUE];
		job->state = CA_JOB_BUSY;
		pthread_mutex_unlock(&j->mu);
		ca_judge_one(j, job);
		pthread_mutex_lock(&j->mu);
		job->state = CA_JOB_DONE;
		/* Wake the submitter once a batch is ready, not per job:
		 * a wake-up per session costs more than judging it. */
		if (j->waiting && (++j->done_since >= CA_JUDGE_QUEUE / 4 ||
		    j->take == j->tail))
			pthread_cond_signal(&j->done);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

size_t
ca_judge_threads_default(void)
{
	const char *e = getenv("MG_ANALYZE_THREADS");
	uint64_t v;
	long n;

	if (e != NULL && util_parse_u64(e, 0, CA_JUDGE_THREADS_MAX, &v) == 0)
		return (size_t)v;
	/* one CPU is the reading thread's: n - 1 workers (on 2 CPUs, one
	 * worker took 0.49 s median wall for the 50,000-session bench file,
	 * two 0.58 s: three threads on two cores wait for each other) */
	n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	if (n <= 0)
		return 0;
	return n > CA_JUDGE_THREADS_MAX ? CA_JUDGE_THREADS_MAX : (size_t)n;
}

struct ca_judge *
ca_judge_new(const struct fp_db *db, int json, unsigned full,
    const char *file, size_t nthreads, ca_judge_commit_fn *commit,
    void *arg)
{
	struct ca_judge *j = xcalloc(1, sizeof(*j));
	size_t i;

	j->db = db;
	j->json = json;
	j->full = full;
	j->file = file;
	j->commit = commit;
	j->arg = arg;
	for (i = 0; i < CA_JUDGE_QUEUE; i++)
		buf_init(&j->jobs[i].json, REPORT_JSON_CAP);
	if (nthreads > CA_JUDGE_THREADS_MAX)
		nthreads = CA_JUDGE_THREADS_MAX;
	if (nthreads == 0)
		return j;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->work, NULL);
	pthread_cond_init(&j->done, NULL);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&j->th[i], NULL, ca_judge_worker, j) != 0)
			break;		/* fewer workers; 0: inline */
		j->nth++;
	}
	if (j->nth == 0) {
		pthread_cond_destroy(&j->done);
		pthread_cond_destroy(&j->work);
		pthread_mutex_destroy(&j->mu);
	}
	return j;
}

/* Commit the oldest job (state DONE, lock not held) and free its slot. */
static void
ca_judge_commit_head(struct ca_judge *j)
{
	struct ca_job *job = &j->jobs[j->head % CA_JUDGE_QUEUE];
	uint64_t bytes = ca_job_bytes(job);

	j->commit(job, j->arg);
	report_free(job->rep);
	job->rep = NULL;
	transcript_free(job->t);
	job->t = NULL;
	if (job->json.size > CA_JUDGE_JSON_KEEP)
		buf_free(&job->json);
	if (j->nth > 0)
		pthread_mutex_lock(&j->mu);
	job->state = CA_JOB_FREE;
	j->bytes -= bytes;
	j->head++;
	if (j->nth > 0)
		pthread_mutex_unlock(&j->mu);
}

/*
 * Commit every finished job at the head; with block, wait until the
 * queue has room (count and bytes) or, at the end, is empty.
 */
static void
ca_judge_drain(struct ca_judge *j, int block, int all)
{
	struct ca_job *h;
	int full;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		h = &j->jobs[j->head % CA_JUDGE_QUEUE];
		if (j->head < j->tail && h->state == CA_JOB_DONE) {
			pthread_mutex_unlock(&j->mu);
			ca_judge_commit_head(j);
			pthread_mutex_lock(&j->mu);
			continue;
		}
		full = j->tail - j->head >= CA_JUDGE_QUEUE ||
		    (j->tail > j->head && j->bytes >= CA_JUDGE_BYTES_MAX);
		if (!block || (all ? j->head == j->tail : !full))
			break;
		/* About to wait: every queued job must have a worker. */
		if (j->idle > 0 && j->take < j->tail)
			pthread_cond_broadcast(&j->work);
		j->waiting = 1;
		j->done_since = 0;
		pthread_cond_wait(&j->done, &j->mu);
		j->waiting = 0;
	}
	pthread_mutex_unlock(&j->mu);
}

struct ca_job *
ca_judge_slot(struct ca_judge *j)
{
	struct ca_job *job;
	struct buf keep;

	if (j->nth > 0)
		ca_judge_drain(j, 1, 0);
	job = &j->jobs[j->tail % CA_JUDGE_QUEUE];
	keep = job->json;
	memset(job, 0, sizeof(*job));
	job->json = keep;
	return job;
}

void
ca_judge_submit(struct ca_judge *j)
{
	struct ca_job *job = &j->jobs[j->tail % CA_JUDGE_QUEUE];

	if (j->nth == 0) {
		j->tail++;
		j->bytes += ca_job_bytes(job);
		ca_judge_one(j, job);
		job->state = CA_JOB_DONE;
		ca_judge_commit_head(j);
		return;
	}
	pthread_mutex_lock(&j->mu);
	job->state = CA_JOB_QUEUED;
	j->bytes += ca_job_bytes(job);
	j->tail++;
	if (j->idle > 0 && j->tail - j->take >= CA_JUDGE_WAKE_BATCH)
		pthread_cond_signal(&j->work);
	pthread_mutex_unlock(&j->mu);
	/* Keep output flowing and memory low between waits. */
	ca_judge_drain(j, 0, 0);
}

void
ca_judge_finish(struct ca_judge *j)
{
	if (j->nth > 0)
		ca_judge_drain(j, 1, 1);
}

void
ca_judge_free(struct ca_judge *j)
{
	size_t i;

	if (j == NULL)
		return;
	if (j->nth > 0) {
		ca_judge_drain(j, 1, 1);
		pthread_mutex_lock(&j->mu);
		j->stop = 1;
		pthread_cond_broadcast(&j->work);
		pthread_mutex_unlock(&j->mu);
		for (i = 0; i < j->nth; i++)
			pthread_join(j->th[i], NULL);
		pthread_cond_destroy(&j->done);
		pthread_cond_destroy(&j->work);
		pthread_mutex_destroy(&j->mu);
	}
	for (i = 0; i < CA_JUDGE_QUEUE; i++) {
		report_free(j->jobs[i].rep);
		transcript_free(j->jobs[i].t);
		buf_free(&j->jobs[i].json);
	}
	free(j);
}
