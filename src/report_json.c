/* report_json.c - a report as one JSON line, byte for byte as out_json. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "escape.h"
#include "out_json.h"
#include "report_json.h"

/* Appending state: the first refused append makes the whole line fail. */
struct report_json_w {
	struct buf	*b;
	int		 err;
};

static inline void
report_json_raw(struct report_json_w *w, const char *s, size_t n)
{
	struct buf *b = w->b;

	/* Room already there (buf keeps a NUL past len): copy in place. */
	if (w->err)
		return;
	if (b->size > b->len + n && b->cap - b->len >= n) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
	} else if (buf_append(b, s, n) < 0)
		w->err = 1;
}

#define RJ_LIT(w, s)	report_json_raw((w), (s), sizeof(s) - 1)
/* ,"key": from a literal key (keys never need escaping). */
#define RJ_KEY(w, k, first) \
	report_json_raw((w), (first) ? "\"" k "\":" : ",\"" k "\":", \
	    sizeof(k) + 2 + !(first))

/*
 * UTF-8 as jansson's utf8_check_string() accepts it (RFC 3629 3): no
 * continuation byte first, no overlong form, no surrogate, nothing past
 * U+10FFFF, no byte 0xC0, 0xC1 or 0xF5-0xFF.
 */
int
report_json_utf8_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, need;
	uint32_t v;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			need = 1;
			v = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			need = 2;
			v = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			need = 3;
			v = p[i] & 0x07;
		} else
			return 0;
		if (len - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			v = (v << 6) | (p[i + k] & 0x3f);
		}
		if ((need == 2 && v < 0x800) || (need == 3 && v < 0x10000) ||
		    v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* Per byte: 0 plain, 1 escaped, 2 non-ASCII (UTF-8 check), 4 NUL. */
static const unsigned char report_json_class[256] = {
	[0] = 4,
	[1 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
	[0x80 ... 0xff] = 2,
};

/* Eight bytes at a time: does word x hold a byte that is not plain
 * (below 0x20, '"', '\\', or 0x80 and up)?  Bit tricks from "Bit
 * Twiddling Hacks" (haszero/hasless). */
#define RJ_ONES		0x0101010101010101ULL
#define RJ_HIGH		0x8080808080808080ULL
#define RJ_ZERO(x)	(((x) - RJ_ONES) & ~(x) & RJ_HIGH)

static inline int
report_json_special(uint64_t x)
{
	return ((((x) - RJ_ONES * 0x20) & ~(x)) | (x) |
	    RJ_ZERO((x) ^ (RJ_ONES * '"')) |
	    RJ_ZERO((x) ^ (RJ_ONES * '\\'))) & RJ_HIGH ? 1 : 0;
}

/* Any byte of s[0..n) 0x80 or above? */
static int
report_json_high(const unsigned char *p, size_t n)
{
	uint64_t x, acc = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		acc |= x;
	}
	for (; i < n; i++)
		acc |= p[i];
	return (acc & RJ_HIGH) != 0;
}

/* The JSON escape of c (a byte report_json_class marks 1: '"', '\\' or
 * a control character) into o, as jansson writes it; its length. */
static inline size_t
report_json_esc1(unsigned char c, char *o)
{
	static const char hex[] = "0123456789ABCDEF";

	o[0] = '\\';
	switch (c) {
	case '"':	o[1] = '"';	return 2;
	case '\\':	o[1] = '\\';	return 2;
	case '\b':	o[1] = 'b';	return 2;
	case '\f':	o[1] = 'f';	return 2;
	case '\n':	o[1] = 'n';	return 2;
	case '\r':	o[1] = 'r';	return 2;
	case '\t':	o[1] = 't';	return 2;
	default:
		o[1] = 'u';
		o[2] = '0';
		o[3] = '0';
		o[4] = hex[c >> 4];
		o[5] = hex[c & 15];
		return 6;
	}
}

/* s (n bytes) escaped as jansson's dump_string(), quotes excluded. */
static void
report_json_esc(struct report_json_w *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;
	uint64_t x;
	char esc[6];

	while (i < n) {
		if (i + 8 <= n) {
			memcpy(&x, p + i, 8);
			if (!report_json_special(x)) {
				i += 8;
				continue;
			}
		}
		if (report_json_class[p[i]] != 1) {
			i++;
			continue;
		}
		report_json_raw(w, s + start, i - start);
		start = i + 1;
		report_json_raw(w, esc, report_json_esc1(p[i++], esc));
	}
	report_json_raw(w, s + start, n - start);
}

/* Extra room report_json_fast needs past the worst case: its last
 * sixteen-byte store may run past what it keeps. */
#define RJ_SLACK	16

/* Bit i set for each byte of v (16) that JSON does not take as it is:
 * below 0x20 or 0x80 and up (both below 0x20 as signed bytes), '"',
 * '\\'.  Without SSE2 the same mask a byte at a time. */
#ifdef __SSE2__
static inline unsigned
report_json_mask16(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p);

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
}
#else
static inline unsigned
report_json_mask16(const unsigned char *p)
{
	unsigned m = 0, k;

	for (k = 0; k < 16; k++)
		if (report_json_class[p[k]] != 0)
			m |= 1u << k;
	return m;
}
#endif

