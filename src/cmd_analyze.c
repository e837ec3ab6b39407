/* cmd_analyze.c - mailguard-detect -r: judge the SMTP sessions of captures. */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdiff_clock.h"
#include "capture.h"
#include "cmd_analyze.h"
#include "cmd_analyze_judge.h"
#include "cmd_analyze_two.h"
#include "dialog.h"
#include "escape.h"
#include "fp_load.h"
#include "fp_match.h"
#include "mg_limits.h"
#include "out_json.h"
#include "out_text.h"
#include "report.h"
#include "transcript.h"
#include "util.h"

#define CA_EXIT_NONE		0
#define CA_EXIT_FOUND		1
#define CA_EXIT_USAGE		2
#define CA_EXIT_INCONCLUSIVE	3
/* Distinct servers listed in the summary; the rest are counted. */
#define CA_SERVERS_MAX		64
/* stdout buffer when it is not a terminal: the JSON of 50,000 sessions is
 * 136 MB, 33,000 write calls with stdio's 4 KiB. */
#define CA_STDOUT_BUF		(256 * 1024)

struct ca_server {
	char		 addr[64];
	uint16_t	 port;
	uint64_t	 sessions;
};

struct ca_opts {
	const char	*files[2];
	int		 nfiles;
	char		*filter;
	const char	*fp_file;
	int		 json, transcript, verbose, quiet, progress, color;
	int		 clock_given;	/* --clock-offset (two captures) */
	int64_t		 clock_us;
};

struct ca_run {
	const struct ca_opts *o;
	const struct fp_db *db;
	const char	*name;		/* file as given */
	uint64_t	 size;		/* 0: unknown (pipe) */
	FILE		*out;
	uint64_t	 smtp, tls;
	uint64_t	 verdicts[FP_FAM__COUNT];
	struct ca_server servers[CA_SERVERS_MAX];
	size_t		 nservers;
	uint64_t	 servers_other;
	struct ca_judge	*judge;		/* one file: judging queue */
};

static char ca_stdout_buf[CA_STDOUT_BUF];

void
cmd_analyze_usage(FILE *fp)
{
	fprintf(fp,
"usage: %s -r FILE [-r FILE2] [options] [BPF filter ...]\n"
"  -r, --read FILE   capture to read (pcap or pcapng, - for stdin);\n"
"                    a second -r compares outside (first) with inside\n"
"  --json            JSON Lines: one object per session, then a summary\n"
"  --transcript      print each SMTP dialogue, escaped\n"
"  -v, --verbose     full report for every session\n"
"  -q, --quiet       only the summary\n"
"  -F FILE           fingerprint file (default $MG_FP_FILE or %s)\n"
"  --no-progress     no progress line even on a terminal\n"
"  --no-color        no ANSI colours even on a terminal\n"
"  --clock-offset SECONDS  two captures: the inside clock is SECONDS\n"
"                    ahead of the outside one (editcap -t style, e.g.\n"
"                    -3600 or 0.25); 0 turns the estimate off\n"
"exit: 0 no interference, 1 interference (or bytes differ), 2 usage or\n"
"      I/O error, 3 no SMTP session judged\n",
	    util_progname(), PKGDATADIR "/mailguard.fp");
}

static void
ca_count_server(struct ca_run *r, const char *addr, uint16_t port)
{
	size_t i;

	for (i = 0; i < r->nservers; i++)
		if (r->servers[i].port == port &&
		    strcmp(r->servers[i].addr, addr) == 0) {
			r->servers[i].sessions++;
			return;
		}
	if (r->nservers == CA_SERVERS_MAX) {
		r->servers_other++;
		return;
	}
	util_strlcpy(r->servers[r->nservers].addr, addr,
	    sizeof(r->servers[0].addr));
	r->servers[r->nservers].port = port;
	r->servers[r->nservers++].sessions = 1;
}

