/* test_capture_judge.c - threaded judging commits in order, same bytes. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "cmd_analyze_judge.h"
#include "fp_load.h"
#include "util.h"
#include "fp_fixture.h"

struct run {
	struct ca_judge	*j;
	struct buf	 out;		/* every committed line, in order */
	uint64_t	 last_id;
	size_t		 commits, submitted;
	int		 json;
	unsigned	 full;
};

static void
on_commit(struct ca_job *job, void *arg)
{
	struct run *r = arg;

	/* Session numbers rise: commits come in submission order. */
	assert_true(job->id > r->last_id);
	r->last_id = job->id;
	r->commits++;
	if (job->t == NULL) {
		buf_printf(&r->out, "tls %llu %s %s\n",
		    (unsigned long long)job->id, job->caddr, job->saddr);
		return;
	}
	if (r->json) {
		assert_true(job->json_ok);
		assert_null(job->rep);
		buf_append(&r->out, job->json.data, job->json.len);
	} else {
		assert_non_null(job->rep);
		assert_int_equal(job->rep->verdict.family, job->family);
		/* A brief report has the summary line's fields only. */
		if (!(r->full & (1u << job->family)))
			assert_true(job->rep->nprobes == 0 &&
			    job->rep->nmatched == 0 &&
			    job->rep->nevidence == 0 && job->rep->nfix == 0);
		else
			assert_int_equal(job->rep->nprobes, 1);
		assert_non_null(job->rep->client);
		buf_printf(&r->out, "%llu %s %s\n",
		    (unsigned long long)job->id,
		    fp_family_name(job->family), job->rep->summary);
	}
}

static void
on_session(struct capture_session *s, void *arg)
{
	struct run *r = arg;
	struct ca_job *job = ca_judge_slot(r->j);

	job->id = s->id;
	job->kind = s->kind;
	job->end = s->end;
	if (s->t == NULL) {
		pcap_in_addr_str(s->flow->af, s->flow->caddr, job->caddr,
		    sizeof(job->caddr));
		pcap_in_addr_str(s->flow->af, s->flow->saddr, job->saddr,
		    sizeof(job->saddr));
	} else {
		job->t = s->t;
		s->t = NULL;
		snprintf(job->start, sizeof(job->start), "t%llu",
		    (unsigned long long)job->t->start_us);
	}
	ca_judge_submit(r->j);
	r->submitted++;
}

/* Judge path with nthreads workers; the committed text in *out. */
static void
judge_file(const char *path, size_t nthreads, int json, unsigned full,
    struct buf *out)
{
	char errbuf[MG_ERRBUF_SIZE];
	struct capture *c;
	struct run r;

	memset(&r, 0, sizeof(r));
	buf_init(&r.out, 64 * 1024 * 1024);
	r.json = json;
	r.full = json ? ~0u : full;
	r.j = ca_judge_new(g_db, json, full, "f.pcap", nthreads, on_commit,
	    &r);
	c = capture_new(NULL, on_session, &r);
	(void)capture_run(c, path, errbuf);	/* bad-truncated: partial */
	ca_judge_finish(r.j);
	assert_int_equal(r.commits, r.submitted);
	ca_judge_free(r.j);
	capture_free(c);
	*out = r.out;
}

static const struct jcase {
	const char	*file;
	size_t		 min_lines;
} jcases[] = {
	{ "captures/gen-mixed.pcap", 10 },
	{ "captures/gen-v6-qinq.pcapng", 1 },
	{ "captures/bad-truncated.pcap", 5 },
	{ "captures/lab-asa-exchange2003-outside.pcap", 1 },
	{ NULL, 0 },
};

static size_t
count_lines(const struct buf *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

static void
test_same_bytes_any_threads(void **state)
{
	static const size_t threads[] = { 1, 2, 3, 8 };
	const char *top = getenv("top_srcdir");
	const struct jcase *c;
	struct buf ref, got;
	char path[1024];
	size_t i;
	int json;

	(void)state;
	for (c = jcases; c->file != NULL; c++) {
		snprintf(path, sizeof(path), "%s/%s", top ? top : "..",
		    c->file);
		for (json = 0; json < 2; json++) {
			/* Reference: one thread, every report full; the
			 * others: brief reports for clean verdicts (text),
			 * the summary fields must not change. */
			judge_file(path, 0, json, ~0u, &ref);
			assert_true(count_lines(&ref) >= c->min_lines);
			for (i = 0; i < sizeof(threads) / sizeof(threads[0]);
			    i++) {
				judge_file(path, threads[i], json, 1u <<
				    FP_FAM_PIX | 1u << FP_FAM_ASA, &got);
				if (got.len != ref.len || memcmp(got.data,
				    ref.data, ref.len) != 0)
					fail_msg("%s json %d threads %zu: "
					    "output differs", c->file, json,
					    threads[i]);
				buf_free(&got);
			}
			buf_free(&ref);
		}
	}
}

/* MG_ANALYZE_THREADS: a number 0..8, else the CPU count. */
static void
test_threads_default(void **state)
{
	(void)state;
	setenv("MG_ANALYZE_THREADS", "3", 1);
	assert_int_equal(ca_judge_threads_default(), 3);
	setenv("MG_ANALYZE_THREADS", "0", 1);
	assert_int_equal(ca_judge_threads_default(), 0);
	setenv("MG_ANALYZE_THREADS", "99", 1);
	assert_true(ca_judge_threads_default() <= CA_JUDGE_THREADS_MAX);
	unsetenv("MG_ANALYZE_THREADS");
	assert_true(ca_judge_threads_default() <= CA_JUDGE_THREADS_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes_any_threads),
		cmocka_unit_test(test_threads_default),
	};

	return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
