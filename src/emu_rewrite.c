/* emu_rewrite.c - rewrite engine: connections, actions, history, dispatch. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "emu_rewrite_int.h"
#include "mg_limits.h"
#include "util.h"

void
emu_actions_init(struct emu_actions *a)
{
	memset(a, 0, sizeof(*a));
	buf_init(&a->inject, EMU_INJECT_MAX);
}

void
emu_actions_reset(struct emu_actions *a)
{
	a->suppress = 0;
	a->ncuts = 0;
	buf_reset(&a->inject);
	a->drop = 0;
	a->passthrough = 0;
	a->hold = 0;
}

void
emu_actions_free(struct emu_actions *a)
{
	if (a == NULL)
		return;
	free(a->cuts);
	a->cuts = NULL;
	a->ncuts = a->cuts_size = 0;
	buf_free(&a->inject);
}

size_t
emu_actions_compact(const struct emu_actions *a, uint8_t *buf, size_t len)
{
	size_t i, rd = 0, wr = 0, end;

	if (a->suppress)
		return 0;
	for (i = 0; i < a->ncuts && a->cuts[i].off < len; i++) {
		if (a->cuts[i].off > rd) {
			memmove(buf + wr, buf + rd, a->cuts[i].off - rd);
			wr += a->cuts[i].off - rd;
		}
		end = a->cuts[i].off + a->cuts[i].len;
		rd = end < len ? end : len;
	}
	if (rd < len) {
		memmove(buf + wr, buf + rd, len - rd);
		wr += len - rd;
	}
	return wr;
}

void
emu_cut_add(struct emu_actions *a, size_t off, size_t len)
{
	struct emu_cut *last;

	if (len == 0)
		return;
	if (a->ncuts > 0) {
		last = &a->cuts[a->ncuts - 1];
		if (last->off + last->len == off) {
			last->len += len;
			return;
		}
	}
	if (a->ncuts == a->cuts_size) {
		a->cuts_size = a->cuts_size ? a->cuts_size * 2 : 8;
		a->cuts = xreallocarray(a->cuts, a->cuts_size,
		    sizeof(*a->cuts));
	}
	a->cuts[a->ncuts].off = off;
	a->cuts[a->ncuts].len = len;
	a->ncuts++;
}

void
emu_inject(struct emu_actions *a, const char *s)
{
	/* Past EMU_INJECT_MAX in one call the box's answers are lost, as
	 * a real box's would be under a flood of refused commands. */
	(void)buf_append_str(&a->inject, s);
}

struct emu_conn *
emu_conn_new(const struct emu_profile *p, struct emu_log *log,
    const struct emu_peers *peers)
{
	struct emu_conn *c = xcalloc(1, sizeof(*c));

	c->p = p;
	c->log = log;
	if (peers != NULL)
		c->peers = *peers;
	else
		emu_peers_init(&c->peers);
	c->cs.verdict = EMU_V_UNDECIDED;
	return c;
}

void
emu_conn_free(struct emu_conn *c)
{
	if (c == NULL)
		return;
	free(c->hist[EMU_C2S].ring);
	free(c->hist[EMU_S2C].ring);
	free(c);
}

void
emu_conn_set_hold(struct emu_conn *c, int on)
{
	c->hold = on != 0;
}

void
emu_conn_set_replay(struct emu_conn *c, int on)
{
	c->replay = on != 0;
}

uint64_t
emu_conn_offset(const struct emu_conn *c, enum emu_dir d)
{
	return c->off[d == EMU_S2C];
}

int
emu_conn_passthrough(const struct emu_conn *c)
{
	return c->passthrough;
}

int
emu_conn_dropped(const struct emu_conn *c)
{
	return c->dropped;
}

void
emu_pend_push(struct emu_conn *c, enum emu_pend k)
{
	if (c->pend_n == EMU_PENDING_MAX) {
		c->pend_lost++;	/* the reply will be taken as OTHER */
		return;
	}
	c->pend[(c->pend_head + c->pend_n) % EMU_PENDING_MAX] = (uint8_t)k;
	c->pend_n++;
}

enum emu_pend
emu_pend_pop(struct emu_conn *c)
{
	enum emu_pend k;

	if (c->pend_n == 0)
		return EMU_PEND_OTHER;	/* unsolicited reply */
	k = (enum emu_pend)c->pend[c->pend_head];
	c->pend_head = (c->pend_head + 1) % EMU_PENDING_MAX;
	c->pend_n--;
	return k;
}

