/* cmd_probe_run.c - mailguard-detect: run the probes, judge, print. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd_probe.h"
#include "cmd_probe_int.h"
#include "escape.h"
#include "exposure.h"
#include "fp_load.h"
#include "lockdown.h"
#include "out_json.h"
#include "out_text.h"
#include "probe_cmp.h"
#include "probe_run.h"
#include "report.h"
#include "tls.h"
#include "transcript.h"
#include "util.h"

struct cp_run {
	struct cp_opts		*o;
	struct fp_db		*db;
	FILE			*save_fp;
	json_t			*baseline;
	struct lockdown_cidr	 allowed[LOCKDOWN_CIDRS_MAX];
	size_t			 nallowed;
	int			 have_allowed;
	size_t			 done, total;
	int			 progress;
	int			 found, inconclusive, ioerr, cleared;
	int			 save_err;	/* --save failed, said once */
	int			 nreports;
};

static void
cp_progress(struct cp_run *r, int final)
{
	if (!r->progress)
		return;
	if (final)
		fprintf(stderr, "\r\033[K");
	else
		fprintf(stderr, "\r\033[K%zu/%zu targets done", r->done,
		    r->total);
	fflush(stderr);
}

/* Probes that did not end normally get a line saying what happened;
 * all such lines go in one note. */
static void
cp_outcome_notes(struct report *rep, const struct probe_job *j)
{
	struct buf b, tls;
	size_t i;

	buf_init(&b, 0);
	buf_init(&tls, 0);
	for (i = 0; i < j->n; i++) {
		const struct probe_result *res = &j->res[i];

		if (res->tls_ok)
			buf_printf(&tls, "%s%s: TLS ok, %s, certificate %s",
			    tls.len ? "\n  " : "", res->def->name,
			    res->tls_proto, res->tls_subject[0] ?
			    res->tls_subject : "-");
		if (res->outcome == PO_DONE)
			continue;
		buf_printf(&b, "%s%s: %s%s%s (%.1f s)", b.len ? "\n  " : "",
		    res->def->name, probe_outcome_name(res->outcome),
		    res->detail[0] ? ": " : "", res->detail,
		    (double)res->elapsed_us / 1e6);
	}
	if (tls.len > 0)
		report_add_note(rep, "tls", buf_cstr(&tls));
	if (b.len > 0)
		report_add_note(rep, "probes that did not finish",
		    buf_cstr(&b));
	buf_free(&b);
	buf_free(&tls);
}

static int
cp_connected(const struct probe_job *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (j->res[i].outcome != PO_CONNECT_FAILED &&
		    j->res[i].outcome != PO_SKIPPED &&
		    j->res[i].tr != NULL && j->res[i].tr->nev > 0 &&
		    j->res[i].tr->ev[0].kind == TR_EV_CONNECT)
			return 1;
	return 0;
}

/* --lockdown / --egress: print the check line; returns the exit code. */
static int
cp_lockdown(struct cp_run *r, struct report *rep, const struct probe_job *j)
{
	struct lockdown_result lr;
	char src[INET6_ADDRSTRLEN] = "";
	struct buf b;
	int egress = r->o->egress != NULL;

	lockdown_source_addr(&j->addr, src, sizeof(src));
	lockdown_judge(&j->res[0], src, r->allowed,
	    r->have_allowed ? r->nallowed : 0, &lr);
	if (!r->have_allowed)
		lr.in_allowed = -1;
	buf_init(&b, 0);
	lockdown_format(&lr, egress, &b);
	if (!r->o->json)
		fwrite(b.data, 1, b.len, stdout);
	report_add_note(rep, egress ? "egress" : "lockdown", buf_cstr(&b));
	buf_free(&b);
	return lockdown_exit_code(&lr, egress);
}

/* Most severe first. */
static int
cp_sev_cmp(const void *a, const void *b)
{
	const struct exposure_finding *fa = a, *fb = b;

	return (int)fb->sev - (int)fa->sev;
}