/*
 * s (n bytes, valid UTF-8 unless high) quoted and escaped straight into
 * the buffer, which has room for the worst case (6 bytes per byte and
 * the quotes) and RJ_SLACK more: sixteen bytes are scanned and copied
 * at once, the last ones through a zero-padded copy (never a read past
 * s), and each byte that needs it escaped where the scan stopped.
 * Returns 0, or -1 when s holds a byte 0x80 or above and is not UTF-8
 * (nothing written then).
 */
static int
report_json_fast(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *q;
	unsigned char tail[16];
	char *o = (char *)b->data + b->len;
	size_t i = 0, rem, k;
	unsigned m;
	int high = 0;
	unsigned char c;

	*o++ = '"';
	while (i < n) {
		rem = n - i;
		q = p + i;
		if (rem < 16) {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, q, rem);
			q = tail;
		}
		m = report_json_mask16(q);
		memcpy(o, q, 16);
		if (rem < 16)
			m &= (1u << rem) - 1;
		if (m == 0) {
			k = rem < 16 ? rem : 16;
			o += k;
			i += k;
			continue;
		}
		k = (size_t)__builtin_ctz(m);
		o += k;
		i += k;
		c = p[i++];
		switch (report_json_class[c]) {
		case 2:
			high = 1;
			/* FALLTHROUGH */
		case 0:
		case 4:
			*o++ = (char)c;
			continue;
		default:
			break;
		}
		o += report_json_esc1(c, o);
	}
	if (high && !report_json_utf8_ok(s, n))
		return -1;
	*o++ = '"';
	b->len = (size_t)(o - (char *)b->data);
	return 0;
}

/* A NUL-terminated string (NULL is ""), quoted. */
static void
report_json_str(struct report_json_w *w, const char *s)
{
	struct buf *b = w->b;
	size_t n;

	if (s == NULL)
		s = "";
	n = strlen(s);
	/* Room for the worst case (usually already there: the analyzer's
	 * buffer is reused line after line): escape in place. */
	if (!w->err && n < (SIZE_MAX - 3 - RJ_SLACK) / 6 &&
	    b->cap - b->len >= 6 * n + 2 &&
	    (b->size > b->len + 6 * n + 2 + RJ_SLACK ||
	    buf_room(b, 6 * n + 2 + RJ_SLACK))) {
		if (report_json_fast(b, s, n) == 0)
			return;
		n = 0;	/* json_string() refuses it: out_json_str "" */
	} else if (report_json_high((const unsigned char *)s, n) &&
	    !report_json_utf8_ok(s, n))
		n = 0;		/* json_string() refuses it: out_json_str "" */
	RJ_LIT(w, "\"");
	report_json_esc(w, s, n);
	RJ_LIT(w, "\"");
}

