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
 * Summarise an escaped reply text: the code of each reply and the most
 * lines any 250 reply had (the EHLO keywords).  Escaped text has literal
 * "\n" between lines (escape.h).
 */
static void
pc_reply_summary(const char *esc, char *codes, size_t size, int *keywords)
{
	const char *p = esc;
	int lines = 0;

	codes[0] = '\0';
	*keywords = 0;
	while (*p != '\0') {
		const char *nl = strstr(p, "\\n");
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len >= 3 && p[0] >= '1' && p[0] <= '5' &&
		    p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9') {
			lines++;
			if (len < 4 || p[3] != '-') {
				size_t used = strlen(codes);

				snprintf(codes + used, size - used, "%s%.3s",
				    used ? "," : "", p);
				if (p[0] == '2' && p[1] == '5' && p[2] == '0' &&
				    lines - 1 > *keywords)
					*keywords = lines - 1;
				lines = 0;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 2;
	}
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
	char cb[128], ca[128];
	int kb, ka;
	const char *clb = pc_str(b, "classification");
	const char *cla = pc_str(a, "classification");

	pc_reply_summary(pc_str(b, "reply"), cb, sizeof(cb), &kb);
	pc_reply_summary(pc_str(a, "reply"), ca, sizeof(ca), &ka);
	if (strcmp(clb, cla) == 0 && strcmp(cb, ca) == 0 && kb == ka)
		return 0;
	buf_printf(out, "  %s: ", name);
	if (strcmp(clb, cla) != 0)
		buf_printf(out, "%s -> %s", clb[0] ? clb : "-",
		    cla[0] ? cla : "-");
	else
		buf_printf(out, "%s", cla);
	if (strcmp(cb, ca) != 0)
		buf_printf(out, "; replies %s -> %s", cb[0] ? cb : "none",
		    ca[0] ? ca : "none");
	if (kb != ka)
		buf_printf(out, "; %d -> %d EHLO keywords", kb, ka);
	buf_append_str(out, "\n");
	return 1;
}

size_t
probe_cmp_diff(json_t *before, json_t *after, struct buf *out)
{
	char vb[128], va[128];
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
	json_array_foreach(json_object_get(after, "probes"), i, p) {
		const char *name = pc_str(p, "name");
		json_t *b = pc_probe(before, name);

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
