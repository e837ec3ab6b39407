/* facts_greeting.c - greeting.* facts: how the server's banner was masked. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "dialog.h"
#include "escape.h"
#include "facts.h"
#include "facts_greeting.h"
#include "util.h"

/* Is [p, p+n) "DDD" then ' ' or '-' then one or more '*'? */
static int
facts_star_line(const uint8_t *p, size_t n)
{
	if (n < 5 || !isdigit(p[0]) || !isdigit(p[1]) || !isdigit(p[2]) ||
	    (p[3] != ' ' && p[3] != '-'))
		return 0;
	return util_all_byte(p + 4, n - 4, '*');
}

/*
 * greeting.class from the raw greeting (behaviour reference 2 and 4.1).
 * Order matters: smtp-sink's "220 ********" before asa-star, asa-star
 * before Postfix's wider 2/0 rule.
 */
static const char *
facts_greeting_class(const struct dialog *d)
{
	const uint8_t *p = d->greeting_raw, *end, *nl;
	size_t n = d->greeting_rawlen, len, nlines = 0, star = 0, after4 = 0;
	size_t i, text = 0, stars = 0, set20 = 1;

	if (!d->has_greeting || n == 0)
		return "none";
	end = p + n;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (nl != NULL ? (size_t)(nl - p) : (size_t)(end - p));
		if (len > 0 && p[len - 1] == '\r')
			len--;
		nlines++;
		if (facts_star_line(p, len))
			star++;
		else if (nlines > 1 && util_all_byte(p, len, '*'))
			after4++;
		text += len > 4 ? len - 4 : 0;
		/* Postfix smtp_proto.c: strspn(text, "20 *\t\n") == len.
		 * The star count matters only while set20 holds. */
		for (i = 0; i < len && set20; i++) {
			if (p[i] == '*')
				stars++;
			else if (p[i] != '2' && p[i] != '0' && p[i] != ' ' &&
			    p[i] != '\t')
				set20 = 0;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (text == 0)
		return "empty";
	if (nlines == 1 && d->greeting_rawlen >= 12 &&
	    memcmp(d->greeting_raw, "220 ********", 12) == 0 &&
	    (d->greeting_rawlen == 12 ||
	    d->greeting_raw[12] == '\r' || d->greeting_raw[12] == '\n'))
		return "smtp-sink";
	if (star == nlines)
		return "asa-star";
	if (star >= 1 && star + after4 == nlines)
		return "pix-after4";
	if (set20 && stars > 0)
		return "pix-2-0";
	for (i = 0; i + 9 <= d->greeting_rawlen; i++)
		if ((d->greeting_raw[i] | 0x20) == 's' &&
		    strncasecmp((const char *)d->greeting_raw + i, "SMTP/cmap",
		    9) == 0)
			return "pix-cmap";
	return "clear";
}

void
facts_greeting(struct facts *fs, const struct dialog *d, const char *source)
{
	const char *line;

	if (facts_get(fs, "greeting.class") != NULL)
		return;
	if (!d->has_greeting) {
		/* Only a connection that had a chance to greet counts. */
		if (d->no_greeting || !d->connected)
			return;
		facts_set_str(fs, "greeting.class", "none", 0);
		facts_set_int(fs, "greeting.lines", 0, 0);
		facts_set_int(fs, "greeting.code", 0, 0);
		facts_set_str(fs, "greeting.end", d->server_rst ? "reset" :
		    d->server_fin ? "closed" : d->timeout ? "timeout" : "none",
		    0);
		return;
	}
	facts_set_str(fs, "greeting.class", facts_greeting_class(d), 0);
	facts_set_int(fs, "greeting.lines", (int64_t)d->greeting.nlines, 0);
	facts_set_int(fs, "greeting.code", d->greeting.code, 0);
	facts_set_str(fs, "greeting.end", "reply", 0);
	line = escape_wire_str_in(&fs->arena, d->greeting_raw,
	    d->greeting_rawlen, MG_FACT_VALUE_MAX * 4);
	facts_set_evidence(fs, "greeting.class", line, source);
	line = d->greeting.nlines > 0 ? escape_wire_str_in(&fs->arena,
	    (const uint8_t *)d->greeting.lines[0].text,
	    d->greeting.lines[0].len, MG_FACT_VALUE_MAX) : "";
	facts_set_str(fs, "greeting.text", line, 0);
}
