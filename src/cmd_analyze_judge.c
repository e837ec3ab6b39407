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
/* The submitter publishes jobs this many at a time, and a worker takes
 * up to CA_JUDGE_TAKE_BATCH at once: each lock of the queue moves its
 * cache lines between the CPUs, which cost more than the judging when
 * the two threads' CPUs are far apart. */
#define CA_JUDGE_SUBMIT_BATCH	16
#define CA_JUDGE_TAKE_BATCH	4
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
	/* Counters (uint64_t: never wrap in practice).  The submitter's
	 * own, no lock: jobs [tail, fill) are filled but not yet
	 * published; head_seen and bytes_seen as of its last lock. */
	uint64_t		 fill;
	uint64_t		 fill_bytes;
	uint64_t		 head_seen;
	uint64_t		 bytes_seen;
	/* Shared, under mu. */
	uint64_t		 head;		/* next to commit */
	uint64_t		 take;		/* next for a worker */
	uint64_t		 tail;		/* next published */
	uint64_t		 bytes;		/* stream bytes published */
	int			 stop;
	int			 committing;	/* a thread is in commit */
	int			 waiting;	/* submitter waits for room */
	size_t			 idle;		/* workers waiting for work */
	uint64_t		 wait_head;	/* head when it began to wait */
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* a job was queued / stop */
	pthread_cond_t		 room;		/* jobs were committed */
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

static int	ca_judge_commit_done(struct ca_judge *j);

/* Take up to max queued jobs and judge them (lock held on entry and
 * exit). */
static void
ca_judge_take(struct ca_judge *j, uint64_t max)
{
	uint64_t from = j->take, n = j->tail - j->take, i;

	if (n > max)
		n = max;
	for (i = from; i < from + n; i++)
		j->jobs[i % CA_JUDGE_QUEUE].state = CA_JOB_BUSY;
	j->take += n;
	pthread_mutex_unlock(&j->mu);
	for (i = from; i < from + n; i++)
		ca_judge_one(j, &j->jobs[i % CA_JUDGE_QUEUE]);
	pthread_mutex_lock(&j->mu);
	for (i = from; i < from + n; i++)
		j->jobs[i % CA_JUDGE_QUEUE].state = CA_JOB_DONE;
}

static void *
ca_judge_worker(void *arg)
{
	struct ca_judge *j = arg;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (j->take == j->tail && !j->stop) {
			j->idle++;
			pthread_cond_wait(&j->work, &j->mu);
			j->idle--;
		}
		if (j->take == j->tail)
			break;		/* stop, and nothing left */
		ca_judge_take(j, CA_JUDGE_TAKE_BATCH);
		/* The worker that finishes the head job prints it: the
		 * reading thread is the busier one. */
		ca_judge_commit_done(j);
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
	 * worker took 0.41-0.43 s wall for the 50,000-session bench file,
	 * two 0.44-0.47 s: three threads on two cores wait for each other) */
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
	pthread_cond_init(&j->room, NULL);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&j->th[i], NULL, ca_judge_worker, j) != 0)
			break;		/* fewer workers; 0: inline */
		j->nth++;
	}
	if (j->nth == 0) {
		pthread_cond_destroy(&j->room);
		pthread_cond_destroy(&j->work);
		pthread_mutex_destroy(&j->mu);
	}
	return j;
}

/* Print and release one judged job (no lock needed: one committer). */
static void
ca_judge_commit_job(struct ca_judge *j, struct ca_job *job)
{
	j->commit(job, j->arg);
	report_free(job->rep);
	job->rep = NULL;
	transcript_free(job->t);
	job->t = NULL;
	if (job->json.size > CA_JUDGE_JSON_KEEP)
		buf_free(&job->json);
}

/*
 * Commit, in order, every judged job at the head (lock held on entry and
 * exit); whether any was.  One thread commits at a time (committing); it
 * may be a worker or the submitter, so whatever the commit callback does
 * is serialised and ordered by the lock.  The submitter, if it waits for
 * room, is woken once a quarter of the queue is free or the queue is
 * empty.
 */
