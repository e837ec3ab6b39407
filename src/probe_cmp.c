/* probe_cmp.c - compare a saved JSON report with a new one, per probe. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_limits.h"
#include "probe_cmp.h"
#include "util.h"

/* Baselines are our own reports; this bounds a hostile or wrong file. */
#define PROBE_CMP_LINE_MAX	(4 * 1024 * 1024)
#define PROBE_CMP_OBJECTS_MAX	100000

json_t *
probe_cmp_load(const char *path, char *errbuf)
{
	FILE *fp = fopen(path, "r");
	json_t *arr;
	struct buf line;
	unsigned long lineno = 0;
	int c;

	if (fp == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", path,
		    strerror(errno));
		return NULL;
	}
	arr = json_array();
	buf_init(&line, PROBE_CMP_LINE_MAX);
	do {
		json_error_t je;
		json_t *o;

		c = getc(fp);
		if (c != '\n' && c != EOF) {
			if (buf_append(&line, &(char){ (char)c }, 1) == -1)
				goto toolong;
			continue;
		}
		lineno++;
		if (line.len == 0)
			continue;
		o = json_loadb((const char *)line.data, line.len, 0, &je);
		buf_reset(&line);
		if (o == NULL || !json_is_object(o)) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s:%lu: %s", path,
			    lineno, o ? "not a JSON object" : je.text);
			json_decref(o);
			goto fail;
		}
		if (json_array_size(arr) >= PROBE_CMP_OBJECTS_MAX) {
			json_decref(o);
			goto toolong;
		}
		json_array_append_new(arr, o);
	} while (c != EOF);
	if (json_array_size(arr) == 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: no report in it",
		    path);
		goto fail;
	}
	buf_free(&line);
	fclose(fp);
	return arr;
toolong:
	util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s:%lu: too large", path,
	    lineno + 1);
fail:
	buf_free(&line);
	fclose(fp);
	json_decref(arr);
	return NULL;
}

static const char *
pc_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

json_t *
probe_cmp_find(json_t *baseline, const char *target, const char *address,
    unsigned port)
{
	json_t *o, *fallback = NULL;
	size_t i;

	json_array_foreach(baseline, i, o) {
		json_int_t p = json_integer_value(json_object_get(o, "port"));

		if (strcmp(pc_str(o, "address"), address) != 0 ||
		    p != (json_int_t)port)
			continue;
		if (strcmp(pc_str(o, "target"), target) == 0)
			return o;
		if (fallback == NULL)
			fallback = o;
	}
	return fallback;
}

/*
 * The greeting as the greeting probe saw it: "masked" when most bytes
 * after the code are '*' (every Cisco banner rule, behaviour reference
 * 4.1), "clear" otherwise, "none" without one.  Escaped text.
 */
static const char *
pc_greeting(json_t *report)
{
	json_t *p, *g = NULL;
	size_t i, stars = 0, other = 0;
	const char *r;

	json_array_foreach(json_object_get(report, "probes"), i, p)
		if (strcmp(pc_str(p, "name"), "greeting") == 0)
			g = p;
	if (g == NULL)
		return NULL;
	r = pc_str(g, "reply");
	if (strlen(r) < 4)
		return "none";
	for (r += 4; *r != '\0' && *r != '\\'; r++) {
		if (*r == '*')
			stars++;
		else
			other++;
	}
	return stars > other ? "masked" : "clear";
}

/* A classification with the random verb of invalid-verb2 taken out, so
 * two runs compare equal when the server answers alike. */
static void
pc_class(json_t *p, char *out, size_t size)
{
	const char *c = pc_str(p, "classification");
	const char *arrow = strstr(c, " -> ");

	if (strcmp(pc_str(p, "name"), "invalid-verb2") == 0 && arrow != NULL)
		snprintf(out, size, "(random verb)%s", arrow);
	else
		snprintf(out, size, "%s", c[0] ? c : "-");
}

