/*
 * out_json.h - the JSON rendering of a report, built with jansson, one
 * object per target or session; out_json_write() prints it as one line
 * (JSON Lines for several).  The schema is docs/json-schema.md and is an
 * interface: --save/--compare baselines depend on it; this file defines
 * it.
 *
 * The capture analyzer's per-session objects are written instead by
 * report_json.c, by hand for speed, byte-identical to what this module
 * and json_dumps() give (keys, order, escaping, refused strings): checked
 * by tests/unit/test_report_json.c on every capture and hostile strings,
 * by the golden tests, and by the fuzz harness
 * tests/fuzz/fuzz_report_json.c.  A change here needs the same change
 * there.
 *
 * Ownership: out_json_report() returns a new reference the caller
 * releases with json_decref().  out_json_write() returns 0, or -1 on a
 * stdio/jansson error.  Never prints anything else, never exits.
 */
#ifndef OUT_JSON_H
#define OUT_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "report.h"

/* Schema version, the "schema" key of every object. */
#define OUT_JSON_SCHEMA	1

json_t	*out_json_report(const struct report *r);
/* A capture session: out_json_report() plus the analyzer's keys "file",
 * "kind", "start" and "end" (the reference report_json_session() must
 * match byte for byte). */
json_t	*out_json_capture_session(const struct report *r, const char *file,
	    const char *kind, const char *start, const char *end);
int	 out_json_write(FILE *fp, json_t *obj);

#endif /* OUT_JSON_H */
