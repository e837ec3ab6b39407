/*
 * out_text.h - the terminal rendering of a report: verdict line first,
 * then evidence, decoded EHLO keywords, the verb table, effects, the fix,
 * the per-probe list, anomalies and notes.
 *
 * Every piece of wire text in a report is already escaped (report.h), so
 * this module only lays it out.  color != 0 adds ANSI colours (callers pass
 * isatty(fileno(fp)) && !NO_COLOR).  Writes to fp, never exits; stdio
 * errors are the caller's to check with ferror().
 */
#ifndef OUT_TEXT_H
#define OUT_TEXT_H

#include <stdio.h>

#include "report.h"

void	out_text_report(FILE *fp, const struct report *r, int color);
/* One line: "target  family/generation  confidence%". */
void	out_text_summary_line(FILE *fp, const struct report *r, int color);

#endif /* OUT_TEXT_H */
