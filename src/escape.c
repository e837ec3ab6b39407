/* escape.c - hostile wire bytes to printable ASCII for terminal and JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "util.h"

static const char escape_hex[] = "0123456789abcdef";

/* Escape one byte into out (at most 4 bytes); returns its length. */
static size_t
escape_byte(uint8_t c, char out[4])
{
	switch (c) {
	case '\\':
		out[0] = '\\';
		out[1] = '\\';
		return 2;
	case '\r':
		out[0] = '\\';
		out[1] = 'r';
		return 2;
	case '\n':
		out[0] = '\\';
		out[1] = 'n';
		return 2;
	case '\t':
		out[0] = '\\';
		out[1] = 't';
		return 2;
	default:
		break;
	}
	if (c >= 0x20 && c <= 0x7e) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = escape_hex[c >> 4];
	out[3] = escape_hex[c & 0x0f];
	return 4;
}

size_t
escape_wire_len(const uint8_t *p, size_t n)
{
	size_t i, total = 0;
	char tmp[4];

	for (i = 0; i < n; i++)
		total += escape_byte(p[i], tmp);
	return total;
}

int
escape_wire(struct buf *out, const uint8_t *p, size_t n, enum escape_mode m)
{
	char chunk[256];
	size_t i, k = 0, el;
	char e[4];

	(void)m;	/* both modes give the same pure-ASCII text */
	for (i = 0; i < n; i++) {
		el = escape_byte(p[i], e);
		if (k + el > sizeof(chunk)) {
			if (buf_append(out, chunk, k) == -1)
				return -1;
			k = 0;
		}
		memcpy(chunk + k, e, el);
		k += el;
	}
	if (k > 0 && buf_append(out, chunk, k) == -1)
		return -1;
	return 0;
}

/* Length of the run at p of bytes kept as they are (printable, not '\\'). */
static size_t
escape_run(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] >= 0x20 && p[i] <= 0x7e && p[i] != '\\';
	    i++)
		;
	return i;
}

char *
escape_wire_str(const uint8_t *p, size_t n, enum escape_mode m, size_t cap)
{
	size_t take = n, olen, i, k = 0, run;
	int cut = 0;
	char *s, e[4];

	(void)m;
	if (cap > 0 && n > cap) {
		take = cap;
		cut = 1;
	}
	olen = escape_wire_len(p, take) + (cut ? 3 : 0);
	s = xmalloc(olen + 1);
	/* Printable runs (most of an SMTP line) are copied whole. */
	for (i = 0; i < take; i++) {
		size_t el;

		if ((run = escape_run(p + i, take - i)) > 0) {
			memcpy(s + k, p + i, run);
			k += run;
			i += run - 1;
			continue;
		}
		el = escape_byte(p[i], e);
		memcpy(s + k, e, el);
		k += el;
	}
	if (cut) {
		memcpy(s + k, "...", 3);
		k += 3;
	}
	s[k] = '\0';
	return s;
}
