/* out_text.c - lay out a report for a terminal, verdict line first. */

#include <stdio.h>
#include <string.h>

#include "out_text.h"

#define OT_RESET	"\033[0m"
#define OT_BOLD		"\033[1m"
#define OT_RED		"\033[1;31m"
#define OT_GREEN	"\033[1;32m"
#define OT_YELLOW	"\033[1;33m"

static const char *
out_text_col(int color, const char *code)
{
	return color ? code : "";
}

static const char *
out_text_family_col(const struct report *r, int color)
{
	switch (r->verdict.family) {
	case FP_FAM_NONE:
		return out_text_col(color, OT_GREEN);
	case FP_FAM_INCONCLUSIVE:
		return out_text_col(color, OT_YELLOW);
	default:
		return out_text_col(color, OT_RED);
	}
}

void
out_text_summary_line(FILE *fp, const struct report *r, int color)
{
	fprintf(fp, "%s", r->target);
	if (r->address[0] != '\0')
		fprintf(fp, " [%s]:%u", r->address, (unsigned)r->port);
	if (r->is_capture)
		fprintf(fp, " from %s:%u", r->client != NULL ? r->client : "",
		    (unsigned)r->cport);
	fprintf(fp, "  %s%s%s/%s  confidence %d%%  %s\n",
	    out_text_family_col(r, color), fp_family_name(r->verdict.family),
	    out_text_col(color, OT_RESET), r->verdict.generation,
	    r->verdict.confidence, r->summary != NULL ? r->summary : "");
}

static void
out_text_head(FILE *fp, const char *title, int color)
{
	fprintf(fp, "\n%s%s%s\n", out_text_col(color, OT_BOLD), title,
	    out_text_col(color, OT_RESET));
}

/* A column's width: w, or s's length when longer, at most 64, so the
 * texts after it line up ("eod_split.answered" is 18). */
static int
out_text_widen(int w, const char *s)
{
	size_t n = strlen(s);

	return n <= (size_t)w ? w : n > 64 ? 64 : (int)n;
}

static void
out_text_lists(FILE *fp, const struct report *r, int color)
{
	size_t i;
	int ww = 16, sw = 14;

	if (r->nevidence > 0)
		out_text_head(fp, "Evidence (exactly as received, escaped):",
		    color);
	for (i = 0; i < r->nevidence; i++) {
		ww = out_text_widen(ww, r->evidence[i].what);
		sw = out_text_widen(sw, r->evidence[i].source);
	}
	for (i = 0; i < r->nevidence; i++)
		fprintf(fp, "  %-*s %-*s %s\n", ww, r->evidence[i].what,
		    sw, r->evidence[i].source, r->evidence[i].text);
	if (r->nkeywords > 0)
		out_text_head(fp, "Masked EHLO keywords (likely originals):",
		    color);
	for (i = 0; i < r->nkeywords; i++)
		fprintf(fp, "  %-16s %2zu bytes  -> %s\n",
		    r->keywords[i].masked,
		    r->keywords[i].length, r->keywords[i].decoded);
	if (r->nverbs > 0)
		out_text_head(fp, "Verbs:", color);
	for (i = 0; i < r->nverbs; i++)
		fprintf(fp, "  %-15s %-18s %s\n", r->verbs[i].verb,
		    r->verbs[i].status, r->verbs[i].reply);
	if (r->neffects > 0)
		out_text_head(fp, "Effects on mail:", color);
	for (i = 0; i < r->neffects; i++)
		fprintf(fp, "  - %s\n", r->effects[i].text);
	if (r->nfix > 0) {
		fprintf(fp, "\n%sFix (%s):%s\n", out_text_col(color, OT_BOLD),
		    r->fix_generation, out_text_col(color, OT_RESET));
		for (i = 0; i < r->nfix; i++)
			fprintf(fp, "  %s\n", r->fix[i]);
	}
}

static void
out_text_details(FILE *fp, const struct report *r, int color, int verbose)
{
	size_t i, j;
	int w = 16;	/* "verb-x-link2state" is 17 */

	for (i = 0; i < r->nprobes; i++)
		w = out_text_widen(w, r->probes[i].name);

	if (r->nmatched > 0)
		out_text_head(fp, "Fingerprints matched:", color);
	for (i = 0; i < r->nmatched; i++) {
		fprintf(fp, "  %s (%s/%s, weight %d)\n    ref: %s\n",
		    r->matched[i].name, r->matched[i].family,
		    r->matched[i].generation, r->matched[i].weight,
		    r->matched[i].ref);
		for (j = 0; j < r->matched[i].nfacts; j++)
			fprintf(fp, "    %s\n", r->matched[i].facts[j]);
	}
	if (r->nprobes > 0)
		out_text_head(fp, "Probes:", color);
	for (i = 0; i < r->nprobes; i++) {
		fprintf(fp, "  %-*s %s\n", w, r->probes[i].name,
		    r->probes[i].classification);
		if (verbose)
			fprintf(fp, "    sent:  %s\n    reply: %s\n",
			    r->probes[i].sent, r->probes[i].reply);
	}
	if (r->nanomalies > 0)
		out_text_head(fp, "Anomalies:", color);
	for (i = 0; i < r->nanomalies; i++)
		fprintf(fp, "  %s\n", r->anomalies[i]);
	for (i = 0; i < r->nnotes; i++)
		fprintf(fp, "\n%s%s:%s %s\n", out_text_col(color, OT_BOLD),
		    r->notes[i].section, out_text_col(color, OT_RESET),
		    r->notes[i].text);
	if (r->dropped > 0)
		fprintf(fp, "\n(%llu report items dropped at the cap)\n",
		    (unsigned long long)r->dropped);
}

void
out_text_report(FILE *fp, const struct report *r, int flags)
{
	int color = (flags & OUT_TEXT_COLOR) != 0;

	out_text_summary_line(fp, r, color);
	out_text_lists(fp, r, color);
	out_text_details(fp, r, color, (flags & OUT_TEXT_VERBOSE) != 0);
}
