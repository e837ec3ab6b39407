/* fuzz_smtp_reply.c - libFuzzer harness: reply parser, EHLO keywords. */
/*
 * Properties checked beyond "no crash, no leak": the same input parsed
 * whole and split in two at a point chosen by the first byte gives the
 * same replies (segmentation invariance), every reply's lines stay within
 * the cap, and escaping yields printable ASCII only.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "mg_limits.h"
#include "smtp_ext.h"
#include "smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_digest(struct buf *out, const struct smtp_reply *r)
{
	struct smtp_ext_list l;
	size_t i;
	char *s;

	buf_printf(out, "%d %d.%d.%d %zu %zu %x %llu %llu\n", r->code,
	    r->enh_class, r->enh_subject, r->enh_detail, r->nlines,
	    r->ndropped, r->anomalies, (unsigned long long)r->off,
	    (unsigned long long)r->end);
	if (r->nlines > MG_REPLY_LINES_MAX)
		abort();
	for (i = 0; i < r->nlines; i++) {
		if (r->lines[i].len > MG_LINE_MAX)
			abort();
		s = escape_wire_str((const uint8_t *)r->lines[i].text,
		    r->lines[i].len, ESCAPE_JSON, 0);
		for (const char *q = s; *q != '\0'; q++)
			if (*q < 0x20 || *q > 0x7e)
				abort();
		buf_printf(out, "%c%d %s\n", r->lines[i].sep ? r->lines[i].sep :
		    '0', r->lines[i].code, s);
		free(s);
	}
	if (smtp_ext_parse(r, &l) == 0) {
		for (i = 0; i < l.n; i++) {
			const char *cand[4];

			if (l.v[i].masked)
				(void)smtp_ext_decode(l.v[i].mask_len, cand, 4);
			(void)smtp_ext_find(&l, l.v[i].keyword);
		}
	}
	smtp_ext_list_free(&l);
}

static void
fuzz_run(const uint8_t *data, size_t size, size_t cut, struct buf *out)
{
	struct smtp_reply_parser rp;
	struct smtp_reply r;
	const uint8_t *p = data, *mid = data + cut, *end = data + size;

	memset(&r, 0, sizeof(r));
	smtp_reply_parser_init(&rp, 0);
	while (smtp_reply_feed(&rp, &p, mid, &r) == SMTP_OK) {
		fuzz_digest(out, &r);
		smtp_reply_clear(&r);
	}
	while (smtp_reply_feed(&rp, &p, end, &r) == SMTP_OK) {
		fuzz_digest(out, &r);
		smtp_reply_clear(&r);
	}
	if (smtp_reply_finish(&rp, &r) == SMTP_OK) {
		fuzz_digest(out, &r);
		smtp_reply_clear(&r);
	}
	smtp_reply_parser_free(&rp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;
	size_t cut;

	cut = size > 0 ? data[0] % (size + 1) : 0;
	buf_init(&a, 64 * 1024 * 1024);
	buf_init(&b, 64 * 1024 * 1024);
	fuzz_run(data, size, size, &a);
	fuzz_run(data, size, cut, &b);
	if (a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len)))
		abort();
	buf_free(&a);
	buf_free(&b);
	return 0;
}