/* One reply, line by line: "S: 250-text". */
static void
ca_print_reply(FILE *fp, const struct smtp_reply *rp)
{
	size_t i;
	char *e;

	for (i = 0; i < rp->nlines; i++) {
		e = escape_wire_str((const uint8_t *)rp->lines[i].text,
		    rp->lines[i].len, ESCAPE_TERM, 512);
		if (rp->lines[i].code > 0)
			fprintf(fp, "  S: %03d%c%s\n", rp->lines[i].code,
			    rp->lines[i].sep ? rp->lines[i].sep : ' ', e);
		else
			fprintf(fp, "  S: %s\n", e);
		free(e);
	}
}

static void
ca_print_exchange(FILE *fp, const struct dialog_exchange *x)
{
	size_t n = x->linelen;
	char *e;

	while (n > 0 && (x->line[n - 1] == '\n' || x->line[n - 1] == '\r'))
		n--;
	e = escape_wire_str(x->line, n, ESCAPE_TERM, 512);
	fprintf(fp, "  C: %s%s%s\n", e, x->pipelined ? "  [pipelined]" : "",
	    x->segments > 1 ? "  [split over segments]" : "");
	free(e);
	if (x->has_reply)
		ca_print_reply(fp, &x->reply);
	else
		fprintf(fp, "  -- no reply (%s)\n", dialog_end_name(x->end));
	if (!x->has_body)
		return;
	fprintf(fp, "  C: [message body: %llu bytes%s]\n",
	    (unsigned long long)x->body_bytes,
	    x->eod_split ? ", end-of-data split over segments" : "");
	if (x->has_body_reply)
		ca_print_reply(fp, &x->body_reply);
	else
		fprintf(fp, "  -- no reply to the body (%s)\n",
		    dialog_end_name(x->body_end));
}

/* The SMTP-aware dialogue of one session (--transcript). */
static void
ca_print_dialogue(FILE *fp, const struct transcript *t)
{
	struct dialog *d = dialog_from_transcript(t);
	size_t i;

	fprintf(fp, "\n--- %s dialogue: %s:%u > %s:%u\n", t->label, t->client,
	    (unsigned)t->cport, t->server, (unsigned)t->sport);
	if (d->has_greeting)
		ca_print_reply(fp, &d->greeting);
	else
		fprintf(fp, "  -- no greeting seen\n");
	for (i = 0; i < d->nex; i++) {
		ca_print_exchange(fp, &d->ex[i]);
		if (d->tls_started && i + 1 == d->nex)
			fprintf(fp, "  -- TLS starts: the rest is not SMTP "
			    "(%llu/%llu bytes C>S/S>C in all)\n",
			    (unsigned long long)d->bytes[TR_C2S],
			    (unsigned long long)d->bytes[TR_S2C]);
	}
	if (d->norphans > 0)
		fprintf(fp, "  -- %zu replies without a command\n",
		    d->norphans);
	if (d->gaps > 0)
		fprintf(fp, "  -- %llu capture gaps (nothing invented)\n",
		    (unsigned long long)d->gaps);
	for (i = 0; i < d->nanom; i++)
		fprintf(fp, "  -- anomaly %s%s%s\n", d->anom[i].name,
		    d->anom[i].detail ? ": " : "",
		    d->anom[i].detail ? d->anom[i].detail : "");
	fprintf(fp, "--- end of %s\n", t->label);
	dialog_free(d);
}

static const char *
ca_kind_text(enum flow_kind k)
{
	return k == FLOW_TLS ? "implicit TLS (counted, not parsed)" :
	    flow_kind_name(k);
}

static void
ca_tls_session(struct ca_run *r, const struct ca_job *job)
{
	json_t *o;

	r->tls++;
	ca_count_server(r, job->saddr, job->sport);
	if (r->o->json) {
		o = json_pack("{s:i, s:s, s:I, s:s, s:s, s:i, s:s, s:i}",
		    "schema", OUT_JSON_SCHEMA, "file", r->name,
		    "session", (json_int_t)job->id, "kind", "tls",
		    "address", job->saddr, "port", (int)job->sport,
		    "client", job->caddr, "cport", (int)job->cport);
		out_json_write(r->out, o);
		json_decref(o);
	} else if (!r->o->quiet)
		fprintf(r->out, "session %llu [%s]:%u from %s:%u  %s\n",
		    (unsigned long long)job->id, job->saddr,
		    (unsigned)job->sport, job->caddr, (unsigned)job->cport,
		    ca_kind_text(job->kind));
}

