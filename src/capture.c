/* capture.c - file to sessions: read, decode, track flows, deliver. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "mg_limits.h"
#include "util.h"

/* A session candidate in first-packet order. */
struct capture_node {
	struct flow		*f;
	int			 done;
	struct capture_node	*prev, *next;	/* first-packet order */
	struct capture_node	*dprev, *dnext;	/* done ones, finish order */
};

struct capture {
	struct capture_opts	 o;
	capture_session_fn	*cb;
	void			*arg;
	struct capture_node	*head, *tail;
	struct capture_node	*dhead, *dtail;
	size_t			 held;		/* done, not yet delivered */
	uint64_t		 held_bytes;	/* their stored stream bytes */
	struct capture_stats	 st;
};

struct capture *
capture_new(const struct capture_opts *opts, capture_session_fn *cb,
    void *arg)
{
	struct capture *c = xcalloc(1, sizeof(*c));

	if (opts != NULL)
		c->o = *opts;
	c->cb = cb;
	c->arg = arg;
	return c;
}

static void
capture_node_unlink(struct capture *c, struct capture_node *n)
{
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		c->head = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	else
		c->tail = n->prev;
}

void
capture_free(struct capture *c)
{
	struct capture_node *n, *nx;

	if (c == NULL)
		return;
	for (n = c->head; n != NULL; n = nx) {
		nx = n->next;
		if (n->done)
			flow_free(n->f);
		free(n);
	}
	free(c);
}

const struct capture_stats *
capture_stats(const struct capture *c)
{
	return &c->st;
}

static uint64_t
capture_node_bytes(const struct capture_node *n)
{
	const struct transcript *t = n->f->t;

	return t != NULL ? t->stream[TR_C2S].len + t->stream[TR_S2C].len : 0;
}

static void
capture_done_unlink(struct capture *c, struct capture_node *n)
{
	if (n->dprev != NULL)
		n->dprev->dnext = n->dnext;
	else
		c->dhead = n->dnext;
	if (n->dnext != NULL)
		n->dnext->dprev = n->dprev;
	else
		c->dtail = n->dprev;
}

static void
capture_deliver(struct capture *c, struct capture_node *n)
{
	struct capture_session s;

	capture_node_unlink(c, n);
	capture_done_unlink(c, n);
	c->held--;
	c->held_bytes -= capture_node_bytes(n);
	memset(&s, 0, sizeof(s));
	s.id = n->f->id;
	s.kind = n->f->kind;
	s.end = n->f->end;
	s.flow = n->f;
	s.t = n->f->t;
	n->f->t = NULL;
	if (c->cb != NULL)
		c->cb(&s, c->arg);
	transcript_free(s.t);
	flow_free(n->f);
	free(n);
	c->st.delivered++;
}

/* Deliver finished sessions from the front; relax the order when too
 * many finished ones wait behind a long-lived earlier flow (then the one
 * that finished first goes, in O(1)). */
static void
capture_release(struct capture *c)
{
	while (c->head != NULL && c->head->done)
		capture_deliver(c, c->head);
	while ((c->held > CAPTURE_HOLD_MAX ||
	    c->held_bytes > CAPTURE_HOLD_BYTES_MAX) && c->dhead != NULL) {
		c->st.order_relaxed++;
		capture_deliver(c, c->dhead);
	}
}

static void
capture_flow_event(struct flow *f, enum flow_ev ev, void *arg)
{
	struct capture *c = arg;
	struct capture_node *n = f->user;

	switch (ev) {
	case FLOW_EV_NEW:
		n = xcalloc(1, sizeof(*n));
		n->f = f;
		n->prev = c->tail;
		if (c->tail != NULL)
			c->tail->next = n;
		else
			c->head = n;
		c->tail = n;
		f->user = n;
		break;
	case FLOW_EV_OTHER:
		if (f->kind == FLOW_OTHER && n != NULL) {
			capture_node_unlink(c, n);
			free(n);
			f->user = NULL;
		}
		capture_release(c);
		break;
	case FLOW_EV_CLOSE:
		if (n == NULL || f->kind == FLOW_OTHER) {
			if (n != NULL) {
				capture_node_unlink(c, n);
				free(n);
			}
			flow_free(f);
			capture_release(c);
			break;
		}
		n->done = 1;
		n->dprev = c->dtail;
		if (c->dtail != NULL)
			c->dtail->dnext = n;
		else
			c->dhead = n;
		c->dtail = n;
		c->held++;
		c->held_bytes += capture_node_bytes(n);
		capture_release(c);
		break;
	}
}

static int
capture_loop(struct capture *c, struct pcap_in *in, char *errbuf)
{
	struct flow_table *ft;
	struct pcap_pkt pkt;
	int rc, err = 0;
	enum pcap_skip k;

	ft = flow_table_new(c->o.flows_max, c->o.idle_us, capture_flow_event,
	    c);
	c->st.linktype = pcap_in_linktype(in);
	while ((rc = pcap_in_next(in, &pkt, errbuf)) != PCAP_IN_EOF) {
		if (rc == PCAP_IN_ERROR) {
			err = -1;
			break;
		}
		if (c->st.matched++ == 0 || pkt.ts_us < c->st.first_us)
			c->st.first_us = pkt.ts_us;
		if (pkt.ts_us > c->st.last_us)
			c->st.last_us = pkt.ts_us;
		if (rc == PCAP_IN_TCP) {
			c->st.tcp++;
			flow_input(ft, &pkt);
		}
		if (c->o.progress != NULL &&
		    pcap_in_records(in) % CAPTURE_PROGRESS_EVERY == 0)
			c->o.progress(pcap_in_bytes(in), c->o.progress_arg);
	}
	/* Results for everything read before any damage. */
	flow_table_flush(ft);
	capture_release(c);
	c->st.records = pcap_in_records(in);
	c->st.bytes = pcap_in_bytes(in);
	for (k = PCAP_SKIP_NONE; k < PCAP_SKIP__COUNT; k++)
		c->st.skipped[k] = pcap_in_skipped(in, k);
	c->st.flows = *flow_table_stats(ft);
	flow_table_free(ft);
	return err;
}

int
capture_run(struct capture *c, const char *path, char *errbuf)
{
	struct pcap_in *in;
	int rc;

	if ((in = pcap_in_open(path, c->o.filter, errbuf)) == NULL)
		return -1;
	rc = capture_loop(c, in, errbuf);
	pcap_in_free(in);
	return rc;
}

int
capture_run_fp(struct capture *c, FILE *fp, const char *name, char *errbuf)
{
	struct pcap_in *in;
	int rc;

	if ((in = pcap_in_fopen(fp, name, c->o.filter, errbuf)) == NULL)
		return -1;
	rc = capture_loop(c, in, errbuf);
	pcap_in_free(in);
	return rc;
}
