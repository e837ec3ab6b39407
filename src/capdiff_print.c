/* capdiff_print.c - a two-capture comparison as text and JSON. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "capdiff.h"
#include "util.h"

void
capdiff_pair_print_text(const struct capdiff_pair *p, FILE *fp)
{
	const struct capdiff_sess *a = &p->who[0], *b = &p->who[1];
	size_t k;
	int d;

	fprintf(fp, "\n%s %s:%u > %s:%u  <->  inside %s %s:%u > %s:%u\n",
	    a->label, a->client, (unsigned)a->cport, a->server,
	    (unsigned)a->sport, b->label, b->client, (unsigned)b->cport,
	    b->server, (unsigned)b->sport);
	fprintf(fp, "  match score %d, inside starts %+.6f s after outside",
	    p->score, (double)p->dt_us / 1e6);
	if (p->clock_us != 0)
		fprintf(fp, " (%+.6f s with the clock offset taken off)",
		    (double)(p->dt_us - p->clock_us) / 1e6);
	fputc('\n', fp);
	for (d = 0; d < 2; d++)
		if (p->have_isn[d])
			fprintf(fp, "  ISN offset %s: %+d (inside - outside)\n",
			    transcript_dir_name((enum tr_dir)d),
			    (int32_t)p->isn_off[d]);
	if (p->syn[0] != '\0')
		fprintf(fp, "  SYN changes: %s\n", p->syn);
	if (p->nranges == 0 && p->nsegs == 0)
		fprintf(fp, "  bytes: identical (%llu C>S, %llu S>C)\n",
		    (unsigned long long)p->len[0][TR_C2S],
		    (unsigned long long)p->len[0][TR_S2C]);
	for (k = 0; k < p->nranges; k++) {
		const struct capdiff_range *x = &p->ranges[k];

		fprintf(fp, "  %s offset %llu, %llu bytes: %s%s%s%s\n",
		    transcript_dir_name(x->dir), (unsigned long long)x->off,
		    (unsigned long long)x->len, capdiff_what_name(x->what),
		    x->original[0] ? " (was " : "", x->original,
		    x->original[0] ? ")" : "");
		fprintf(fp, "    %s: %s\n", x->dir == TR_S2C ?
		    "inside (server sent)" : "outside (client sent)",
		    x->before);
		fprintf(fp, "    %s: %s\n", x->dir == TR_S2C ?
		    "outside (client got)" : "inside (server got)", x->after);
	}
	for (k = 0; k < p->nsegs; k++) {
		const struct capdiff_seg *s = &p->segs[k];

		fprintf(fp, "  %s offset %llu, %llu bytes only %s: %s\n",
		    transcript_dir_name(s->dir), (unsigned long long)s->off,
		    (unsigned long long)s->len,
		    s->side ? "inside" : "outside", s->bytes);
	}
	if (p->dropped)
		fprintf(fp, "  (%llu more differences not listed)\n",
		    (unsigned long long)p->dropped);
}

void
capdiff_sess_print_text(const struct capdiff_sess *t, FILE *fp)
{
	fprintf(fp, "  %s %s:%u > %s:%u (%llu C>S, %llu S>C bytes)\n",
	    t->label, t->client, (unsigned)t->cport, t->server,
	    (unsigned)t->sport, (unsigned long long)t->total[TR_C2S],
	    (unsigned long long)t->total[TR_S2C]);
}

char *
capdiff_pair_json(const struct capdiff_pair *p)
{
	const struct capdiff_sess *a = &p->who[0], *b = &p->who[1];
	json_t *o, *r, *s, *isn;
	char *txt;
	size_t k;
	int d;

	r = json_array();
	for (k = 0; k < p->nranges; k++) {
		const struct capdiff_range *x = &p->ranges[k];

		json_array_append_new(r, json_pack("{s:s, s:I, s:I, s:s, "
		    "s:s, s:s, s:s}", "dir", transcript_dir_name(x->dir),
		    "offset", (json_int_t)x->off, "length", (json_int_t)x->len,
		    "what", capdiff_what_name(x->what), "original",
		    x->original, "before", x->before, "after", x->after));
	}
	s = json_array();
	for (k = 0; k < p->nsegs; k++)
		json_array_append_new(s, json_pack("{s:s, s:s, s:I, s:I, s:s}",
		    "dir", transcript_dir_name(p->segs[k].dir),
		    "only", p->segs[k].side ? "inside" : "outside",
		    "offset", (json_int_t)p->segs[k].off,
		    "length", (json_int_t)p->segs[k].len,
		    "bytes", p->segs[k].bytes));
	isn = json_object();
	for (d = 0; d < 2; d++)
		if (p->have_isn[d])
			json_object_set_new(isn,
			    transcript_dir_name((enum tr_dir)d),
			    json_integer((int32_t)p->isn_off[d]));
	o = json_pack("{s:s, s:s, s:i, s:I, s:o, s:s, s:o, s:o, s:I}",
	    "outside", a->label, "inside", b->label, "score", p->score,
	    "inside_minus_outside_us", (json_int_t)p->dt_us,
	    "isn_offset", isn, "syn_changes", p->syn, "ranges", r,
	    "one_side_segments", s, "not_listed", (json_int_t)p->dropped);
	txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return txt != NULL ? txt : xstrdup("{}");
}

void
capdiff_print_text(const struct capdiff *cd, FILE *fp, const char *outname,
    const char *inname)
{
	struct capdiff_sess who;
	size_t i, changed = 0, un[2] = { 0, 0 };
	int s;

	fprintf(fp, "Comparing outside %s with inside %s\n", outname, inname);
	for (i = 0; i < cd->n[0]; i++)
		if (cd->pair_of[0][i] >= 0)
			capdiff_pair_print_text(&cd->pairs[cd->pair_of[0][i]],
			    fp);
	for (s = 0; s < 2; s++)
		for (i = 0; i < cd->n[s]; i++) {
			if (cd->pair_of[s][i] >= 0)
				continue;
			if (un[s]++ == 0)
				fprintf(fp, "\nUnmatched %s sessions:\n",
				    s ? "inside" : "outside");
			capdiff_sess_set(&who, cd->t[s][i]);
			capdiff_sess_print_text(&who, fp);
		}
	for (i = 0; i < cd->npairs; i++)
		changed += capdiff_pair_differs(&cd->pairs[i]) != 0;
	fprintf(fp, "\nSummary: %zu matched, %zu with differences, %zu "
	    "unmatched outside, %zu unmatched inside; SMTP sessions: %zu "
	    "outside, %zu inside\n", cd->npairs, changed, un[0], un[1],
	    cd->n[0], cd->n[1]);
}

void
capdiff_print_json(const struct capdiff *cd, FILE *fp, const char *outname,
    const char *inname)
{
	json_t *o, *pairs, *un[2];
	size_t i;
	int s;
	char *txt;

	pairs = json_array();
	for (i = 0; i < cd->n[0]; i++) {
		if (cd->pair_of[0][i] < 0)
			continue;
		txt = capdiff_pair_json(&cd->pairs[cd->pair_of[0][i]]);
		json_array_append_new(pairs, json_loads(txt, 0, NULL));
		free(txt);
	}
	for (s = 0; s < 2; s++) {
		un[s] = json_array();
		for (i = 0; i < cd->n[s]; i++)
			if (cd->pair_of[s][i] < 0)
				json_array_append_new(un[s],
				    json_string(cd->t[s][i]->label));
	}
	o = json_pack("{s:i, s:{s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:b}}",
	    "schema", 1, "capture_diff", "outside", outname, "inside",
	    inname, "matched", pairs, "unmatched_outside", un[0],
	    "unmatched_inside", un[1], "outside_sessions", (json_int_t)cd->n[0],
	    "inside_sessions", (json_int_t)cd->n[1],
	    "differs", capdiff_differs(cd));
	txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (txt != NULL)
		fprintf(fp, "%s\n", txt);
	free(txt);
	json_decref(o);
}
