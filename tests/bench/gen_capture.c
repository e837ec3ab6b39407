/* gen_capture.c - write a large interleaved multi-session SMTP capture. */
/*
 * usage: gen_capture [-n SESSIONS] [-b BODY] [-c CONCURRENT] [-s SEED]
 *                    [-l LINKTYPE] [-V VLANS] [-6] [-g] [-C] OUT.pcap [EXPECT]
 *
 * Writes SESSIONS SMTP connections (default 50000), up to CONCURRENT open
 * at once (default 64) and interleaved packet by packet, each a whole
 * dialogue (greeting, EHLO, MAIL, RCPT, DATA with a BODY-byte message in
 * 1460-byte segments, QUIT, FINs).  A third of the sessions look as if
 * they passed an ASA (greeting masked with '*', STARTTLS -> XXXXXXXA), a
 * sixth a PIX 6.3 (2/0 greeting mask, EHLO turned into NOOP), the rest are
 * clean.  About 5% retransmit a body segment, 5% deliver two body segments
 * out of order, 2% retransmit two segments re-cut as one.  EXPECT gets one
 * line per session: "ID FAMILY" (ID = first-packet order, as the
 * analyzer numbers sessions).  Deterministic for a given seed.
 * -l LINKTYPE (1 Ethernet, 101 raw, 0 null, 108 loop, 113 SLL, 276 SLL2),
 * -V N 802.1Q tags (Ethernet), -6 IPv6 with extension headers, -g pcapng,
 * -C every session clean (input for mailguard-emulate --replay).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capgen.h"
#include "pcap_in.h"
#include "util.h"

#define GEN_FLUSH	(1024 * 1024)
#define GEN_SEG		1460

enum gen_kind { GEN_NONE, GEN_ASA, GEN_PIX };
enum gen_quirk { GEN_Q_NONE, GEN_Q_RETRANS, GEN_Q_REORDER, GEN_Q_RECUT };

struct gen_sess {
	struct capgen_conn c;
	enum gen_kind	 kind;
	enum gen_quirk	 quirk;
	int		 step;
	int		 active;
};

static uint64_t gen_rng = 88172645463325252ULL;

static uint32_t
gen_rand(void)
{
	return capgen_rand(&gen_rng);
}

static char *gen_body;
static size_t gen_bodylen;
static FILE *gen_out;

static void
gen_flush(struct capgen *g, int force)
{
	if (g->out.len < GEN_FLUSH && !force)
		return;
	if (fwrite(g->out.data, 1, g->out.len, gen_out) != g->out.len)
		fatal(1, "write: short write");
	buf_reset(&g->out);
}

/* PIX 5.1-6.3 banner rule (behaviour reference 2): keep 2, 0, a space
 * after 0, CR, LF; everything else becomes '*'. */
static void
gen_mask_pix(char *s)
{
	size_t i;

	for (i = 4; s[i] != '\0'; i++)
		if (s[i] != '2' && s[i] != '0' && s[i] != '\r' &&
		    s[i] != '\n' && !(s[i] == ' ' && s[i - 1] == '0'))
			s[i] = '*';
}

/* ASA rule: every byte after "220 " becomes '*', CR LF kept. */
static void
gen_mask_asa(char *s)
{
	size_t i;

	for (i = 4; s[i] != '\0' && s[i] != '\r'; i++)
		s[i] = '*';
}

static void
gen_send(struct gen_sess *s, int side, const char *text)
{
	capgen_conn_send(&s->c, side, text, strlen(text), GEN_SEG);
}

static void
gen_body_send(struct gen_sess *s)
{
	size_t n = gen_bodylen, seg2 = GEN_SEG * 2;

	if (s->quirk == GEN_Q_NONE || n < GEN_SEG * 3) {
		capgen_conn_send(&s->c, 0, gen_body, n, GEN_SEG);
		return;
	}
	if (s->quirk == GEN_Q_REORDER) {
		/* second segment first, then the first, then the rest */
		capgen_conn_raw(&s->c, 0, GEN_SEG, gen_body + GEN_SEG,
		    GEN_SEG, 0);
		capgen_conn_raw(&s->c, 0, 0, gen_body, GEN_SEG, 0);
		capgen_conn_advance(&s->c, 0, (uint32_t)seg2);
		capgen_conn_send(&s->c, 0, gen_body + seg2, n - seg2,
		    GEN_SEG);
		return;
	}
	capgen_conn_send(&s->c, 0, gen_body, seg2, GEN_SEG);
	if (s->quirk == GEN_Q_RETRANS)
		capgen_conn_raw(&s->c, 0, -GEN_SEG, gen_body + GEN_SEG,
		    GEN_SEG, 0);
	else
		capgen_conn_raw(&s->c, 0, -(int32_t)seg2, gen_body, seg2, 0);
	capgen_conn_send(&s->c, 0, gen_body + seg2, n - seg2, GEN_SEG);
}