static int
ca_judge_commit_done(struct ca_judge *j)
{
	uint64_t from, to, i, bytes;
	int any = 0;

	while (!j->committing) {
		from = to = j->head;
		while (to < j->tail &&
		    j->jobs[to % CA_JUDGE_QUEUE].state == CA_JOB_DONE)
			to++;
		if (to == from)
			break;
		any = 1;
		j->committing = 1;
		pthread_mutex_unlock(&j->mu);
		bytes = 0;
		for (i = from; i < to; i++) {
			bytes += ca_job_bytes(&j->jobs[i % CA_JUDGE_QUEUE]);
			ca_judge_commit_job(j, &j->jobs[i % CA_JUDGE_QUEUE]);
		}
		pthread_mutex_lock(&j->mu);
		for (i = from; i < to; i++)
			j->jobs[i % CA_JUDGE_QUEUE].state = CA_JOB_FREE;
		j->bytes -= bytes;
		j->head = to;
		j->committing = 0;
		if (j->waiting && (j->head - j->wait_head >= CA_JUDGE_QUEUE / 4
		    || j->head == j->tail))
			pthread_cond_signal(&j->room);
	}
	return any;
}

/* Make the filled jobs visible to the workers (lock held). */
static void
ca_judge_publish(struct ca_judge *j)
{
	if (j->fill == j->tail)
		return;
	j->tail = j->fill;
	j->bytes += j->fill_bytes;
	j->fill_bytes = 0;
	/* Wake idle workers a batch at a time: a wake-up per session costs
	 * more than judging it. */
	if (j->idle > 0 && j->tail - j->take >= CA_JUDGE_WAKE_BATCH)
		pthread_cond_signal(&j->work);
}

/* Is a queue of n jobs holding bytes stream bytes full? */
static int
ca_judge_over(uint64_t n, uint64_t bytes)
{
	return n >= CA_JUDGE_QUEUE || (n > 0 && bytes >= CA_JUDGE_BYTES_MAX);
}

/* What the submitter knows of the shared counters (lock held). */
static void
ca_judge_look(struct ca_judge *j)
{
	j->head_seen = j->head;
	j->bytes_seen = j->bytes;
}

/*
 * Wait until the queue has room (count and bytes) or, with all, is
 * empty.  Waiting is working: the submitter judges queued jobs and
 * commits judged ones itself before it sleeps, so the reading thread and
 * the workers share whatever the file needs most.
 */
static void
ca_judge_wait(struct ca_judge *j, int all)
{
	pthread_mutex_lock(&j->mu);
	ca_judge_publish(j);
	while (all ? j->head != j->tail :
	    ca_judge_over(j->tail - j->head, j->bytes)) {
		if (j->take < j->tail) {
			if (j->idle > 0)
				pthread_cond_broadcast(&j->work);
			ca_judge_take(j, 1);
			ca_judge_commit_done(j);
		} else if (!ca_judge_commit_done(j)) {
			j->waiting = 1;
			j->wait_head = j->head;
			pthread_cond_wait(&j->room, &j->mu);
			j->waiting = 0;
		}
	}
	ca_judge_look(j);
	pthread_mutex_unlock(&j->mu);
}

struct ca_job *
ca_judge_slot(struct ca_judge *j)
{
	struct ca_job *job;
	struct buf keep;

	/* Room as of the last lock is room now (commits only add room):
	 * lock only when that view is full. */
	if (j->nth > 0 && ca_judge_over(j->fill - j->head_seen,
	    j->bytes_seen + j->fill_bytes))
		ca_judge_wait(j, 0);
	job = &j->jobs[j->fill % CA_JUDGE_QUEUE];
	keep = job->json;
	memset(job, 0, sizeof(*job));
	job->json = keep;
	return job;
}

void
ca_judge_submit(struct ca_judge *j)
{
	struct ca_job *job = &j->jobs[j->fill % CA_JUDGE_QUEUE];

	if (j->nth == 0) {
		j->tail = ++j->fill;
		ca_judge_one(j, job);
		ca_judge_commit_job(j, job);
		j->head++;
		return;
	}
	job->state = CA_JOB_QUEUED;
	j->fill++;
	j->fill_bytes += ca_job_bytes(job);
	if (j->fill - j->tail >= CA_JUDGE_SUBMIT_BATCH) {
		pthread_mutex_lock(&j->mu);
		ca_judge_publish(j);
		ca_judge_look(j);
		pthread_mutex_unlock(&j->mu);
	}
}

void
ca_judge_finish(struct ca_judge *j)
{
	if (j->nth > 0)
		ca_judge_wait(j, 1);
}

void
ca_judge_free(struct ca_judge *j)
{
	size_t i;

	if (j == NULL)
		return;
	if (j->nth > 0) {
		ca_judge_wait(j, 1);
		pthread_mutex_lock(&j->mu);
		j->stop = 1;
		pthread_cond_broadcast(&j->work);
		pthread_mutex_unlock(&j->mu);
		for (i = 0; i < j->nth; i++)
			pthread_join(j->th[i], NULL);
		pthread_cond_destroy(&j->room);
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