/* pre (pl bytes) then s quoted, the slow way (report_json_kstr). */
static void __attribute__((noinline))
report_json_kstr_slow(struct report_json_w *w, const char *pre, size_t pl,
    const char *s)
{
	report_json_raw(w, pre, pl);
	report_json_str(w, s);
}

/*
 * pre (pl bytes, a literal: a key and its colon, or a comma) and then
 * the string s (NULL is ""), quoted, with one room test for both when
 * the line buffer has room; inline, so the copy of pre is a constant
 * one.
 */
static inline __attribute__((always_inline)) void
report_json_kstr(struct report_json_w *w, const char *pre, size_t pl,
    const char *s)
{
	struct buf *b = w->b;
	size_t n, need;

	if (s == NULL)
		s = "";
	n = strlen(s);
	if (!w->err && n < (SIZE_MAX - 3 - RJ_SLACK - pl) / 6) {
		need = pl + 6 * n + 2;
		if (b->cap - b->len >= need &&
		    b->size > b->len + need + RJ_SLACK) {
			memcpy(b->data + b->len, pre, pl);
			b->len += pl;
			if (report_json_fast(b, s, n) == 0)
				return;
			b->len -= pl;
		}
	}
	report_json_kstr_slow(w, pre, pl, s);
}

/* End of a top-level write: NUL after len as buf keeps it. */
static int
report_json_done(struct report_json_w *w, size_t len0)
{
	if (w->err)
		w->b->len = len0;
	if (w->b->data != NULL)
		w->b->data[w->b->len] = '\0';
	return w->err ? -1 : 0;
}

int
report_json_string(struct buf *out, const char *s)
{
	struct report_json_w w = { .b = out, .err = 0 };
	size_t len0 = out->len;

	report_json_str(&w, s);
	return report_json_done(&w, len0);
}

