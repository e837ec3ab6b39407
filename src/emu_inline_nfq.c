/* emu_inline_nfq.c - the netfilter queue loop around the inline core. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>

#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "emu_inline.h"
#include "mg_limits.h"
#include "util.h"

/* Receive buffer: one netlink message carries a whole packet. */
#define EI_NFQ_RCVBUF	(EMU_INLINE_PKT_MAX + 4096)
#define EI_NFQ_QLEN	4096
#define EI_NFQ_POLL_MS	200

struct ei_nfq {
	struct emu_inline	*ei;
	uint8_t			 pkt[EMU_INLINE_PKT_MAX];
	int			 verdict_err;
	int			 raw4, raw6;	/* own answers */
};

/* Send the box's own answer (IPPROTO_RAW: the header is ours). */
static void
ei_nfq_inject(struct ei_nfq *q)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const uint8_t *p;
	size_t len;
	socklen_t sl;
	int fd;

	if ((p = emu_inline_inject(q->ei, &len)) == NULL)
		return;
	memset(&ss, 0, sizeof(ss));
	if ((p[0] >> 4) == 4) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, p + 16, 4);
		sl = sizeof(*sin);
		fd = q->raw4;
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, p + 24, 16);
		sl = sizeof(*sin6);
		fd = q->raw6;
	}
	/* a lost answer is sent again when the sender retransmits */
	if (fd >= 0)
		(void)sendto(fd, p, len, 0, (struct sockaddr *)&ss, sl);
}

static int
ei_nfq_cb(struct nfq_q_handle *qh, struct nfgenmsg *msg,
    struct nfq_data *nfa, void *data)
{
	struct ei_nfq *q = data;
	struct nfqnl_msg_packet_hdr *ph;
	unsigned char *payload;
	uint32_t id;
	int len, changed = 0, rc;
	enum emu_inline_verdict v = EMU_INLINE_ACCEPT;

	if ((ph = nfq_get_msg_packet_hdr(nfa)) == NULL)
		return 0;
	id = ntohl(ph->packet_id);
	len = nfq_get_payload(nfa, &payload);
	if (len > 0 && (size_t)len <= sizeof(q->pkt)) {
		memcpy(q->pkt, payload, (size_t)len);
		v = emu_inline_packet(q->ei, q->pkt, (size_t)len,
		    util_mono_us(), &changed);
	}
	if (v == EMU_INLINE_DROP)
		rc = nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
	else if (changed)
		rc = nfq_set_verdict(qh, id, NF_ACCEPT, (uint32_t)len, q->pkt);
	else
		rc = nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	if (rc < 0)
		q->verdict_err = errno ? errno : EIO;
	ei_nfq_inject(q);
	return 0;
}

static int
ei_nfq_loop(struct nfq_handle *h, struct ei_nfq *q,
    volatile sig_atomic_t *stop, char *errbuf)
{
	static char buf[EI_NFQ_RCVBUF];
	struct pollfd pfd;
	ssize_t n;

	pfd.fd = nfq_fd(h);
	pfd.events = POLLIN;
	while (!*stop) {
		if (poll(&pfd, 1, EI_NFQ_POLL_MS) < 0) {
			if (errno == EINTR)
				continue;
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "poll: %s",
			    strerror(errno));
			return -1;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		n = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			/* ENOBUFS: the kernel dropped queued packets
			 * (they are lost, as on a saturated box) */
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ENOBUFS)
				continue;
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "netlink recv: %s",
			    strerror(errno));
			return -1;
		}
		(void)nfq_handle_packet(h, buf, (int)n);
		if (q->verdict_err != 0) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "nfq_set_verdict: "
			    "%s", strerror(q->verdict_err));
			return -1;
		}
	}
	return 0;
}

struct emu_inline_queue {
	struct nfq_handle	*h;
	struct nfq_q_handle	*qh;
	struct ei_nfq		 q;
};

struct emu_inline_queue *
emu_inline_queue_open(struct emu_inline *ei, uint16_t queue, char *errbuf)
{
	struct emu_inline_queue *iq = xcalloc(1, sizeof(*iq));

	iq->q.ei = ei;
	iq->q.raw4 = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	iq->q.raw6 = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
	if ((iq->h = nfq_open()) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "nfq_open: %s (needs "
		    "CAP_NET_ADMIN)", strerror(errno));
		emu_inline_queue_close(iq);
		return NULL;
	}
	/* Kernels before 3.8 want the family bound; later ones ignore it. */
	(void)nfq_bind_pf(iq->h, AF_INET);
	(void)nfq_bind_pf(iq->h, AF_INET6);
	iq->qh = nfq_create_queue(iq->h, queue, ei_nfq_cb, &iq->q);
	if (iq->qh == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "queue %u: %s (another "
		    "consumer on it?)", (unsigned)queue, strerror(errno));
		emu_inline_queue_close(iq);
		return NULL;
	}
	if (nfq_set_mode(iq->qh, NFQNL_COPY_PACKET, EMU_INLINE_PKT_MAX) < 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "queue %u: copy mode: %s",
		    (unsigned)queue, strerror(errno));
		emu_inline_queue_close(iq);
		return NULL;
	}
	(void)nfq_set_queue_maxlen(iq->qh, EI_NFQ_QLEN);
	return iq;
}

int
emu_inline_queue_run(struct emu_inline_queue *iq, volatile sig_atomic_t *stop,
    char *errbuf)
{
	return ei_nfq_loop(iq->h, &iq->q, stop, errbuf);
}

void
emu_inline_queue_close(struct emu_inline_queue *iq)
{
	if (iq == NULL)
		return;
	if (iq->qh != NULL)
		nfq_destroy_queue(iq->qh);
	if (iq->h != NULL)
		nfq_close(iq->h);
	if (iq->q.raw4 >= 0)
		close(iq->q.raw4);
	if (iq->q.raw6 >= 0)
		close(iq->q.raw6);
	free(iq);
}
