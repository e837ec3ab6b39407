/* out_json.c - a report as one JSON object, built with jansson. */

#include <stdio.h>
#include <stdlib.h>

#include "out_json.h"

/* Strings in a report are escaped ASCII already; json_string is safe. */
static json_t *
out_json_str(const char *s)
{
	json_t *j = json_string(s != NULL ? s : "");

	return j != NULL ? j : json_string("");
}

static json_t *
out_json_strv(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, out_json_str(v[i]));
	return a;
}

static json_t *
out_json_verdict(const struct report *r)
{
	return json_pack("{s:s, s:s, s:i, s:s}",
	    "family", fp_family_name(r->verdict.family),
	    "generation", r->verdict.generation,
	    "confidence", r->verdict.confidence,
	    "summary", r->summary != NULL ? r->summary : "");
}

static json_t *
out_json_matched(const struct report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->nmatched; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:i, "
		    "s:o, s:o}",
		    "name", out_json_str(r->matched[i].name),
		    "family", out_json_str(r->matched[i].family),
		    "generation", out_json_str(r->matched[i].generation),
		    "weight", r->matched[i].weight,
		    "ref", out_json_str(r->matched[i].ref),
		    "facts", out_json_strv(r->matched[i].facts,
		    r->matched[i].nfacts)));
	return a;
}

static json_t *
out_json_lists(const struct report *r, json_t *o)
{
	json_t *a;
	size_t i;

	a = json_array();
	for (i = 0; i < r->nevidence; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o}",
		    "what", out_json_str(r->evidence[i].what),
		    "source", out_json_str(r->evidence[i].source),
		    "text", out_json_str(r->evidence[i].text)));
	json_object_set_new(o, "evidence", a);
	a = json_array();
	for (i = 0; i < r->nkeywords; i++)
		json_array_append_new(a, json_pack("{s:o, s:I, s:o}",
		    "masked", out_json_str(r->keywords[i].masked),
		    "length", (json_int_t)r->keywords[i].length,
		    "decoded", out_json_str(r->keywords[i].decoded)));
	json_object_set_new(o, "keywords", a);
	a = json_array();
	for (i = 0; i < r->nverbs; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:i, s:o}",
		    "verb", out_json_str(r->verbs[i].verb),
		    "status", out_json_str(r->verbs[i].status),
		    "code", r->verbs[i].code,
		    "reply", out_json_str(r->verbs[i].reply)));
	json_object_set_new(o, "verbs", a);
	a = json_array();
	for (i = 0; i < r->neffects; i++)
		json_array_append_new(a, json_pack("{s:o, s:o}",
		    "name", out_json_str(r->effects[i].name),
		    "text", out_json_str(r->effects[i].text)));
	json_object_set_new(o, "effects", a);
	return o;
}

static json_t *
out_json_tail(const struct report *r, json_t *o)
{
	json_t *a;
	size_t i;

	json_object_set_new(o, "fix", r->nfix > 0 ? json_pack("{s:o, s:o}",
	    "generation", out_json_str(r->fix_generation),
	    "lines", out_json_strv(r->fix, r->nfix)) : json_null());
	a = json_array();
	for (i = 0; i < r->nprobes; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o}",
		    "name", out_json_str(r->probes[i].name),
		    "sent", out_json_str(r->probes[i].sent),
		    "reply", out_json_str(r->probes[i].reply),
		    "classification",
		    out_json_str(r->probes[i].classification)));
	json_object_set_new(o, "probes", a);
	json_object_set_new(o, "anomalies",
	    out_json_strv(r->anomalies, r->nanomalies));
	a = json_array();
	for (i = 0; i < r->nnotes; i++)
		json_array_append_new(a, json_pack("{s:o, s:o}",
		    "section", out_json_str(r->notes[i].section),
		    "text", out_json_str(r->notes[i].text)));
	json_object_set_new(o, "notes", a);
	json_object_set_new(o, "dropped", json_integer((json_int_t)r->dropped));
	return o;
}

json_t *
out_json_report(const struct report *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "schema", json_integer(OUT_JSON_SCHEMA));
	json_object_set_new(o, "target", out_json_str(r->target));
	json_object_set_new(o, "address", out_json_str(r->address));
	json_object_set_new(o, "port", json_integer(r->port));
	if (r->is_capture) {
		json_object_set_new(o, "session",
		    json_integer((json_int_t)r->session_index));
		json_object_set_new(o, "client", out_json_str(r->client));
		json_object_set_new(o, "client_port", json_integer(r->cport));
	}
	json_object_set_new(o, "verdict", out_json_verdict(r));
	json_object_set_new(o, "exit_code", json_integer(report_exit_code(r)));
	json_object_set_new(o, "matched", out_json_matched(r));
	out_json_lists(r, o);
	return out_json_tail(r, o);
}

json_t *
out_json_capture_session(const struct report *r, const char *file,
    const char *kind, const char *start, const char *end)
{
	json_t *o = out_json_report(r);

	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "start", json_string(start));
	json_object_set_new(o, "end", json_string(end));
	return o;
}

int
out_json_write(FILE *fp, json_t *obj)
{
	char *s;
	int rc = 0;

	/* One string, one write: json_dumpf writes in small pieces. */
	if (obj == NULL ||
	    (s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		return -1;
	if (fputs(s, fp) == EOF || fputc('\n', fp) == EOF)
		rc = -1;
	free(s);
	return rc;
}