/* A judged SMTP session, in session order: count it and print it. */
static void
ca_smtp_session(struct ca_run *r, const struct ca_job *job)
{
	const struct report *rep = job->rep;
	json_t *o;
	int loud;

	r->smtp++;
	ca_count_server(r, job->t->server, job->t->sport);
	r->verdicts[job->family]++;
	if (r->o->json && job->json_ok)
		fwrite(job->json.data, 1, job->json.len, r->out);
	else if (r->o->json) {
		/* Past report_json's cap: jansson renders it. */
		o = out_json_capture_session(rep, r->name, "smtp",
		    job->start, flow_end_name(job->end));
		out_json_write(r->out, o);
		json_decref(o);
	} else if (!r->o->quiet) {
		loud = r->o->verbose || rep->verdict.family == FP_FAM_PIX ||
		    rep->verdict.family == FP_FAM_ASA ||
		    rep->verdict.family == FP_FAM_PROXY;
		if (loud) {
			out_text_report(r->out, rep,
			    (r->o->color ? OUT_TEXT_COLOR : 0) |
			    (r->o->verbose ? OUT_TEXT_VERBOSE : 0));
			fputc('\n', r->out);
		} else
			out_text_summary_line(r->out, rep, r->o->color);
	}
	if (r->o->transcript && !r->o->json)
		ca_print_dialogue(r->out, job->t);
}

static void
ca_commit(struct ca_job *job, void *arg)
{
	struct ca_run *r = arg;

	if (job->t == NULL)
		ca_tls_session(r, job);
	else
		ca_smtp_session(r, job);
}

/* Capture callback: queue the session for judging. */
static void
ca_session(struct capture_session *s, void *arg)
{
	struct ca_run *r = arg;
	const struct flow *f = s->flow;
	struct ca_job *job;

	job = ca_judge_slot(r->judge);
	job->id = s->id;
	job->kind = s->kind;
	job->end = s->end;
	if (s->kind == FLOW_TLS || s->t == NULL) {
		pcap_in_addr_str(f->af, f->caddr, job->caddr,
		    sizeof(job->caddr));
		pcap_in_addr_str(f->af, f->saddr, job->saddr,
		    sizeof(job->saddr));
		job->cport = f->cport;
		job->sport = f->sport;
	} else {
		job->t = s->t;
		s->t = NULL;
		util_utc_iso(job->t->start_us, job->start, sizeof(job->start));
	}
	ca_judge_submit(r->judge);
}

static void
ca_progress(uint64_t bytes, void *arg)
{
	const struct ca_run *r = arg;

	if (r->size > 0)
		fprintf(stderr, "\r%s: %.1f of %.1f MB (%d%%)", r->name,
		    (double)bytes / 1e6, (double)r->size / 1e6,
		    (int)(bytes * 100 / r->size));
	else
		fprintf(stderr, "\r%s: %.1f MB", r->name, (double)bytes / 1e6);
}