/* One step of a session's dialogue; returns 0 when it is finished. */
static int
gen_step(struct gen_sess *s, unsigned id)
{
	char line[256];

	switch (s->step++) {
	case 0:
		capgen_conn_handshake(&s->c);
		return 1;
	case 1:
		snprintf(line, sizeof(line), "220 mx%u.example.net ESMTP "
		    "Postfix (Debian/GNU) ready at 2020-02-02\r\n", id % 97);
		if (s->kind == GEN_ASA)
			gen_mask_asa(line);
		else if (s->kind == GEN_PIX)
			gen_mask_pix(line);
		gen_send(s, 1, line);
		return 1;
	case 2:
		gen_send(s, 0, "EHLO client.example.org\r\n");
		return 1;
	case 3:
		if (s->kind == GEN_PIX)		/* NOOP reached the server */
			gen_send(s, 1, "250 2.0.0 Ok\r\n");
		else
			gen_send(s, 1, s->kind == GEN_ASA ?
			    "250-mx.example.net\r\n250-PIPELINING\r\n"
			    "250-SIZE 10240000\r\n250-XXXXXXXA\r\n"
			    "250-8BITMIME\r\n250 DSN\r\n" :
			    "250-mx.example.net\r\n250-PIPELINING\r\n"
			    "250-SIZE 10240000\r\n250-STARTTLS\r\n"
			    "250-8BITMIME\r\n250 DSN\r\n");
		return 1;
	case 4:
		snprintf(line, sizeof(line), "MAIL FROM:<s%u@example.org>\r\n",
		    id);
		gen_send(s, 0, line);
		return 1;
	case 5:
		gen_send(s, 1, "250 2.1.0 Ok\r\n");
		return 1;
	case 6:
		gen_send(s, 0, "RCPT TO:<postmaster@example.net>\r\n");
		return 1;
	case 7:
		gen_send(s, 1, "250 2.1.5 Ok\r\n");
		return 1;
	case 8:
		gen_send(s, 0, "DATA\r\n");
		return 1;
	case 9:
		gen_send(s, 1, "354 End data with <CR><LF>.<CR><LF>\r\n");
		return 1;
	case 10:
		gen_body_send(s);
		return 1;
	case 11:
		gen_send(s, 0, ".\r\n");
		return 1;
	case 12:
		gen_send(s, 1, "250 2.0.0 Ok: queued\r\n");
		return 1;
	case 13:
		gen_send(s, 0, "QUIT\r\n");
		return 1;
	case 14:
		gen_send(s, 1, "221 2.0.0 Bye\r\n");
		capgen_conn_fin(&s->c, 1);
		return 1;
	default:
		capgen_conn_fin(&s->c, 0);
		return 0;
	}
}

/* n bytes of 72-column text lines, the last one ending in CRLF too, so
 * that the ".\r\n" sent after it ends the data (RFC 5321 4.1.1.4). */
static void
gen_make_body(size_t n)
{
	static const char words[] = "lorem ipsum dolor sit amet consectetur "
	    "adipiscing elit sed do eiusmod tempor incididunt ut labore ";
	size_t i, col = 0, text;

	if (n < 2)
		n = 2;
	text = n - 2;
	gen_body = xmalloc(n + 1);
	for (i = 0; i < text; i++) {
		if (col >= 70 && i + 2 <= text) {
			gen_body[i++] = '\r';
			gen_body[i] = '\n';
			col = 0;
			continue;
		}
		gen_body[i] = words[(i * 7 + i / 13) % (sizeof(words) - 1)];
		col++;
	}
	gen_body[text] = '\r';
	gen_body[text + 1] = '\n';
	gen_bodylen = n;
}

