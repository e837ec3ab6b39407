/*
 * report_json.h - a report written straight to JSON text, for the capture
 * analyzer's hot path (one object per session, tens of thousands per
 * file).
 *
 * The bytes are exactly those of out_json_write(out_json_report(r)) with
 * the analyzer's four extra keys: the same keys in the same order, compact
 * separators, jansson's string escaping (\" \\ \b \f \n \r \t, other
 * control characters \u00XX upper-case, '/' and non-ASCII UTF-8 as is),
 * and where jansson refuses a string (not valid UTF-8) the same fallback
 * out_json_str() takes (""), or, for the analyzer's "file" value, the key
 * left out as json_object_set_new() does.  tests/unit/test_report_json.c
 * checks the identity against jansson on reports built from captures and
 * on hostile strings; the golden tests check it end to end.  The schema
 * stays docs/json-schema.md: out_json.c is where it is defined, this is a
 * faster rendering of it (jansson's object tree costs more than judging).
 *
 * Ownership: the caller owns out (struct buf, cap at least
 * REPORT_JSON_CAP).  report_json_session() appends one line with its
 * newline and returns 0, or -1 with out unchanged when the line would pass
 * out's cap (the caller then renders with out_json).  Never prints.
 */
#ifndef REPORT_JSON_H
#define REPORT_JSON_H

#include "buf.h"
#include "report.h"

/* Cap for the caller's buffer: a report at every list cap fits. */
#define REPORT_JSON_CAP	(32 * 1024 * 1024)

/* The analyzer's keys after the report's, as cmd_analyze sets them. */
struct report_json_extra {
	const char	*file;		/* capture as given */
	const char	*kind;		/* "smtp" */
	const char	*start;		/* first packet, UTC text */
	const char	*end;		/* flow_end_name() */
};

int	report_json_session(struct buf *out, const struct report *r,
	    const struct report_json_extra *x);
/* Append s as a JSON string as json_dumps would ("" when jansson would
 * refuse it); 0, or -1 when out's cap is reached. */
int	report_json_string(struct buf *out, const char *s);
/* Is s valid UTF-8 as jansson's json_string() checks it? */
int	report_json_utf8_ok(const char *s, size_t len);

#endif /* REPORT_JSON_H */