static int
cp_exposure(struct report *rep, const struct probe_job *j)
{
	struct exposure_finding f[EXPOSURE_FINDINGS_MAX];
	char line[512];
	size_t n, i;
	int worst = 0;

	n = exposure_judge(j->res, j->n, f, EXPOSURE_FINDINGS_MAX);
	qsort(f, n, sizeof(f[0]), cp_sev_cmp);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%s: %s [%s]%s%s",
		    exposure_sev_name(f[i].sev), f[i].text, f[i].probe,
		    f[i].reply[0] ? " reply: " : "", f[i].reply);
		report_add_note(rep, "exposure", line);
		if (f[i].sev >= EXPOSURE_MEDIUM)
			worst = 1;
	}
	if (n == 0)
		report_add_note(rep, "exposure", "nothing dangerous is "
		    "reachable: every exposure probe was refused");
	return worst;
}

static void
cp_compare(struct cp_run *r, json_t *now, const struct probe_job *j)
{
	json_t *before;
	struct buf b;

	before = probe_cmp_find(r->baseline, j->target, j->addr.addr,
	    j->addr.port);
	buf_init(&b, 0);
	if (before == NULL)
		buf_printf(&b, "compare %s (%s port %u): not in the "
		    "baseline\n", j->target, j->addr.addr, j->addr.port);
	else if (probe_cmp_diff(before, now, &b) == 0)
		buf_printf(&b, "compare %s: no change\n", j->target);
	fwrite(b.data, 1, b.len, r->o->json ? stderr : stdout);
	buf_free(&b);
}

static void
cp_output(struct cp_run *r, struct report *rep, const struct probe_job *j)
{
	json_t *obj = NULL;

	if (r->o->json || r->save_fp != NULL || r->baseline != NULL)
		obj = out_json_report(rep);
	if (r->o->json) {
		if (out_json_write(stdout, obj) == -1)
			r->ioerr = 1;
	} else if (!r->o->lockdown && r->o->egress == NULL) {
		if (r->nreports++ > 0)
			fputc('\n', stdout);
		out_text_report(stdout, rep,
		    (r->o->color ? OUT_TEXT_COLOR : 0) |
		    (r->o->verbose ? OUT_TEXT_VERBOSE : 0));
	}
	if (r->save_fp != NULL && out_json_write(r->save_fp, obj) == -1 &&
	    !r->save_err) {
		/* once: a full disk would repeat it for every target */
		warnmsg("%s: write error: %s", r->o->save, strerror(errno));
		r->ioerr = r->save_err = 1;
	}
	if (r->baseline != NULL)
		cp_compare(r, obj, j);
	json_decref(obj);
	fflush(stdout);
}

static void
cp_job_done(struct probe_job *j, void *arg)
{
	struct cp_run *r = arg;
	struct transcript *t[2 * CP_DEFS_MAX];
	struct report *rep;
	size_t i, n = 0;
	int code;

	for (i = 0; i < j->n; i++) {
		if (j->res[i].tr != NULL)
			t[n++] = j->res[i].tr;
		if (j->res[i].inner != NULL)
			t[n++] = j->res[i].inner;
	}
	rep = report_from_probes(r->db, j->target, j->addr.addr,
	    j->addr.port, t, n);
	code = report_exit_code(rep);
	if (!cp_connected(j)) {
		char line[MG_ERRBUF_SIZE + 64];

		snprintf(line, sizeof(line), "no probe could connect (%s)",
		    j->n > 0 && j->res[0].detail[0] ? j->res[0].detail :
		    "no probe run");
		report_add_note(rep, "unreachable", line);
		code = CMD_EXIT_INCONCLUSIVE;
	} else
		cp_outcome_notes(rep, j);
	if (r->o->lockdown || r->o->egress != NULL)
		code = cp_lockdown(r, rep, j);
	else if (r->o->exposure)
		code = cp_exposure(rep, j);
	cp_progress(r, 1);
	cp_output(r, rep, j);
	if (code == CMD_EXIT_FOUND)
		r->found = 1;
	else if (code == CMD_EXIT_INCONCLUSIVE)
		r->inconclusive = 1;
	else if (code == CMD_EXIT_NONE && r->baseline != NULL)
		r->cleared++;
	report_free(rep);
	r->done++;
	cp_progress(r, 0);
}

