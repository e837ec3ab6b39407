/* pktedit.c - Internet checksums for packets edited in place. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "pktedit.h"

/* RFC 1071 4.1: the sum of 16-bit big-endian words, odd byte padded. */
uint32_t
pkt_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint16_t
pkt_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

void
pkt_ip4_csum(uint8_t *ip, size_t hl)
{
	ip[10] = ip[11] = 0;
	pkt_put16(ip + 10, (uint16_t)~pkt_fold(pkt_sum(0, ip, hl)));
}

/* The pseudo-header: RFC 9293 3.1 (IPv4), RFC 8200 8.1 (IPv6). */
void
pkt_tcp_csum(int af, const uint8_t *src, const uint8_t *dst, uint8_t *tcp,
    size_t len)
{
	uint8_t ph[40];
	size_t n = af == AF_INET ? 4 : 16;
	uint32_t sum;

	memset(ph, 0, sizeof(ph));
	memcpy(ph, src, n);
	memcpy(ph + n, dst, n);
	if (af == AF_INET) {
		ph[9] = 6;
		pkt_put16(ph + 10, (uint16_t)len);
		sum = pkt_sum(0, ph, 12);
	} else {
		pkt_put32(ph + 32, (uint32_t)len);
		ph[39] = 6;
		sum = pkt_sum(0, ph, 40);
	}
	tcp[16] = tcp[17] = 0;
	pkt_put16(tcp + 16, (uint16_t)~pkt_fold(pkt_sum(sum, tcp, len)));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for each changed word. */
void
pkt_csum_update(uint8_t *csum, const uint8_t *old, const uint8_t *now,
    size_t n, size_t skip)
{
	uint32_t sum = (uint16_t)~pkt_get16(csum);
	uint16_t o, w;
	size_t i;

	for (i = 0; i < n; i += 2) {
		if (i == skip)
			continue;
		o = (uint16_t)(old[i] << 8 | (i + 1 < n ? old[i + 1] : 0));
		w = (uint16_t)(now[i] << 8 | (i + 1 < n ? now[i + 1] : 0));
		if (o != w)
			sum += (uint16_t)~o + (uint32_t)w;
	}
	pkt_put16(csum, (uint16_t)~pkt_fold(sum));
}
