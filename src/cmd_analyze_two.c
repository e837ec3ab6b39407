/* cmd_analyze_two.c - two captures read side by side, pairs streamed. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiff_clock.h"
#include "capdiff_stream.h"
#include "capture.h"
#include "cmd_analyze_two.h"
#include "mg_limits.h"
#include "out_json.h"
#include "util.h"

#define CA_TWO_EXIT_NONE		0
#define CA_TWO_EXIT_FOUND		1
#define CA_TWO_EXIT_USAGE		2
/* Steps between two progress lines. */
#define CA_TWO_PROGRESS_STEPS	32

/* Lines (text) or JSON strings of unmatched sessions, kept for the end:
 * a temporary file, or memory when there is none. */
struct ca_two_spool {
	FILE		*fp;
	char		*mem;
	size_t		 memlen;
	int		 inmem;
	uint64_t	 n;
};

struct ca_two_side {
	struct ca_two	*run;
	int		 idx;
	struct capture	*c;
	uint64_t	 size;
	int		 done;
	uint64_t	 old[CA_TWO_OLD_MAX];	/* capture_bound() */
};

struct ca_two {
	const struct ca_two_opts *o;
	FILE			*out;
	struct capdiff_stream	*cs;
	struct ca_two_side	 side[2];
	struct ca_two_spool	 alone[2];
	uint64_t		 npairs;
	/* The clock estimate: the first sessions of each side wait here
	 * (at most CAPDIFF_CLOCK_SESSIONS a side, plus one step's worth,
	 * and about CAPDIFF_CLOCK_BYTES of stream bytes) until it is made. */
	struct capdiff_clock	*cc;		/* NULL once made */
	struct capdiff_clock_result clock;
	struct transcript	**held[2];
	size_t			 nheld[2], cheld[2];
	uint64_t		 held_bytes;
};

static void
ca_two_spool_open(struct ca_two_spool *sp)
{
	memset(sp, 0, sizeof(*sp));
	if ((sp->fp = tmpfile()) == NULL) {
		sp->fp = open_memstream(&sp->mem, &sp->memlen);
		sp->inmem = 1;
	}
}

/* Copy the spool to out and close it. */
static void
ca_two_spool_drain(struct ca_two_spool *sp, FILE *out)
{
	char b[8192];
	size_t n;

	if (sp->fp == NULL)
		return;
	if (sp->inmem) {
		if (fflush(sp->fp) == 0 && sp->mem != NULL)
			fwrite(sp->mem, 1, sp->memlen, out);
	} else {
		rewind(sp->fp);
		while ((n = fread(b, 1, sizeof(b), sp->fp)) > 0)
			fwrite(b, 1, n, out);
	}
	fclose(sp->fp);
	free(sp->mem);
	sp->fp = NULL;
	sp->mem = NULL;
}

/* A JSON string for s (escaped as jansson does); the caller frees it. */
static char *
ca_two_json_str(const char *s)
{
	json_t *j = json_string(s);
	char *txt = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return txt != NULL ? txt : xstrdup("\"?\"");
}

static void
ca_two_pair(const struct capdiff_pair *p, void *arg)
{
	struct ca_two *r = arg;
	char *txt;

	if (r->o->json) {
		txt = capdiff_pair_json(p);
		fprintf(r->out, "%s%s", r->npairs ? "," : "", txt);
		free(txt);
	} else
		capdiff_pair_print_text(p, r->out);
	r->npairs++;
}

static void
ca_two_alone(int side, const struct capdiff_sess *s, void *arg)
{
	struct ca_two *r = arg;
	struct ca_two_spool *sp = &r->alone[side];
	char *txt;

	if (sp->fp == NULL)
		return;
	if (r->o->json) {
		txt = ca_two_json_str(s->label);
		fprintf(sp->fp, "%s%s", sp->n ? "," : "", txt);
		free(txt);
	} else
		capdiff_sess_print_text(s, sp->fp);
	sp->n++;
}

/* Capture callback: SMTP sessions go to the matcher (it owns them). */
static void
ca_two_session(struct capture_session *s, void *arg)
{
	struct ca_two_side *sd = arg;
	struct ca_two *r = sd->run;
	int i = sd->idx;

	if (s->t == NULL || s->kind != FLOW_SMTP)
		return;
	if (r->cc != NULL) {
		capdiff_clock_add(r->cc, i, s->t);
		if (r->nheld[i] == r->cheld[i]) {
			r->cheld[i] = r->cheld[i] ? r->cheld[i] * 2 : 256;
			r->held[i] = xreallocarray(r->held[i], r->cheld[i],
			    sizeof(*r->held[i]));
		}
		r->held[i][r->nheld[i]++] = s->t;
		r->held_bytes += s->t->stream[TR_C2S].len +
		    s->t->stream[TR_S2C].len;
	} else
		capdiff_stream_add(r->cs, i, s->t);
	s->t = NULL;
}

