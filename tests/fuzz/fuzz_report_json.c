/* fuzz_report_json.c - libFuzzer harness: report_json == jansson's bytes. */
/*
 * Capture bytes (pcap or pcapng, through fmemopen and libpcap) are read
 * the way mailguard-detect -r reads them; every SMTP session is judged
 * (report_from_capture_session, or the analyzer's brief report when bit 1
 * of the last byte is set: the first bytes are the file's magic) and
 * rendered twice: by report_json_session(),
 * the analyzer's hand-written writer, and by out_json_report() +
 * json_dumps() with the analyzer's four extra keys, as cmd_analyze does
 * when it falls back.  Any difference aborts (both lines on stderr).  Bit
 * 2 of the last byte names the capture "f\xc3.pcap" (not UTF-8: jansson
 * refuses it, the "file" key must be left out by both).
 *
 * The fingerprint file: $MG_FP_FILE, else the source tree's
 * src/mailguard.fp (MG_SRC_FP, set by Makefile.am for the replay build),
 * else PKGDATADIR/mailguard.fp (tests/fuzz/run.sh points PKGDATADIR at
 * the source tree's src/).
 *
 * Run: FUZZ_SECONDS=600 nice -n 19 sh tests/fuzz/run.sh report_json
 * (from a build dir, top_srcdir and top_builddir set; see run.sh).
 * Seeds: tests/fuzz/corpus/report_json/ (small captures).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "capture.h"
#include "flow.h"
#include "fp_load.h"
#include "mg_limits.h"
#include "out_json.h"
#include "report.h"
#include "report_json.h"
#include "util.h"

#ifdef MG_SRC_FP
#define FUZZ_FP_PATH	MG_SRC_FP
#else
#define FUZZ_FP_PATH	PKGDATADIR "/mailguard.fp"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_rj {
	const struct fp_db	*db;
	int			 brief;
	const char		*file;
	struct buf		 out;
};

static const struct fp_db *
fuzz_db(void)
{
	static struct fp_db *db;
	char err[MG_ERRBUF_SIZE];
	const char *path;

	if (db != NULL)
		return db;
	path = getenv("MG_FP_FILE") != NULL ? getenv("MG_FP_FILE") :
	    FUZZ_FP_PATH;
	if ((db = fp_load_file(path, err)) == NULL) {
		fprintf(stderr, "fuzz_report_json: %s\n", err);
		abort();
	}
	return db;
}

/* cmd_analyze's jansson rendering of one session, with its newline. */
static char *
fuzz_jansson(const struct report *r, const struct report_json_extra *x)
{
	json_t *o = out_json_capture_session(r, x->file, x->kind, x->start,
	    x->end);
	char *s, *line;

	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		abort();
	line = xasprintf("%s\n", s);
	free(s);
	return line;
}

static void
fuzz_session(struct capture_session *s, void *arg)
{
	struct fuzz_rj *st = arg;
	struct report_json_extra x;
	struct report *r;
	char *want;

	if (s->t == NULL)
		return;
	r = st->brief ? report_from_capture_select(st->db, s->t,
	    (size_t)s->id, 0) : report_from_capture_session(st->db, s->t,
	    (size_t)s->id);
	x.file = st->file;
	x.kind = "smtp";
	x.start = "2020-09-13T12:26:40.000000Z";
	x.end = flow_end_name(s->end);
	buf_reset(&st->out);
	if (report_json_session(&st->out, r, &x) == 0) {
		want = fuzz_jansson(r, &x);
		if (strcmp(want, buf_cstr(&st->out)) != 0) {
			fprintf(stderr, "report_json differs from jansson\n"
			    " got  %.4000s\n want %.4000s\n",
			    buf_cstr(&st->out), want);
			abort();
		}
		free(want);
	}
	report_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_rj st;
	struct capture *c;
	char err[MG_ERRBUF_SIZE];
	FILE *fp;

	if (size == 0)
		return 0;
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	memset(&st, 0, sizeof(st));
	st.db = fuzz_db();
	st.brief = (data[size - 1] & 2) != 0;
	st.file = (data[size - 1] & 4) ? "f\xc3.pcap" : "fuzz.pcap";
	buf_init(&st.out, REPORT_JSON_CAP);
	c = capture_new(NULL, fuzz_session, &st);
	(void)capture_run_fp(c, fp, "fuzz", err);
	capture_free(c);
	buf_free(&st.out);
	return 0;
}
