/*
 * out_text.h - the terminal rendering of a report: verdict line first,
 * then evidence, decoded EHLO keywords, the verb table, effects, the fix,
 * the per-probe list, anomalies and notes.
 *
 * Every piece of wire text in a report is already escaped (report.h), so
 * this module only lays it out.  OUT_TEXT_COLOR adds ANSI colours (callers
 * set it when isatty(fileno(fp)) && !NO_COLOR).  Writes to fp, never
 * exits; stdio errors are the caller's to check with ferror().
 */
#ifndef OUT_TEXT_H
#define OUT_TEXT_H

#include <stdio.h>

#include "report.h"

/* flags: OUT_TEXT_COLOR, OUT_TEXT_VERBOSE (each probe's bytes sent and
 * reply in full; by default one line per probe). */
#define OUT_TEXT_COLOR		0x1
#define OUT_TEXT_VERBOSE	0x2
void	out_text_report(FILE *fp, const struct report *r, int flags);
/* One line: "target  family/generation  confidence%". */
void	out_text_summary_line(FILE *fp, const struct report *r, int color);

#endif /* OUT_TEXT_H */