/* json_integer as jansson prints it ("%" JSON_INTEGER_FORMAT). */
static void
report_json_int(struct report_json_w *w, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	report_json_raw(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* ,"key":"value" (the key a literal, never escaped). */
#define RJ_KSTR(w, k, v, first) \
	report_json_kstr((w), (first) ? "\"" k "\":" : ",\"" k "\":", \
	    sizeof(k) + 2 + !(first), (v))
/*
 * pre (pl bytes, a literal key and its colon) then v as report_json_int
 * writes it, straight into the line buffer when it has room (digits
 * written from the last, no copy).
 */
static inline __attribute__((always_inline)) void
report_json_kint(struct report_json_w *w, const char *pre, size_t pl,
    long long v)
{
	struct buf *b = w->b;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v, t;
	size_t nd = (v < 0) + 1;
	char *o;

	for (t = u; t >= 10; t /= 10)
		nd++;
	if (w->err || b->size <= b->len + pl + nd ||
	    b->cap - b->len < pl + nd) {
		report_json_raw(w, pre, pl);
		report_json_int(w, v);
		return;
	}
	memcpy(b->data + b->len, pre, pl);
	b->len += pl + nd;
	o = (char *)b->data + b->len;
	do {
		*--o = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--o = '-';
}

#define RJ_KINT(w, k, v, first) \
	report_json_kint((w), (first) ? "\"" k "\":" : ",\"" k "\":", \
	    sizeof(k) + 2 + !(first), (v))

/* "{" of the i-th object in an array. */
static void
report_json_open(struct report_json_w *w, size_t i)
{
	if (i > 0)
		RJ_LIT(w, ",{");
	else
		RJ_LIT(w, "{");
}

static void
report_json_strv(struct report_json_w *w, char *const *v, size_t n)
{
	size_t i;

	RJ_LIT(w, "[");
	for (i = 0; i < n; i++)
		if (i > 0)
			report_json_kstr(w, ",", 1, v[i]);
		else
			report_json_kstr(w, "", 0, v[i]);
	RJ_LIT(w, "]");
}

static int
report_json_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	/* ASCII (the usual case) is UTF-8: checked a word at a time. */
	n = strlen(s);
	return !report_json_high((const unsigned char *)s, n) ||
	    report_json_utf8_ok(s, n);
}

/* out_json_verdict(): json_pack fails (key left out) on bad UTF-8. */
static void
report_json_verdict(struct report_json_w *w, const struct report *r)
{
	const char *fam = fp_family_name(r->verdict.family);
	const char *sum = r->summary != NULL ? r->summary : "";

	if (!report_json_ok(fam) || !report_json_ok(r->verdict.generation) ||
	    !report_json_ok(sum))
		return;
	RJ_KEY(w, "verdict", 0);
	RJ_LIT(w, "{");
	RJ_KSTR(w, "family", fam, 1);
	RJ_KSTR(w, "generation", r->verdict.generation, 0);
	RJ_KINT(w, "confidence", r->verdict.confidence, 0);
	RJ_KSTR(w, "summary", sum, 0);
	RJ_LIT(w, "}");
}

static void
report_json_matched(struct report_json_w *w, const struct report *r)
{
	const struct report_match *m;
	size_t i;

	RJ_KEY(w, "matched", 0);
	RJ_LIT(w, "[");
	for (i = 0; i < r->nmatched; i++) {
		m = &r->matched[i];
		report_json_open(w, i);
		if (m->json != NULL) {
			/* Escaped once at load (fp_load.h). */
			report_json_raw(w, m->json, strlen(m->json));
			report_json_strv(w, m->facts, m->nfacts);
			RJ_LIT(w, "}");
			continue;
		}
		RJ_KSTR(w, "name", m->name, 1);
		RJ_KSTR(w, "family", m->family, 0);
		RJ_KSTR(w, "generation", m->generation, 0);
		RJ_KINT(w, "weight", m->weight, 0);
		RJ_KSTR(w, "ref", m->ref, 0);
		RJ_KEY(w, "facts", 0);
		report_json_strv(w, m->facts, m->nfacts);
		RJ_LIT(w, "}");
	}
	RJ_LIT(w, "]");
}

/* evidence, keywords, verbs, effects (out_json_lists). */
static void
report_json_lists(struct report_json_w *w, const struct report *r)
{
	size_t i;

	RJ_KEY(w, "evidence", 0);
	RJ_LIT(w, "[");
	for (i = 0; i < r->nevidence; i++) {
		report_json_open(w, i);
		RJ_KSTR(w, "what", r->evidence[i].what, 1);
		RJ_KSTR(w, "source", r->evidence[i].source, 0);
		RJ_KSTR(w, "text", r->evidence[i].text, 0);
		RJ_LIT(w, "}");
	}
	RJ_LIT(w, "]");
	RJ_KEY(w, "keywords", 0);
	RJ_LIT(w, "[");
	for (i = 0; i < r->nkeywords; i++) {
		report_json_open(w, i);
		RJ_KSTR(w, "masked", r->keywords[i].masked, 1);
		RJ_KINT(w, "length",
		    (long long)r->keywords[i].length, 0);
		RJ_KSTR(w, "decoded", r->keywords[i].decoded, 0);
		RJ_LIT(w, "}");
	}
	RJ_LIT(w, "]");
	RJ_KEY(w, "verbs", 0);
	RJ_LIT(w, "[");
	for (i = 0; i < r->nverbs; i++) {
		report_json_open(w, i);
		RJ_KSTR(w, "verb", r->verbs[i].verb, 1);
		RJ_KSTR(w, "status", r->verbs[i].status, 0);
		RJ_KINT(w, "code", r->verbs[i].code, 0);
		RJ_KSTR(w, "reply", r->verbs[i].reply, 0);
		RJ_LIT(w, "}");
	}
	RJ_LIT(w, "]");
	RJ_KEY(w, "effects", 0);
	RJ_LIT(w, "[");
	for (i = 0; i < r->neffects; i++) {
		report_json_open(w, i);
		if (r->effects[i].json != NULL) {
			report_json_raw(w, r->effects[i].json,
			    strlen(r->effects[i].json));
			continue;
		}
		RJ_KSTR(w, "name", r->effects[i].name, 1);
		RJ_KSTR(w, "text", r->effects[i].text, 0);
		RJ_LIT(w, "}");
	}
	RJ_LIT(w, "]");
}

/* fix, probes, anomalies, notes, dropped (out_json_tail). */
static void
report_json_tail(struct report_json_w *w, const struct report *r)
{
	size_t i;

	RJ_KEY(w, "fix", 0);
	if (r->nfix > 0 && r->fix_json != NULL)
		report_json_raw(w, r->fix_json, strlen(r->fix_json));
	else if (r->nfix > 0) {
		RJ_LIT(w, "{");
		RJ_KSTR(w, "generation", r->fix_generation, 1);
		RJ_KEY(w, "lines", 0);
		report_json_strv(w, r->fix, r->nfix);
		RJ_LIT(w, "}");
	} else
		RJ_LIT(w, "null");
	RJ_KEY(w, "probes", 0);
	RJ_LIT(w, "[");
	for (i = 0; i < r->nprobes; i++) {
		report_json_open(w, i);
		RJ_KSTR(w, "name", r->probes[i].name, 1);
		RJ_KSTR(w, "sent", r->probes[i].sent, 0);
		RJ_KSTR(w, "reply", r->probes[i].reply, 0);
		RJ_KSTR(w, "classification",
		    r->probes[i].classification, 0);
		RJ_LIT(w, "}");
	}
	RJ_LIT(w, "]");
	RJ_KEY(w, "anomalies", 0);
	report_json_strv(w, r->anomalies, r->nanomalies);
	RJ_KEY(w, "notes", 0);
	RJ_LIT(w, "[");
	for (i = 0; i < r->nnotes; i++) {
		report_json_open(w, i);
		RJ_KSTR(w, "section", r->notes[i].section, 1);
		RJ_KSTR(w, "text", r->notes[i].text, 0);
		RJ_LIT(w, "}");
	}
	RJ_LIT(w, "]");
	RJ_KINT(w, "dropped", (long long)r->dropped, 0);
}

int
report_json_session(struct buf *out, const struct report *r,
    const struct report_json_extra *x)
{
	struct report_json_w w = { .b = out, .err = 0 };
	size_t len0 = out->len;

	RJ_LIT(&w, "{");
	RJ_KINT(&w, "schema", OUT_JSON_SCHEMA, 1);
	RJ_KSTR(&w, "target", r->target, 0);
	RJ_KSTR(&w, "address", r->address, 0);
	RJ_KINT(&w, "port", r->port, 0);
	if (r->is_capture) {
		RJ_KINT(&w, "session",
		    (long long)r->session_index, 0);
		RJ_KSTR(&w, "client", r->client, 0);
		RJ_KINT(&w, "client_port", r->cport, 0);
	}
	report_json_verdict(&w, r);
	RJ_KINT(&w, "exit_code", report_exit_code(r), 0);
	report_json_matched(&w, r);
	report_json_lists(&w, r);
	report_json_tail(&w, r);
	if (x != NULL) {
		/* json_string() of bad UTF-8 is NULL: key not set. */
		if (report_json_ok(x->file))
			RJ_KSTR(&w, "file", x->file, 0);
		if (report_json_ok(x->kind))
			RJ_KSTR(&w, "kind", x->kind, 0);
		if (report_json_ok(x->start))
			RJ_KSTR(&w, "start", x->start, 0);
		if (report_json_ok(x->end))
			RJ_KSTR(&w, "end", x->end, 0);
	}
	RJ_LIT(&w, "}\n");
	return report_json_done(&w, len0);
}
