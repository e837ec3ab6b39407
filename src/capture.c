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
	/* step API: the open file, its flows, the last record's time */
	struct pcap_in		*in;
	struct flow_table	*ft;
	uint64_t		 now_us;
	int			 ended;
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
	flow_table_free(c->ft);
	pcap_in_free(c->in);
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

/* End of input (or damage): close every flow, deliver, final counters. */
static void
capture_finish(struct capture *c)
{
	enum pcap_skip k;

	/* Results for everything read before any damage. */
	flow_table_flush(c->ft);
	capture_release(c);
	c->st.records = pcap_in_records(c->in);
	c->st.bytes = pcap_in_bytes(c->in);
	for (k = PCAP_SKIP_NONE; k < PCAP_SKIP__COUNT; k++)
		c->st.skipped[k] = pcap_in_skipped(c->in, k);
	c->st.flows = *flow_table_stats(c->ft);
	flow_table_free(c->ft);
	c->ft = NULL;
	pcap_in_free(c->in);
	c->in = NULL;
	c->ended = 1;
}

static int
capture_start(struct capture *c, struct pcap_in *in)
{
	if (in == NULL)
		return -1;
	c->in = in;
	c->ft = flow_table_new(c->o.flows_max, c->o.idle_us,
	    capture_flow_event, c);
	c->st.linktype = pcap_in_linktype(in);
	return 0;
}

int
capture_open(struct capture *c, const char *path, char *errbuf)
{
	if (c->in != NULL || c->ended) {
		snprintf(errbuf, MG_ERRBUF_SIZE, "%s: capture already read",
		    path);
		return -1;
	}
	return capture_start(c, pcap_in_open(path, c->o.filter, errbuf));
}

int
capture_open_fp(struct capture *c, FILE *fp, const char *name, char *errbuf)
{
	if (c->in != NULL || c->ended) {
		snprintf(errbuf, MG_ERRBUF_SIZE, "%s: capture already read",
		    name);
		fclose(fp);
		return -1;
	}
	return capture_start(c, pcap_in_fopen(fp, name, c->o.filter,
	    errbuf));
}

int
capture_step(struct capture *c, uint64_t max, char *errbuf)
{
	struct pcap_pkt pkt;
	uint64_t n;
	int rc;

	if (c->ended || c->in == NULL)
		return CAPTURE_END;
	for (n = 0; n < max; n++) {
		rc = pcap_in_next(c->in, &pkt, errbuf);
		if (rc == PCAP_IN_EOF || rc == PCAP_IN_ERROR) {
			capture_finish(c);
			return rc == PCAP_IN_EOF ? CAPTURE_END : -1;
		}
		if (c->st.matched++ == 0 || pkt.ts_us < c->st.first_us)
			c->st.first_us = pkt.ts_us;
		if (pkt.ts_us > c->st.last_us)
			c->st.last_us = pkt.ts_us;
		c->now_us = pkt.ts_us;
		if (rc == PCAP_IN_TCP) {
			c->st.tcp++;
			flow_input(c->ft, &pkt);
		}
		if (c->o.progress != NULL &&
		    pcap_in_records(c->in) % CAPTURE_PROGRESS_EVERY == 0)
			c->o.progress(pcap_in_bytes(c->in), c->o.progress_arg);
	}
	c->st.records = pcap_in_records(c->in);
	c->st.bytes = pcap_in_bytes(c->in);
	return CAPTURE_MORE;
}

uint64_t
capture_horizon(const struct capture *c)
{
	size_t nold;

	return capture_bound(c, 0, NULL, 0, &nold);	/* nothing is older */
}

uint64_t
capture_bound(const struct capture *c, uint64_t before, uint64_t *old,
    size_t max, size_t *nold)
{
	const struct capture_node *n;
	uint64_t from;

	*nold = 0;
	if (c->ended || c->in == NULL)
		return UINT64_MAX;
	from = c->now_us;
	for (n = c->head; n != NULL; n = n->next) {
		if (n->f->first_us >= before || *nold == max) {
			if (n->f->first_us < from)
				from = n->f->first_us;
			break;
		}
		old[(*nold)++] = n->f->first_us;
	}
	return from;
}

uint64_t
capture_position(const struct capture *c)
{
	return c->ended || c->in == NULL ? UINT64_MAX : c->now_us;
}

int
capture_run(struct capture *c, const char *path, char *errbuf)
{
	int rc;

	if (capture_open(c, path, errbuf) != 0)
		return -1;
	while ((rc = capture_step(c, UINT64_MAX, errbuf)) == CAPTURE_MORE)
		;
	return rc;
}

int
capture_run_fp(struct capture *c, FILE *fp, const char *name, char *errbuf)
{
	int rc;

	if (capture_open_fp(c, fp, name, errbuf) != 0)
		return -1;
	while ((rc = capture_step(c, UINT64_MAX, errbuf)) == CAPTURE_MORE)
		;
	return rc;
}