static void
ca_two_progress(const struct ca_two *r)
{
	const struct capture_stats *st;
	int i;

	fputc('\r', stderr);
	for (i = 0; i < 2; i++) {
		st = capture_stats(r->side[i].c);
		fprintf(stderr, "%s%s: %.1f", i ? ", " : "", r->o->files[i],
		    (double)st->bytes / 1e6);
		if (r->side[i].size > 0)
			fprintf(stderr, " of %.1f MB (%d%%)",
			    (double)r->side[i].size / 1e6,
			    (int)(st->bytes * 100 / r->side[i].size));
		else
			fprintf(stderr, " MB");
	}
}

static void
ca_two_header(struct ca_two *r)
{
	char *a, *b;

	if (!r->o->json) {
		fprintf(r->out, "Comparing outside %s with inside %s\n",
		    r->o->files[0], r->o->files[1]);
		return;
	}
	a = ca_two_json_str(r->o->files[0]);
	b = ca_two_json_str(r->o->files[1]);
	fprintf(r->out, "{\"schema\":%d,\"capture_diff\":{\"outside\":%s,"
	    "\"inside\":%s,\"matched\":[", OUT_JSON_SCHEMA, a, b);
	free(a);
	free(b);
}

static void
ca_two_footer(struct ca_two *r, int differs)
{
	const struct capdiff_stream_stats *st = capdiff_stream_stats(r->cs);
	char *txt;
	int s;

	if (r->o->json) {
		fputs("],\"unmatched_outside\":[", r->out);
		ca_two_spool_drain(&r->alone[0], r->out);
		fputs("],\"unmatched_inside\":[", r->out);
		ca_two_spool_drain(&r->alone[1], r->out);
		txt = capdiff_clock_json(&r->clock);
		fprintf(r->out, "],\"clock_offset\":%s", txt);
		free(txt);
		fprintf(r->out, ",\"outside_sessions\":%llu,"
		    "\"inside_sessions\":%llu,\"differs\":%s}}\n",
		    (unsigned long long)st->sessions[0],
		    (unsigned long long)st->sessions[1],
		    differs ? "true" : "false");
		return;
	}
	for (s = 0; s < 2; s++) {
		if (r->alone[s].n > 0)
			fprintf(r->out, "\nUnmatched %s sessions:\n",
			    s ? "inside" : "outside");
		ca_two_spool_drain(&r->alone[s], r->out);
	}
	fputc('\n', r->out);
	capdiff_clock_print_text(&r->clock, r->out);
	fprintf(r->out, "Summary: %llu matched, %llu with differences, "
	    "%llu unmatched outside, %llu unmatched inside; SMTP sessions: "
	    "%llu outside, %llu inside\n", (unsigned long long)st->pairs,
	    (unsigned long long)st->differing,
	    (unsigned long long)st->unmatched[0],
	    (unsigned long long)st->unmatched[1],
	    (unsigned long long)st->sessions[0],
	    (unsigned long long)st->sessions[1]);
}

/* Open both files; a file that cannot be opened counts as read. */
static int
ca_two_open(struct ca_two *r)
{
	struct capture_opts co;
	char err[MG_ERRBUF_SIZE];
	int i, rc = 0;

	for (i = 0; i < 2; i++) {
		memset(&co, 0, sizeof(co));
		co.filter = r->o->filter;
		r->side[i].run = r;
		r->side[i].idx = i;
		r->side[i].size = util_file_size(r->o->files[i]);
		r->side[i].c = capture_new(&co, ca_two_session, &r->side[i]);
		err[0] = '\0';
		if (capture_open(r->side[i].c, r->o->files[i], err) != 0) {
			warnmsg("%s", err);
			r->side[i].done = 1;
			rc = -1;
		}
	}
	return rc;
}

/* Tell the matcher how far each side has been read: sessions still open
 * that started more than the window ago are listed one by one. */
static void
ca_two_advance(struct ca_two *r)
{
	struct capdiff_stream_bound b[2];
	uint64_t pos;
	int i;

	for (i = 0; i < 2; i++) {
		pos = capture_position(r->side[i].c);
		pos = pos > CAPDIFF_WINDOW_US ? pos - CAPDIFF_WINDOW_US : 0;
		b[i].from = capture_bound(r->side[i].c, pos, r->side[i].old,
		    CA_TWO_OLD_MAX, &b[i].nold);
		b[i].old = r->side[i].old;
	}
	capdiff_stream_advance_to(r->cs, b);
}