static void
pc_verdict(json_t *o, char *out, size_t size)
{
	json_t *v = json_object_get(o, "verdict");
	const char *gen = pc_str(v, "generation");

	snprintf(out, size, "%s%s%s (%lld%%)", pc_str(v, "family"),
	    gen[0] ? "/" : "", gen,
	    (long long)json_integer_value(json_object_get(v, "confidence")));
}

static json_t *
pc_probe(json_t *report, const char *name)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(report, "probes"), i, p)
		if (strcmp(pc_str(p, "name"), name) == 0)
			return p;
	return NULL;
}

static size_t
pc_diff_probe(json_t *b, json_t *a, const char *name, struct buf *out)
{
	char cb[512], ca[512];

	pc_class(b, cb, sizeof(cb));
	pc_class(a, ca, sizeof(ca));
	if (strcmp(cb, ca) == 0)
		return 0;
	buf_printf(out, "  %s: %s  =>  %s\n", name, cb, ca);
	return 1;
}

static json_t *
pc_verb(json_t *report, const char *verb)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(report, "verbs"), i, v)
		if (strcmp(pc_str(v, "verb"), verb) == 0)
			return v;
	return NULL;
}

/* "STARTTLS: refused 500 -> passes 220" from the verbs table. */
static size_t
pc_diff_verbs(json_t *before, json_t *after, struct buf *out)
{
	json_t *a, *b;
	size_t i, changes = 0;

	json_array_foreach(json_object_get(after, "verbs"), i, a) {
		const char *verb = pc_str(a, "verb");
		json_int_t ca = json_integer_value(json_object_get(a, "code"));
		json_int_t cb;

		if ((b = pc_verb(before, verb)) == NULL)
			continue;
		cb = json_integer_value(json_object_get(b, "code"));
		if (strcmp(pc_str(a, "status"), pc_str(b, "status")) == 0 &&
		    ca == cb)
			continue;
		buf_printf(out, "  %s: %s %lld -> %s %lld\n", verb,
		    pc_str(b, "status"), (long long)cb, pc_str(a, "status"),
		    (long long)ca);
		changes++;
	}
	return changes;
}

size_t
probe_cmp_diff(json_t *before, json_t *after, struct buf *out)
{
	char vb[128], va[128];
	const char *gb, *ga;
	size_t changes = 0, i;
	json_t *p;

	pc_verdict(before, vb, sizeof(vb));
	pc_verdict(after, va, sizeof(va));
	buf_printf(out, "compare %s (%s port %lld):\n", pc_str(after, "target"),
	    pc_str(after, "address"),
	    (long long)json_integer_value(json_object_get(after, "port")));
	if (strcmp(vb, va) != 0) {
		buf_printf(out, "  verdict: %s -> %s\n", vb, va);
		changes++;
	} else
		buf_printf(out, "  verdict: %s (unchanged)\n", va);
	gb = pc_greeting(before);
	ga = pc_greeting(after);
	if (gb != NULL && ga != NULL && strcmp(gb, ga) != 0) {
		buf_printf(out, "  greeting: %s -> %s\n", gb, ga);
		changes++;
	}
	changes += pc_diff_verbs(before, after, out);
	json_array_foreach(json_object_get(after, "probes"), i, p) {
		const char *name = pc_str(p, "name");
		json_t *b = pc_probe(before, name);

		/* verb-* probes are covered by the verbs table above */
		if (strncmp(name, "verb-", 5) == 0 && b != NULL)
			continue;

		if (b == NULL) {
			buf_printf(out, "  %s: not in the baseline\n", name);
			changes++;
			continue;
		}
		changes += pc_diff_probe(b, p, name, out);
	}
	json_array_foreach(json_object_get(before, "probes"), i, p)
		if (pc_probe(after, pc_str(p, "name")) == NULL) {
			buf_printf(out, "  %s: not probed this time\n",
			    pc_str(p, "name"));
			changes++;
		}
	return changes;
}
