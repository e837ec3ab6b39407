/* path_hops.c - path probes: match answers to probes, find the hops. */
#include "config.h"

#include <string.h>

#include "path.h"

/* xorshift32 (deterministic from the seed: tests) */
static uint32_t
path_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x2545f491u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

void
path_run_init(struct path_run *pr, const uint8_t target[4],
    const uint8_t source[4], uint16_t smtp_port, uint16_t control_port,
    unsigned max_hops, uint32_t seed)
{
	uint32_t rng = seed;
	uint16_t base;
	unsigned t, k;

	memset(pr, 0, sizeof(*pr));
	memcpy(pr->target, target, 4);
	memcpy(pr->source, source, 4);
	pr->port[PATH_SMTP] = smtp_port;
	pr->port[PATH_CONTROL] = control_port;
	pr->max_hops = max_hops == 0 || max_hops > PATH_HOPS_MAX ?
	    PATH_HOPS_DEFAULT : max_hops;
	/* source ports we never bind, below the Linux ephemeral range
	 * (32768-60999): one per probe, so answers match without doubt */
	base = (uint16_t)(20000 + path_rand(&rng) % 10000);
	for (t = 0; t < PATH_HOPS_MAX; t++)
		for (k = 0; k < PATH_KINDS; k++) {
			struct path_probe *p = &pr->probe[t][k];

			p->ttl = (uint8_t)(t + 1);
			p->kind = (enum path_kind)k;
			path_syn_default(&p->syn,
			    (uint16_t)(base + t * PATH_KINDS + k),
			    pr->port[k], path_rand(&rng), path_rand(&rng));
			p->syn.ipid = (uint16_t)path_rand(&rng);
		}
}

struct path_probe *
path_run_match(struct path_run *pr, const struct path_reply *r,
    uint64_t now_us)
{
	unsigned t, k;

	if (memcmp(r->target, pr->target, 4) != 0)
		return NULL;
	for (t = 0; t < PATH_HOPS_MAX; t++)
		for (k = 0; k < PATH_KINDS; k++) {
			struct path_probe *p = &pr->probe[t][k];

			if (p->tries == 0 || p->syn.sport != r->our_port ||
			    p->syn.dport != r->dport)
				continue;
			if (!p->answered) {
				p->answered = 1;
				p->reply = *r;
				p->rtt_us = now_us >= p->sent_us ?
				    now_us - p->sent_us : 0;
			}
			return p;
		}
	return NULL;
}

/* Option bytes other than the MSS value, compared. */
static int
path_opts_same(const struct path_syn *a, const struct path_syn *b)
{
	uint8_t x[PATH_OPTS_MAX], y[PATH_OPTS_MAX];
	size_t i;

	if (a->optlen != b->optlen)
		return 0;
	memcpy(x, a->opts, a->optlen);
	memcpy(y, b->opts, b->optlen);
	for (i = 0; i + 3 < a->optlen; ) {
		if (x[i] == 0)
			break;
		if (x[i] == 1) {
			i++;
			continue;
		}
		if (x[i] == 2 && y[i] == 2)
			x[i + 2] = x[i + 3] = y[i + 2] = y[i + 3] = 0;
		if (x[i + 1] < 2)
			break;
		i += x[i + 1];
	}
	return memcmp(x, y, a->optlen) == 0;
}

/* Does the quote show field f; its sent and seen values. */
static int
path_field(enum path_field f, const struct path_syn *s,
    const struct path_syn *q, uint32_t *sent, uint32_t *seen)
{
	switch (f) {
	case PATH_F_SEQ:
		*sent = s->seq;
		*seen = q->seq;
		return 1;
	case PATH_F_TOS:
		*sent = s->tos;
		*seen = q->tos;
		return 1;
	case PATH_F_WIN:
		*sent = s->win;
		*seen = q->win;
		return q->have_hdr;
	case PATH_F_MSS:
		*sent = path_opts_mss(s->opts, s->optlen);
		*seen = path_opts_mss(q->opts, q->optlen);
		return q->have_opts;
	case PATH_F_OPTS:
		*sent = s->optlen;
		*seen = q->optlen;
		return q->have_opts ? 1 + !path_opts_same(s, q) : 0;
	default:
		return 0;
	}
}

static void
path_changes(const struct path_run *pr, enum path_kind k,
    struct path_result *res)
{
	unsigned t, f;
	uint32_t sent, seen;
	int have;

	for (t = 0; t < pr->nhops; t++) {
		const struct path_probe *p = &pr->probe[t][k];

		if (!p->answered || (p->reply.type != PATH_ANS_TIMXCEED &&
		    p->reply.type != PATH_ANS_UNREACH))
			continue;
		res->quotes[k]++;
		for (f = 0; f < PATH_F__COUNT; f++) {
			struct path_change *c = &res->change[k][f];

			have = path_field((enum path_field)f, &p->syn,
			    &p->reply.quote, &sent, &seen);
			if (!have || c->first_diff != 0)
				continue;
			if (f == PATH_F_OPTS ? have == 2 : sent != seen) {
				c->first_diff = p->ttl;
				c->sent = sent;
				c->seen = seen;
			} else
				c->last_same = p->ttl;
		}
	}
}

void
path_analyze(const struct path_run *pr, struct path_result *res)
{
	const struct path_probe *p;
	unsigned t, k, further = 0;

	memset(res, 0, sizeof(*res));
	for (t = 0; t < pr->nhops; t++)
		for (k = 0; k < PATH_KINDS; k++) {
			p = &pr->probe[t][k];
			if (!p->answered)
				continue;
			res->last_hop = p->ttl;
			if (p->reply.type == PATH_ANS_TIMXCEED)
				further = p->ttl;
			if (p->reply.type != PATH_ANS_SYNACK &&
			    p->reply.type != PATH_ANS_RST)
				continue;
			if (k == PATH_CONTROL && res->server_hop == 0)
				res->server_hop = p->ttl;
			if (k == PATH_SMTP && res->smtp_hop == 0) {
				res->smtp_hop = p->ttl;
				res->smtp_ans = p->reply.type;
				memcpy(res->smtp_from, p->reply.from, 4);
			}
		}
	/*
	 * A SYN-ACK for the SMTP port from fewer hops than the server (the
	 * control port's RST), or while probes to the same address still
	 * expire further on: something answers for the server there.
	 */
	if (res->smtp_hop != 0 && res->smtp_ans == PATH_ANS_SYNACK &&
	    ((res->server_hop != 0 && res->smtp_hop < res->server_hop) ||
	    further >= res->smtp_hop))
		res->proxy_hop = res->smtp_hop;
	for (k = 0; k < PATH_KINDS; k++)
		path_changes(pr, (enum path_kind)k, res);
}
