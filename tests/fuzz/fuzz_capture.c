/* fuzz_capture.c - libFuzzer harness: capture bytes to transcripts. */
/*
 * The whole capture pipeline from bytes in memory (pcap or pcapng,
 * through fmemopen and libpcap) to reassembled transcripts, then the
 * dialogue replay, and, when the first byte is odd, the two-capture
 * matcher over the sessions against themselves.  Properties beyond "no
 * crash, no leak, no unbounded allocation": every DATA event lies inside
 * its stored stream, streams respect MG_TRANSCRIPT_BYTES_MAX, and a
 * capture compared with itself has no differing byte.
 *
 * Build from a configured build dir (for config.h), with clang:
 *   S=/work/main
 *   clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
 *     -I. -I$S/include -o fuzz_capture $S/tests/fuzz/fuzz_capture.c \
 *     $(ls $S/src/*.c | grep -v -e _main.c -e /cmd_) -DPKGDATADIR=\"/tmp\" \
 *     $(pkg-config --cflags --libs libpcap jansson libevent libevent_openssl \
 *       openssl libnetfilter_queue) $(libnet-config --libs) -lresolv -lm
 *   ./fuzz_capture -max_total_time=300 -rss_limit_mb=512 corpus-cap \
 *     $S/tests/fuzz/corpus/capture
 * Seeds: tests/fuzz/corpus/capture/ (the project's captures/ and files
 * written by tests/unit/capgen.c).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiff.h"
#include "capture.h"
#include "dialog.h"
#include "mg_limits.h"
#include "transcript.h"

#define FUZZ_KEEP_MAX	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_state {
	struct transcript *kept[FUZZ_KEEP_MAX];
	size_t		 n;
};

static void
fuzz_check(const struct transcript *t)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (t->stream[i].len > MG_TRANSCRIPT_BYTES_MAX)
			abort();
	for (i = 0; i < t->nev; i++)
		if (t->ev[i].kind == TR_EV_DATA &&
		    t->ev[i].off + t->ev[i].len > t->stream[t->ev[i].dir].len)
			abort();
}

static void
fuzz_session(struct capture_session *s, void *arg)
{
	struct fuzz_state *st = arg;
	struct dialog *d;

	if (s->t == NULL)
		return;
	fuzz_check(s->t);
	d = dialog_from_transcript(s->t);
	dialog_free(d);
	if (st->n < FUZZ_KEEP_MAX) {
		st->kept[st->n++] = s->t;
		s->t = NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state st;
	struct capture *c;
	struct capdiff *cd;
	char err[MG_ERRBUF_SIZE];
	FILE *fp;
	size_t i;

	if (size == 0)
		return 0;
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	memset(&st, 0, sizeof(st));
	c = capture_new(NULL, fuzz_session, &st);
	(void)capture_run_fp(c, fp, "fuzz", err);
	capture_free(c);
	if (data[0] & 1) {
		cd = capdiff_new(st.kept, st.n, st.kept, st.n);
		for (i = 0; i < cd->npairs; i++)
			if (cd->pairs[i].a == cd->pairs[i].b &&
			    cd->pairs[i].nranges != 0)
				abort();
		capdiff_free(cd);
	}
	for (i = 0; i < st.n; i++)
		transcript_free(st.kept[i]);
	return 0;
}
