/* emu_replay_pkt.c - replay packet editing: checksums, cuts, box answers. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "emu_replay_int.h"
#include "pktedit.h"

/* Link header lengths of the link types pcap_in decodes. */
void
rp_rec_locate(struct rp_rec *r)
{
	size_t off = 0;
	uint16_t et;

	r->ip_ok = 0;
	r->tcp_off = (size_t)(r->k.opts - r->b) - 20;
	switch (r->dlt) {
	case DLT_EN10MB:
		/* Ethernet II, then 802.1Q / 802.1ad tags (4 bytes each) */
		for (off = 12; off + 2 <= r->h.caplen; off += 4) {
			et = pkt_get16(r->b + off);
			if (et != 0x8100 && et != 0x88a8 && et != 0x9100)
				break;
		}
		off += 2;
		break;
	case DLT_LINUX_SLL:
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		off = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		off = 4;
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		off = 0;
		break;
	default:
		return;
	}
	if (off + (r->k.af == AF_INET ? 20 : 40) > r->tcp_off)
		return;
	if ((r->b[off] >> 4) != (r->k.af == AF_INET ? 4 : 6))
		return;
	r->ip_off = off;
	r->ip_ok = 1;
}

/* Full TCP checksum with the pseudo-header; swap: the packet goes the
 * other way (a box answer built from a record). */
static void
rp_csum_full(const struct pcap_pkt *k, int swap, uint8_t *tcp, size_t len)
{
	pkt_tcp_csum(k->af, swap ? k->dst : k->src, swap ? k->src : k->dst,
	    tcp, len);
}

void
rp_tcp_csum(struct rp_rec *r, const uint8_t *old, size_t n)
{
	uint8_t *tcp = r->b + r->tcp_off;

	if (r->k.paylen == r->k.paylen_wire) {
		rp_csum_full(&r->k, 0, tcp, 20 + r->k.optlen + r->k.paylen);
		return;
	}
	pkt_csum_update(tcp + 16, old, tcp, n, 16);
}

/* Subtract n from the IP length field; IPv4 header checksum again. */
static void
rp_ip_shrink(uint8_t *ip, int af, size_t n)
{
	size_t hl;

	if (af == AF_INET) {
		hl = (size_t)(ip[0] & 0x0f) * 4;
		pkt_put16(ip + 2, (uint16_t)(pkt_get16(ip + 2) - n));
		pkt_ip4_csum(ip, hl);
	} else
		pkt_put16(ip + 4, (uint16_t)(pkt_get16(ip + 4) - n));
}

size_t
rp_rec_cut(struct rp_rec *r, size_t pay_off, size_t n,
    const struct emu_actions *a)
{
	size_t i, removed = 0, off, len;

	if (!r->ip_ok || r->k.paylen != r->k.paylen_wire)
		return 0;
	/* from the last cut backwards, so earlier offsets stay valid */
	for (i = a->ncuts; i-- > 0;) {
		off = pay_off + a->cuts[i].off;
		len = a->cuts[i].len;
		if (a->cuts[i].off + len > n || off + len > r->h.caplen)
			continue;
		memmove(r->b + off, r->b + off + len, r->h.caplen - off - len);
		r->h.caplen -= (bpf_u_int32)len;
		r->h.len -= (bpf_u_int32)len;
		removed += len;
	}
	r->k.paylen -= removed;
	r->k.paylen_wire -= removed;
	rp_ip_shrink(r->b + r->ip_off, r->k.af, removed);
	return removed;
}

size_t
rp_inject_frame(const struct rp_rec *r, const uint8_t *data, size_t n,
    uint32_t seq, uint32_t ack, uint8_t *out)
{
	uint8_t mac[6], *ip, *tcp;
	size_t alen = r->k.af == AF_INET ? 4 : 16, aoff, tot;

	if (!r->ip_ok)
		return 0;
	memcpy(out, r->b, r->tcp_off + 20);
	if (r->dlt == DLT_EN10MB) {
		memcpy(mac, out, 6);
		memcpy(out, out + 6, 6);
		memcpy(out + 6, mac, 6);
	}
	ip = out + r->ip_off;
	tcp = out + r->tcp_off;
	aoff = r->k.af == AF_INET ? 12 : 8;
	memcpy(ip + aoff, r->k.dst, alen);
	memcpy(ip + aoff + alen, r->k.src, alen);
	tot = r->tcp_off - r->ip_off + 20 + n;
	if (r->k.af == AF_INET) {
		pkt_put16(ip + 2, (uint16_t)tot);
		pkt_ip4_csum(ip, (size_t)(ip[0] & 0x0f) * 4);
	} else
		pkt_put16(ip + 4, (uint16_t)(tot - 40));
	pkt_put16(tcp, r->k.dport);
	pkt_put16(tcp + 2, r->k.sport);
	pkt_put32(tcp + 4, seq);
	pkt_put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = PCAP_TCP_PSH | PCAP_TCP_ACK;
	tcp[18] = tcp[19] = 0;
	memcpy(tcp + 20, data, n);
	rp_csum_full(&r->k, 1, tcp, 20 + n);
	return r->tcp_off + 20 + n;
}