static json_t *
ca_summary_json(const struct ca_run *r, const struct capture_stats *st,
    const char *err)
{
	const struct flow_stats *fs = &st->flows;
	json_t *o, *v, *e, *sk, *sv, *ra;
	char t0[48], t1[48];
	size_t i;
	int k;

	v = json_object();
	for (k = 0; k < FP_FAM__COUNT; k++)
		json_object_set_new(v, fp_family_name((enum fp_family)k),
		    json_integer((json_int_t)r->verdicts[k]));
	e = json_object();
	for (k = 0; k < FLOW_END__COUNT; k++)
		json_object_set_new(e, flow_end_name((enum flow_end)k),
		    json_integer((json_int_t)fs->evicted[k]));
	sk = json_object();
	for (k = 1; k < PCAP_SKIP__COUNT; k++)
		json_object_set_new(sk, pcap_in_skip_name((enum pcap_skip)k),
		    json_integer((json_int_t)st->skipped[k]));
	sv = json_array();
	for (i = 0; i < r->nservers; i++)
		json_array_append_new(sv, json_pack("{s:s, s:i, s:I}",
		    "address", r->servers[i].addr, "port",
		    (int)r->servers[i].port, "sessions",
		    (json_int_t)r->servers[i].sessions));
	ra = json_pack("{s:I, s:I, s:I, s:I, s:I}",
	    "retransmissions", (json_int_t)fs->retrans,
	    "out_of_order", (json_int_t)fs->ooo,
	    "gaps", (json_int_t)fs->gaps,
	    "gap_bytes", (json_int_t)fs->gap_bytes,
	    "overlaps_differing", (json_int_t)fs->overlap_diff);
	util_utc_iso(st->first_us, t0, sizeof(t0));
	util_utc_iso(st->last_us, t1, sizeof(t1));
	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, "
	    "s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:I}",
	    "file", r->name, "records", (json_int_t)st->records,
	    "records_matched", (json_int_t)st->matched,
	    "tcp_segments", (json_int_t)st->tcp,
	    "sessions", (json_int_t)fs->flows,
	    "smtp_sessions", (json_int_t)r->smtp,
	    "tls_sessions", (json_int_t)r->tls,
	    "other_sessions", (json_int_t)fs->kind[FLOW_OTHER],
	    "first_packet", st->matched ? t0 : "",
	    "last_packet", st->matched ? t1 : "",
	    "verdicts", v, "servers", sv,
	    "servers_not_listed", (json_int_t)r->servers_other,
	    "evictions", e, "reassembly", ra, "skipped", sk,
	    "flows_max_active", (json_int_t)fs->active_max,
	    "order_relaxed", (json_int_t)st->order_relaxed);
	json_object_set_new(o, "error", err ? json_string(err) : json_null());
	return json_pack("{s:i, s:o}", "schema", OUT_JSON_SCHEMA,
	    "capture_summary", o);
}

static void
ca_summary_text(const struct ca_run *r, const struct capture_stats *st)
{
	const struct flow_stats *fs = &st->flows;
	FILE *fp = r->out;
	char t0[48], t1[48];
	size_t i;
	int k, any = 0;

	util_utc_iso(st->first_us, t0, sizeof(t0));
	util_utc_iso(st->last_us, t1, sizeof(t1));
	fprintf(fp, "\nCapture %s: %llu records", r->name,
	    (unsigned long long)st->records);
	if (st->matched != st->records)
		fprintf(fp, " (%llu through the filter)",
		    (unsigned long long)st->matched);
	if (st->matched)
		fprintf(fp, ", %s to %s", t0, t1);
	fprintf(fp, "\n  sessions: %llu TCP, %llu SMTP, %llu implicit TLS, "
	    "%llu other\n", (unsigned long long)fs->flows,
	    (unsigned long long)r->smtp, (unsigned long long)r->tls,
	    (unsigned long long)fs->kind[FLOW_OTHER]);
	fprintf(fp, "  verdicts:");
	for (k = 0; k < FP_FAM__COUNT; k++)
		if (r->verdicts[k] > 0)
			fprintf(fp, "%s %s %llu", any++ ? "," : "",
			    fp_family_name((enum fp_family)k),
			    (unsigned long long)r->verdicts[k]);
	fprintf(fp, "%s\n", any ? "" : " none judged");
	fprintf(fp, "  servers:");
	for (i = 0; i < r->nservers; i++)
		fprintf(fp, "%s %s:%u (%llu)", i ? "," : "",
		    r->servers[i].addr, (unsigned)r->servers[i].port,
		    (unsigned long long)r->servers[i].sessions);
	if (r->servers_other > 0)
		fprintf(fp, ", %llu more sessions to other servers",
		    (unsigned long long)r->servers_other);
	fprintf(fp, "%s\n", r->nservers ? "" : " none");
	fprintf(fp, "  flows ended by: fin %llu, rst %llu, idle %llu, "
	    "cap %llu, end of file %llu (at most %llu open)\n",
	    (unsigned long long)fs->evicted[FLOW_END_FIN],
	    (unsigned long long)fs->evicted[FLOW_END_RST],
	    (unsigned long long)fs->evicted[FLOW_END_IDLE],
	    (unsigned long long)fs->evicted[FLOW_END_CAP],
	    (unsigned long long)fs->evicted[FLOW_END_EOF],
	    (unsigned long long)fs->active_max);
	fprintf(fp, "  reassembly: %llu retransmitted, %llu out of order, "
	    "%llu gaps (%llu bytes), %llu differing overlaps\n",
	    (unsigned long long)fs->retrans, (unsigned long long)fs->ooo,
	    (unsigned long long)fs->gaps, (unsigned long long)fs->gap_bytes,
	    (unsigned long long)fs->overlap_diff);
	any = 0;
	for (k = 1; k < PCAP_SKIP__COUNT; k++)
		if (st->skipped[k] > 0)
			fprintf(fp, "%s %s %llu", any++ ? "," :
			    "  records skipped:",
			    pcap_in_skip_name((enum pcap_skip)k),
			    (unsigned long long)st->skipped[k]);
	if (any)
		fputc('\n', fp);
}

