/*
 * report_probe.h - the part of report.c that says what each probe (or
 * captured session) sent, received and showed (struct report_probe),
 * and the scratch-buffer helpers both files use.
 *
 * Internal to the report module (report.c and report_probe.c); callers
 * use report.h.  Ownership as there: every string made here is a copy
 * in the report's arena (r->arena), escaped; the dialog and transcript
 * may be freed first.  Nothing here prints or fails (a full scratch
 * buffer keeps what fit, as buf_append does).
 */
#ifndef REPORT_PROBE_H
#define REPORT_PROBE_H

#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "report.h"

struct dialog;
struct transcript;

/* The probe line of t (its dialog d) into *p (b: scratch buffer). */
void	report_probe_make(struct report *r, struct buf *b,
	    const struct transcript *t, const struct dialog *d,
	    struct report_probe *p);

/* The text in b, copied into r's arena. */
static inline char *
report_take(struct report *r, const struct buf *b)
{
	return arena_memdup0(&r->arena, b->data, b->len);
}

/* n bytes at s appended to b, in place when b has the room (the
 * report's scratch has: buf_room), else as buf_append does. */
static inline void
report_put(struct buf *b, const char *s, size_t n)
{
	if (b->size > b->len + n && b->cap - b->len >= n) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len] = '\0';
	} else
		(void)buf_append(b, s, n);
}

#define REPORT_LIT(b, s)	report_put((b), (s), sizeof(s) - 1)

static inline void
report_puts(struct buf *b, const char *s)
{
	report_put(b, s, strlen(s));
}

#endif /* REPORT_PROBE_H */