int
main(int argc, char **argv)
{
	uint64_t nsess = 50000, body = 4800, conc = 64, seed = 1, v;
	uint64_t lt = CAPGEN_LT_EN10MB, vlans = 0;
	int v6 = 0, ng = 0, clean = 0;
	struct capgen g;
	struct gen_sess *act;
	uint64_t started = 0, done = 0, ts = 1600000000ULL * 1000000;
	FILE *ex = NULL;
	char cli[32];
	int ch;
	size_t k;
	static const char *const fam[] = { "none", "asa", "pix" };

	util_set_progname(argv[0]);
	while ((ch = getopt(argc, argv, "n:b:c:s:l:V:6gC")) != -1) {
		if (ch == '6' || ch == 'g' || ch == 'C') {
			*(ch == '6' ? &v6 : ch == 'g' ? &ng : &clean) = 1;
			continue;
		}
		if (optarg == NULL || util_parse_u64(optarg, 0, 100000000,
		    &v) < 0)
			fatal(2, "bad number for -%c", ch);
		if (ch == 'n')
			nsess = v;
		else if (ch == 'b')
			body = v;
		else if (ch == 'c')
			conc = v;
		else if (ch == 's')
			seed = v;
		else if (ch == 'l')
			lt = v;
		else if (ch == 'V')
			vlans = v;
		else
			fatal(2, "usage: gen_capture [-n N] [-b BODY] [-c C] "
			    "[-s SEED] OUT.pcap [EXPECT]");
	}
	if (optind >= argc || conc > 60000 || conc == 0 || nsess == 0 ||
	    vlans > 4)
		fatal(2, "usage: gen_capture [-n N] [-b BODY] [-c C] [-s SEED] "
		    "OUT.pcap [EXPECT]");
	gen_rng ^= seed * 0x9e3779b97f4a7c15ULL;
	if ((gen_out = fopen(argv[optind], "wb")) == NULL)
		fatal(2, "%s: cannot create", argv[optind]);
	if (optind + 1 < argc && (ex = fopen(argv[optind + 1], "w")) == NULL)
		fatal(2, "%s: cannot create", argv[optind + 1]);
	gen_make_body(body);
	capgen_init(&g, (int)lt, ng, 8 * GEN_FLUSH);
	g.vlans = (int)vlans;
	g.v6ext = v6;
	act = xcalloc(conc, sizeof(*act));
	while (done < nsess) {
		k = gen_rand() % conc;
		if (!act[k].active) {
			if (started == nsess)
				continue;
			memset(&act[k], 0, sizeof(act[k]));
			snprintf(cli, sizeof(cli), v6 ? "2001:db8:%x:%x::%x" :
			    "10.%u.%u.%u", (unsigned)(started >> 16) & 0xff,
			    (unsigned)(started >> 8) & 0xff,
			    (unsigned)started & 0xff);
			capgen_conn_init(&act[k].c, &g, cli,
			    (uint16_t)(1024 + started % 60000),
			    v6 ? "2001:db8::25" : "192.0.2.25",
			    25, gen_rand(), gen_rand(), ts);
			act[k].kind = clean ? GEN_NONE : started % 3 == 0 ? GEN_ASA :
			    started % 6 == 1 ? GEN_PIX : GEN_NONE;
			v = gen_rand() % 100;
			act[k].quirk = v < 5 ? GEN_Q_RETRANS : v < 10 ?
			    GEN_Q_REORDER : v < 12 ? GEN_Q_RECUT : GEN_Q_NONE;
			act[k].active = 1;
			if (ex != NULL)
				fprintf(ex, "%llu %s\n",
				    (unsigned long long)started + 1,
				    fam[act[k].kind]);
			started++;
		}
		act[k].c.ts_us = ts;
		if (!gen_step(&act[k], (unsigned)started)) {
			act[k].active = 0;
			done++;
		}
		ts = act[k].c.ts_us + 50;
		gen_flush(&g, 0);
	}
	gen_flush(&g, 1);
	if (fclose(gen_out) != 0 || (ex != NULL && fclose(ex) != 0))
		fatal(1, "close failed");
	capgen_free(&g);
	free(act);
	free(gen_body);
	return 0;
}
