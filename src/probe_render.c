/* probe_render.c - probe templates to bytes and segments; --dry-run text. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "escape.h"
#include "probe_render.h"
#include "util.h"

void
probe_random_verb(uint32_t seed, char *out, size_t size)
{
	/* xorshift32: cheap, deterministic for a given --seed. */
	uint32_t x = seed ? seed : 0x9e3779b9u;
	size_t i, n = 8;

	if (size == 0)
		return;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = (char)('A' + x % 26);
	}
	/* A leading "Q" plus 7 letters is no verb of any RFC or vendor. */
	if (n > 0)
		out[0] = 'Q';
	out[n] = '\0';
}

static void
probe_date(uint64_t us, char *out, size_t size)
{
	time_t t = (time_t)((us ? us : util_wall_us()) / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	/* RFC 5322 3.3 date-time. */
	strftime(out, size, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

static int
probe_expand(const char *text, const struct probe_opts *o, struct buf *out,
    char *errbuf)
{
	const char *p;
	char tmp[64];

	for (p = text; *p != '\0'; p++) {
		const char *s = NULL;

		if (*p != '%') {
			if (buf_append(out, p, 1) == -1)
				goto toolong;
			continue;
		}
		switch (*++p) {
		case 'h':
			s = o->helo ? o->helo : PROBE_HELO_DEFAULT;
			break;
		case 'r':
			probe_random_verb(o->seed, tmp, sizeof(tmp));
			s = tmp;
			break;
		case 't':
			if (o->test_rcpt == NULL) {
				util_errbuf(errbuf, MG_ERRBUF_SIZE,
				    "%%t needs --send-test-message");
				return -1;
			}
			s = o->test_rcpt;
			break;
		case 'd':
			probe_date(o->date_us, tmp, sizeof(tmp));
			s = tmp;
			break;
		case '%':
			s = "%";
			break;
		default:
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "bad template escape in \"%s\"", text);
			return -1;
		}
		if (buf_append_str(out, s) == -1)
			goto toolong;
	}
	return 0;
toolong:
	util_errbuf(errbuf, MG_ERRBUF_SIZE, "rendered probe too long");
	return -1;
}

int
probe_render(const char *text, enum probe_split split,
    const struct probe_opts *o, struct buf *out, size_t *cuts,
    size_t *ncuts, char *errbuf)
{
	size_t i;

	buf_reset(out);
	*ncuts = 0;
	if (probe_expand(text, o, out, errbuf) == -1)
		return -1;
	switch (split) {
	case PSPLIT_WHOLE:
		cuts[(*ncuts)++] = out->len;
		break;
	case PSPLIT_BYTE:
		if (out->len > PROBE_SEGS_MAX) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "too many segments (%zu)", out->len);
			return -1;
		}
		for (i = 1; i <= out->len; i++)
			cuts[(*ncuts)++] = i;
		break;
	case PSPLIT_EOD:
		/* "\r\n." in one segment, the final "\r\n" in the next. */
		if (out->len < 5 || memcmp(out->data + out->len - 5,
		    "\r\n.\r\n", 5) != 0) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "end-of-data split needs CRLF.CRLF at the end");
			return -1;
		}
		cuts[(*ncuts)++] = out->len - 2;
		cuts[(*ncuts)++] = out->len;
		break;
	}
	return 0;
}

static void
probe_dry_send(const char *text, enum probe_split split, unsigned replies,
    const struct probe_opts *o, struct buf *out)
{
	char err[MG_ERRBUF_SIZE];
	size_t cuts[PROBE_SEGS_MAX], n, i, from = 0;
	struct buf b;

	buf_init(&b, MG_PROBE_REPLY_BYTES_MAX);
	if (probe_render(text, split, o, &b, cuts, &n, err) == -1) {
		buf_printf(out, "(not rendered: %s)\n", err);
		buf_free(&b);
		return;
	}
	buf_printf(out, "send %zu segment%s:", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		buf_append_str(out, " [");
		escape_wire(out, b.data + from, cuts[i] - from, ESCAPE_TERM);
		buf_append_str(out, "]");
		from = cuts[i];
	}
	buf_printf(out, "; wait %u repl%s\n", replies,
	    replies == 1 ? "y" : "ies");
	buf_free(&b);
}

void
probe_dry_run(const struct probe_def *d, const struct probe_opts *o,
    struct buf *out)
{
	const struct probe_step *s;
	unsigned i = 1;

	buf_printf(out, "%s: %s\n", d->name, d->description);
	for (s = d->steps; s->kind != PS_END; s++, i++) {
		buf_printf(out, "  %u ", i);
		switch (s->kind) {
		case PS_GREETING:
			buf_printf(out, "wait for the greeting\n");
			break;
		case PS_SEND:
			probe_dry_send(s->text, s->split, s->replies, o, out);
			break;
		case PS_HELO_FALLBACK:
			buf_printf(out, "if EHLO got no multi-line 250: ");
			probe_dry_send("HELO %h\r\n", PSPLIT_WHOLE, 1, o, out);
			break;
		case PS_REQUIRE_2XX:
			buf_printf(out, "stop unless the reply was 2xx\n");
			break;
		case PS_REQUIRE_3XX:
			buf_printf(out, "stop unless the reply was 3xx\n");
			break;
		case PS_STARTTLS:
			probe_dry_send("STARTTLS\r\n", PSPLIT_WHOLE, 1, o, out);
			buf_printf(out, "  %u on 220: TLS handshake, the next "
			    "steps run inside TLS\n", i);
			break;
		case PS_QUIT:
			probe_dry_send("QUIT\r\n", PSPLIT_WHOLE, 1, o, out);
			break;
		case PS_END:
			break;
		}
	}
}