/*
 * Verdict families whose sessions need the full report: the ones
 * ca_smtp_session() prints in full (all with -v, interference otherwise,
 * none with -q); the rest print one summary line and get a brief report.
 */
static unsigned
ca_full_families(const struct ca_opts *o)
{
	if (o->json || o->verbose)
		return ~0u;
	if (o->quiet)
		return 0;
	return 1u << FP_FAM_PIX | 1u << FP_FAM_ASA | 1u << FP_FAM_PROXY;
}

/* Read one file; 0, or -1 after printing the error line. */
static int
ca_read(struct ca_run *r, const char *path, struct capture_stats *st)
{
	struct capture_opts co;
	struct capture *c;
	char err[MG_ERRBUF_SIZE];
	json_t *o;
	int rc;

	memset(&co, 0, sizeof(co));
	co.filter = r->o->filter;
	r->name = path;
	r->size = util_file_size(path);
	if (r->o->progress) {
		co.progress = ca_progress;
		co.progress_arg = r;
	}
	r->judge = ca_judge_new(r->db, r->o->json, ca_full_families(r->o),
	    path, ca_judge_threads_default(), ca_commit, r);
	c = capture_new(&co, ca_session, r);
	err[0] = '\0';
	rc = capture_run(c, path, err);
	/* Every session judged and printed before the summary. */
	ca_judge_free(r->judge);
	r->judge = NULL;
	if (r->o->progress)
		fprintf(stderr, "\r\033[K");
	*st = *capture_stats(c);
	capture_free(c);
	transcript_pool_drain();
	if (r->o->json) {
		o = ca_summary_json(r, st, rc ? err : NULL);
		out_json_write(r->out, o);
		json_decref(o);
	} else if (rc == 0 || st->records > 0)
		ca_summary_text(r, st);
	fflush(r->out);
	if (rc != 0)
		warnmsg("%s", err);
	return rc;
}

static int
ca_exit_single(const struct ca_run *r)
{
	if (r->verdicts[FP_FAM_PIX] + r->verdicts[FP_FAM_ASA] +
	    r->verdicts[FP_FAM_PROXY] > 0)
		return CA_EXIT_FOUND;
	return r->verdicts[FP_FAM_NONE] > 0 ? CA_EXIT_NONE :
	    CA_EXIT_INCONCLUSIVE;
}