/* Read one step of side i; -1 when the file is damaged or unreadable. */
static int
ca_two_step(struct ca_two *r, int i, uint64_t *steps)
{
	char err[MG_ERRBUF_SIZE];
	int rc;

	err[0] = '\0';
	rc = capture_step(r->side[i].c, CA_TWO_STEP, err);
	if (rc != CAPTURE_MORE)
		r->side[i].done = 1;
	if (r->o->progress && ++*steps % CA_TWO_PROGRESS_STEPS == 0)
		ca_two_progress(r);
	if (rc < 0) {
		fflush(r->out);
		warnmsg("%s", err);
		return -1;
	}
	return 0;
}

/*
 * The clock estimate: the clocks may disagree, so read by session count
 * (the side with fewer sessions next) until each side has
 * CAPDIFF_CLOCK_SESSIONS or has ended, or the sessions held pass
 * CAPDIFF_CLOCK_BYTES; then hand them all to the matcher, inside times
 * shifted by the estimate.
 */
static int
ca_two_estimate(struct ca_two *r, uint64_t *steps)
{
	size_t k;
	int i, s, bad = 0;

	for (;;) {
		int want0 = !r->side[0].done &&
		    r->nheld[0] < CAPDIFF_CLOCK_SESSIONS;
		int want1 = !r->side[1].done &&
		    r->nheld[1] < CAPDIFF_CLOCK_SESSIONS;

		if ((!want0 && !want1) || r->held_bytes > CAPDIFF_CLOCK_BYTES)
			break;
		i = !want0 ? 1 : !want1 ? 0 : r->nheld[1] < r->nheld[0];
		if (ca_two_step(r, i, steps) != 0)
			bad = 1;
	}
	capdiff_clock_estimate(r->cc, &r->clock);
	capdiff_clock_free(r->cc);
	r->cc = NULL;
	capdiff_stream_set_clock(r->cs, r->clock.offset_us);
	for (s = 0; s < 2; s++) {
		for (k = 0; k < r->nheld[s]; k++)
			capdiff_stream_add(r->cs, s, r->held[s][k]);
		free(r->held[s]);
		r->held[s] = NULL;
		r->nheld[s] = r->cheld[s] = 0;
	}
	ca_two_advance(r);
	return bad ? -1 : 0;
}

/* Read side by side: the side behind in capture time (inside on the
 * outside clock) goes next. */
static int
ca_two_read(struct ca_two *r)
{
	uint64_t steps = 0;
	int i, bad = 0;

	if (r->cc != NULL && ca_two_estimate(r, &steps) != 0)
		bad = 1;
	while (!r->side[0].done || !r->side[1].done) {
		i = r->side[0].done ? 1 : r->side[1].done ? 0 :
		    capdiff_clock_shift(capture_position(r->side[1].c),
		    r->clock.offset_us) < capture_position(r->side[0].c);
		if (ca_two_step(r, i, &steps) != 0)
			bad = 1;
		ca_two_advance(r);
	}
	capdiff_stream_advance(r->cs, UINT64_MAX, UINT64_MAX);
	if (r->o->progress)
		fprintf(stderr, "\r\033[K");
	return bad ? -1 : 0;
}

int
cmd_analyze_two(const struct ca_two_opts *o, FILE *out)
{
	const struct capdiff_stream_stats *st;
	struct ca_two r;
	int rc, differs;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.out = out;
	r.cs = capdiff_stream_new(ca_two_pair, ca_two_alone, &r);
	if (o->clock_given) {
		capdiff_clock_given(o->clock_us, &r.clock);
		capdiff_stream_set_clock(r.cs, o->clock_us);
	} else
		r.cc = capdiff_clock_new();
	ca_two_spool_open(&r.alone[0]);
	ca_two_spool_open(&r.alone[1]);
	ca_two_header(&r);
	rc = ca_two_open(&r);
	if (ca_two_read(&r) != 0)
		rc = -1;
	st = capdiff_stream_stats(r.cs);
	differs = st->differing > 0 || st->unmatched[0] > 0 ||
	    st->unmatched[1] > 0;
	ca_two_footer(&r, differs);
	fflush(out);
	if (st->forced > 0)
		warnmsg("more than %d SMTP sessions (CAPDIFF_STREAM_HELD_MAX) "
		    "or %llu MiB of their bytes (CAPDIFF_STREAM_BYTES_MAX) "
		    "waited for a partner at once: %llu were decided early "
		    "and may be paired differently", CAPDIFF_STREAM_HELD_MAX,
		    (unsigned long long)(CAPDIFF_STREAM_BYTES_MAX >> 20),
		    (unsigned long long)st->forced);
	capdiff_stream_free(r.cs);
	capdiff_clock_free(r.cc);
	capture_free(r.side[0].c);
	capture_free(r.side[1].c);
	if (rc != 0)
		return CA_TWO_EXIT_USAGE;
	return differs ? CA_TWO_EXIT_FOUND : CA_TWO_EXIT_NONE;
}