void
emu_event(struct emu_conn *c, enum emu_log_id id,
    const struct emu_log_arg *arg)
{
	emu_log_event(c->log, c->p->log_style, id, &c->peers, arg);
}

void
emu_drop(struct emu_conn *c, struct emu_actions *a)
{
	if (!c->dropped && c->p->drop_421)
		emu_inject(a, "421 Service not available, closing "
		    "transmission channel\r\n");
	c->dropped = 1;
	a->drop = 1;
	a->suppress = 1;
}

/*
 * A class of the ASA _default_esmtp_map matched.  Class numbers follow
 * the order of the default map's match statements (INF: the guide lists
 * cmd line length, cmd RCPT count, body line length, header line length,
 * sender-address length, MIME filename length in that order).
 */
void
emu_limit(struct emu_conn *c, struct emu_actions *a, int class_no,
    const char *what, int can_drop)
{
	struct emu_log_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.class_no = class_no;
	arg.what = what;
	if (can_drop && c->p->drop) {
		emu_event(c, EMU_LOG_108004_DROPPED, &arg);
		emu_drop(c, a);
	} else
		emu_event(c, EMU_LOG_108005_LOGONLY, &arg);
}

void
emu_snapshot(struct emu_conn *c, enum emu_dir d, size_t idx)
{
	if (!c->hold)
		return;
	c->snap_ok = 1;
	c->snap_idx = idx;
	if (d == EMU_C2S)
		c->cs_snap = c->cs;
	else
		c->ss_snap = c->ss;
}

static void
emu_hist_record(struct emu_hist *h, const uint8_t *buf, size_t n)
{
	size_t pos, k;

	/* Allocated on first use: a live proxy (hold mode) never needs it. */
	if (h->ring == NULL)
		h->ring = xmalloc(EMU_HISTORY_MAX);
	if (n > EMU_HISTORY_MAX) {
		h->end += n - EMU_HISTORY_MAX;
		buf += n - EMU_HISTORY_MAX;
		n = EMU_HISTORY_MAX;
	}
	while (n > 0) {
		pos = (size_t)(h->end % EMU_HISTORY_MAX);
		k = EMU_HISTORY_MAX - pos;
		if (k > n)
			k = n;
		memcpy(h->ring + pos, buf, k);
		h->end += k;
		buf += k;
		n -= k;
	}
}

size_t
emu_rewrite_history(const struct emu_conn *c, enum emu_dir d, uint64_t off,
    uint8_t *out, size_t len)
{
	const struct emu_hist *h = &c->hist[d == EMU_S2C];
	uint64_t start = h->end > EMU_HISTORY_MAX ? h->end - EMU_HISTORY_MAX :
	    0;
	size_t n, i;

	if (h->ring == NULL || off < start || off >= h->end)
		return 0;
	n = (size_t)(h->end - off < len ? h->end - off : len);
	for (i = 0; i < n; i++)
		out[i] = h->ring[(off + i) % EMU_HISTORY_MAX];
	return n;
}

int
emu_rewrite_segment(struct emu_conn *c, enum emu_dir d, uint8_t *buf,
    size_t len, struct emu_actions *act)
{
	size_t used;
	int side = d == EMU_S2C;

	if (c == NULL || act == NULL || (buf == NULL && len > 0) ||
	    (d != EMU_C2S && d != EMU_S2C))
		return -1;
	emu_actions_reset(act);
	if (c->dropped) {
		/* Consumed and suppressed: the stream offset still moves on,
		 * so a caller's offsets stay in step (fuzz_emu_rewrite
		 * regression emu_rewrite-offset-after-drop). */
		act->drop = act->suppress = 1;
		used = len;
	} else if (c->passthrough) {
		act->passthrough = 1;
		used = len;
	} else {
		c->snap_ok = 0;
		used = side ? emu_s2c(c, buf, len, act) :
		    emu_c2s(c, buf, len, act);
		act->hold = len - used;
		if (c->passthrough)
			act->passthrough = 1;
	}
	if (!act->drop && used > 0 && act->ncuts == 1 &&
	    act->cuts[0].off == 0 && act->cuts[0].len >= used)
		act->suppress = 1;
	/* History serves retransmissions in the modes that cannot hold
	 * (inline, replay); in hold mode only its offset moves on. */
	if (c->hold)
		c->hist[side].end += used;
	else if (used > 0)
		emu_hist_record(&c->hist[side], buf, used);
	c->off[side] += used;
	return 0;
}