static void
cp_error_target(struct cp_run *r, const char *spec, const char *err)
{
	json_t *o;

	r->inconclusive = 1;
	r->done++;
	if (!r->o->json) {
		warnmsg("%s: %s", spec, err);
		return;
	}
	o = json_pack("{s:s, s:s, s:{s:s, s:s, s:i}}", "target", spec,
	    "error", err, "verdict", "family", "inconclusive", "generation",
	    "", "confidence", 0);
	if (o != NULL && out_json_write(stdout, o) == -1)
		r->ioerr = 1;
	json_decref(o);
}

/* Parse and resolve every target, queueing one job per address. */
static int
cp_queue(struct cp_run *r, struct probe_run *run)
{
	struct target_addr *addrs;
	char err[MG_ERRBUF_SIZE];
	size_t i, k, n;

	addrs = xcalloc(TARGET_ADDRS_MAX, sizeof(*addrs));
	for (i = 0; i < r->o->nspecs; i++) {
		struct target_spec t;

		if (target_parse(r->o->specs[i], &t, err) == -1) {
			warnmsg("%s", err);
			free(addrs);
			return -1;
		}
	}
	for (i = 0; i < r->o->nspecs; i++) {
		struct target_spec t;

		target_parse(r->o->specs[i], &t, err);
		if (target_resolve(&t, r->o->use_mx, addrs, TARGET_ADDRS_MAX,
		    &n, err) == -1) {
			cp_error_target(r, t.spec, err);
			continue;
		}
		for (k = 0; k < n; k++) {
			probe_run_add(run, t.spec, &addrs[k], r->o->defs,
			    r->o->ndefs);
			r->total++;
		}
	}
	free(addrs);
	return 0;
}

static int
cp_setup(struct cp_run *r, struct cp_opts *o)
{
	char err[MG_ERRBUF_SIZE];
	const char *fp = o->fp_file ? o->fp_file : fp_load_default_path();

	if ((r->db = fp_load_file(fp, err)) == NULL) {
		warnmsg("%s", err);
		return -1;
	}
	if (o->allowed != NULL) {
		if (lockdown_parse_cidrs(o->allowed, r->allowed,
		    LOCKDOWN_CIDRS_MAX, &r->nallowed, err) == -1) {
			warnmsg("--allowed: %s", err);
			return -1;
		}
		r->have_allowed = 1;
	}
	if (o->compare != NULL &&
	    (r->baseline = probe_cmp_load(o->compare, err)) == NULL) {
		warnmsg("%s", err);
		return -1;
	}
	if (o->save != NULL && (r->save_fp = fopen(o->save, "w")) == NULL) {
		warnmsg("%s: cannot write", o->save);
		return -1;
	}
	return 0;
}

static int
cp_exit(const struct cp_run *r)
{
	if (r->ioerr)
		return CMD_EXIT_USAGE;
	if (r->baseline != NULL)	/* --compare: 0 when it is gone */
		return r->found ? CMD_EXIT_FOUND : r->inconclusive ?
		    CMD_EXIT_INCONCLUSIVE : CMD_EXIT_NONE;
	if (r->found)
		return CMD_EXIT_FOUND;
	return r->inconclusive ? CMD_EXIT_INCONCLUSIVE : CMD_EXIT_NONE;
}

int
cp_run(struct cp_opts *o)
{
	struct cp_run r;
	struct probe_run *run = NULL;
	char err[MG_ERRBUF_SIZE];
	int rc = CMD_EXIT_USAGE;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.progress = isatty(fileno(stderr));
	if (cp_setup(&r, o) == -1)
		goto out;
	if ((o->po.tls = tls_ctx_new(err)) == NULL)
		warnmsg("TLS unavailable, STARTTLS will not be tried: %s",
		    err);
	run = probe_run_new(&o->po, o->parallel, cp_job_done, &r);
	if (cp_queue(&r, run) == -1)
		goto out;
	cp_progress(&r, 0);
	if (probe_run_loop(run, err) == -1) {
		warnmsg("%s", err);
		goto out;
	}
	cp_progress(&r, 1);
	rc = cp_exit(&r);
out:
	probe_run_free(run);
	tls_ctx_free(o->po.tls);
	o->po.tls = NULL;
	if (r.save_fp != NULL && fclose(r.save_fp) == EOF && !r.save_err) {
		warnmsg("%s: write error: %s", o->save, strerror(errno));
		rc = CMD_EXIT_USAGE;
	}
	json_decref(r.baseline);
	fp_db_free(r.db);
	return rc;
}
