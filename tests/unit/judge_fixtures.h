/*
 * judge_fixtures.h - scripted SMTP connections for the judging tests
 * (dialog, facts, fingerprints, report): transcripts built in the test with
 * the bytes a clean server, a PIX or an ASA would produce, per the
 * behaviour reference.  Header-only (static functions) so each test
 * program stays one file plus this.
 *
 * A script is a NULL-terminated list of steps; the first character says
 * what the step is:
 *   'C' client bytes in one segment      '1' client bytes one per segment
 *   'S' server bytes in one segment      'F' server FIN    'R' server RST
 *   'T' timeout waiting for the server   'L' TLS starts (prober handshake)
 *   'G' gap of strlen(rest) bytes in the server direction
 *   'W' 6 s of silence (no event; the next step is 6 s later)
 *   'f' client FIN
 * A script that is just { "X", NULL } is a refused connection: no events.
 */
#ifndef JUDGE_FIXTURES_H
#define JUDGE_FIXTURES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transcript.h"
#include "util.h"

static __attribute__((unused)) struct transcript *
fx_script(const char *label, const char *const *steps)
{
	struct transcript *t = transcript_new(label);
	uint64_t ts = 1000;
	size_t i, j, n;
	const char *s;

	transcript_set_peers(t, "192.0.2.1", 40000, "192.0.2.25", 25);
	if (steps[0] != NULL && strcmp(steps[0], "X") == 0)
		return t;	/* connection refused: no event at all */
	transcript_event(t, TR_EV_CONNECT, TR_C2S, ts);
	for (i = 0; steps[i] != NULL; i++) {
		s = steps[i] + 1;
		n = strlen(s);
		ts += 1000;
		switch (steps[i][0]) {
		case 'C':
			transcript_data(t, TR_C2S, ts, -1, (const uint8_t *)s, n);
			break;
		case '1':
			for (j = 0; j < n; j++)
				transcript_data(t, TR_C2S, ts + j, -1,
				    (const uint8_t *)s + j, 1);
			break;
		case 'S':
			transcript_data(t, TR_S2C, ts, -1, (const uint8_t *)s, n);
			break;
		case 'F':
			transcript_event(t, TR_EV_FIN, TR_S2C, ts);
			break;
		case 'R':
			transcript_event(t, TR_EV_RST, TR_S2C, ts);
			break;
		case 'T':
			transcript_event(t, TR_EV_TIMEOUT, TR_S2C, ts);
			break;
		case 'L':
			transcript_event(t, TR_EV_TLS, TR_C2S, ts);
			break;
		case 'G':
			transcript_gap(t, TR_S2C, ts, n);
			break;
		case 'W':
			ts += 6000000;
			break;
		case 'f':
			transcript_event(t, TR_EV_FIN, TR_C2S, ts);
			break;
		default:
			break;
		}
	}
	return t;
}

/* How one server (through one box) answers the standard probes. */
struct fx_server {
	const char	*greeting;	/* NULL: connection closed at once */
	const char	*ehlo;
	const char	*helo;
	const char	*unknown;	/* reply to "goodmorning" */
	const char	*starttls;	/* NULL: not probed */
	const char	*inner_ehlo;	/* reply inside TLS, NULL: none */
	const char	*help;		/* NULL: not probed */
	const char	*eod;		/* "": probed, no answer; NULL: not */
	const char	*seg1;		/* reply to NOOP sent byte by byte */
	const char	*eod_late;	/* with eod "": QUIT, then this
					 * (pix-5.1 late: 250 + 221) */
};

#define FX_MAX	16

/* The prober's transcripts for server s; returns how many. */
static __attribute__((unused)) size_t
fx_probes(const struct fx_server *s, struct transcript **t)
{
	size_t n = 0;
	const char *g = s->greeting;

	if (g == NULL) {
		t[n++] = fx_script("greeting", (const char *const[]){ "X",
		    NULL });
		return n;
	}
#define FXS(...) (const char *const[]){ __VA_ARGS__, NULL }
	t[n++] = fx_script("greeting", FXS(g, "CQUIT\r\n", "S221 bye\r\n"));
	t[n++] = fx_script("ehlo", FXS(g, "CEHLO probe.example.org\r\n",
	    s->ehlo, "CQUIT\r\n", "S221 bye\r\n"));
	t[n++] = fx_script("helo", FXS(g, "CHELO probe.example.org\r\n",
	    s->helo, "CQUIT\r\n", "S221 bye\r\n"));
	t[n++] = fx_script("invalid-verb", FXS(g, "Cgoodmorning\r\n",
	    s->unknown, "CQUIT\r\n", "S221 bye\r\n"));
	if (s->starttls != NULL && s->inner_ehlo != NULL) {
		t[n++] = fx_script("starttls", FXS(g,
		    "CEHLO probe.example.org\r\n", s->ehlo, "CSTARTTLS\r\n",
		    s->starttls, "L"));
		t[n++] = fx_script("starttls-inner", FXS(
		    "CEHLO probe.example.org\r\n", s->inner_ehlo,
		    "CQUIT\r\n", "S221 bye\r\n"));
	} else if (s->starttls != NULL)
		t[n++] = fx_script("verb-starttls", FXS(g,
		    "CEHLO probe.example.org\r\n", s->ehlo, "CSTARTTLS\r\n",
		    s->starttls, "CQUIT\r\n", "S221 bye\r\n"));
	if (s->help != NULL)
		t[n++] = fx_script("verb-help", FXS(g, "CHELP\r\n", s->help,
		    "CQUIT\r\n", "S221 bye\r\n"));
	if (s->seg1 != NULL)
		t[n++] = fx_script("segmented", FXS(g, "1NOOP\r\n", s->seg1,
		    "CQUIT\r\n", "S221 bye\r\n"));
	if (s->eod != NULL)
		t[n++] = fx_script("eod-split", FXS(g,
		    "CHELO probe.example.org\r\n", s->helo,
		    "CMAIL FROM:<p@example.org>\r\n", "S250 ok\r\n",
		    "CRCPT TO:<pm@example.org>\r\n", "S250 ok\r\n",
		    "CDATA\r\n", "S354 go\r\n",
		    "CSubject: t\r\n\r\nhello\r\n.", "C\r\n",
		    s->eod[0] ? s->eod : "T", s->eod[0] || !s->eod_late ?
		    NULL : "CQUIT\r\n", s->eod_late));
#undef FXS
	return n;
}

static __attribute__((unused)) void
fx_free(struct transcript **t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		transcript_free(t[i]);
}

/* PIX 5.1-6.3 banner rule (behaviour reference 2): all but 2, 0 and a
 * space right after a 0 becomes '*'; CR LF kept.  Returns malloc'd. */
static __attribute__((unused)) char *
fx_mask20(const char *line)
{
	char *s = xstrdup(line);
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '2' || s[i] == '0' || s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == ' ' && i > 0 && line[i - 1] == '0')
			continue;
		s[i] = '*';
	}
	return s;
}

/* ASA banner rule: every byte after "DDD " becomes '*' (CR LF kept). */
static __attribute__((unused)) char *
fx_mask_asa(const char *line)
{
	char *s = xstrdup(line);
	size_t i;

	for (i = 4; s[i] != '\0'; i++)
		if (s[i] != '\r' && s[i] != '\n')
			s[i] = '*';
	return s;
}

#endif /* JUDGE_FIXTURES_H */