static char *
ca_join(int argc, char **argv)
{
	struct buf b;
	char *s;
	int i;

	if (argc <= 0)
		return NULL;
	buf_init(&b, MG_LINE_MAX);
	for (i = 0; i < argc; i++)
		if ((i > 0 && buf_append_str(&b, " ") < 0) ||
		    buf_append_str(&b, argv[i]) < 0)
			break;
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

enum { CA_OPT_JSON = 256, CA_OPT_TRANSCRIPT, CA_OPT_NOPROGRESS,
    CA_OPT_NOCOLOR, CA_OPT_HELP, CA_OPT_CLOCK };

static int
ca_parse(int argc, char **argv, struct ca_opts *o)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, CA_OPT_JSON },
		{ "transcript", no_argument, NULL, CA_OPT_TRANSCRIPT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-progress", no_argument, NULL, CA_OPT_NOPROGRESS },
		{ "no-color", no_argument, NULL, CA_OPT_NOCOLOR },
		{ "help", no_argument, NULL, CA_OPT_HELP },
		{ "clock-offset", required_argument, NULL, CA_OPT_CLOCK },
		{ NULL, 0, NULL, 0 }
	};
	char err[MG_ERRBUF_SIZE];
	int ch;

	memset(o, 0, sizeof(*o));
	o->progress = isatty(fileno(stderr));
	o->color = isatty(fileno(stdout)) && getenv("NO_COLOR") == NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:F:vqh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (o->nfiles == 2) {
				warnmsg("at most two -r captures");
				return -1;
			}
			o->files[o->nfiles++] = optarg;
			break;
		case 'F':
			o->fp_file = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case CA_OPT_JSON:
			o->json = 1;
			break;
		case CA_OPT_TRANSCRIPT:
			o->transcript = 1;
			break;
		case CA_OPT_NOPROGRESS:
			o->progress = 0;
			break;
		case CA_OPT_NOCOLOR:
			o->color = 0;
			break;
		case CA_OPT_CLOCK:
			if (capdiff_clock_parse(optarg, &o->clock_us,
			    err) != 0) {
				warnmsg("%s", err);
				return -1;
			}
			o->clock_given = 1;
			break;
		case 'h':
		case CA_OPT_HELP:
			cmd_analyze_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (o->nfiles == 0) {
		warnmsg("-r FILE is required");
		return -1;
	}
	if (o->clock_given && o->nfiles != 2) {
		warnmsg("--clock-offset needs two -r captures");
		return -1;
	}
	if (o->nfiles == 2 && strcmp(o->files[0], "-") == 0 &&
	    strcmp(o->files[1], "-") == 0) {
		warnmsg("only one capture can come from stdin");
		return -1;
	}
	o->filter = ca_join(argc - optind, argv + optind);
	return 0;
}

int
cmd_analyze(int argc, char **argv)
{
	struct ca_opts o;
	struct ca_run r;
	struct capture_stats st;
	struct fp_db *db = NULL;
	char err[MG_ERRBUF_SIZE];
	int rc, status;

	if ((rc = ca_parse(argc, argv, &o)) != 0) {
		if (rc < 0)
			cmd_analyze_usage(stderr);
		return rc < 0 ? CA_EXIT_USAGE : CA_EXIT_NONE;
	}
	/* Nothing written to stdout yet (setvbuf must come first); glibc
	 * ignores the size unless given the buffer, which must outlive
	 * stdout (static). */
	if (!isatty(fileno(stdout)))
		(void)setvbuf(stdout, ca_stdout_buf, _IOFBF,
		    sizeof(ca_stdout_buf));
	if (o.nfiles == 2) {
		struct ca_two_opts two = { .files = { o.files[0], o.files[1] },
		    .filter = o.filter, .json = o.json,
		    .progress = o.progress, .clock_given = o.clock_given,
		    .clock_us = o.clock_us };

		status = cmd_analyze_two(&two, stdout);
		free(o.filter);
		return status;
	}
	db = fp_load_file(o.fp_file ? o.fp_file : fp_load_default_path(),
	    err);
	if (db == NULL) {
		warnmsg("%s", err);
		free(o.filter);
		return CA_EXIT_USAGE;
	}
	memset(&r, 0, sizeof(r));
	r.o = &o;
	r.db = db;
	r.out = stdout;
	rc = ca_read(&r, o.files[0], &st);
	/* a failed write to stdout: main() says it and exits 2 */
	status = rc != 0 ? CA_EXIT_USAGE : ca_exit_single(&r);
	fp_db_free(db);
	free(o.filter);
	return status;
}
