/*
 * pktedit.h - editing IPv4/IPv6 TCP packets in place: big-endian fields,
 * the Internet checksum (RFC 1071) and its incremental update (RFC 1624),
 * the TCP checksum with its pseudo-header (RFC 9293 3.1, RFC 8200 8.1).
 *
 * Used by the offline replay (emu_replay) and the inline mode
 * (emu_inline), which both rewrite payload bytes, sequence numbers and
 * lengths of real packets and must leave every checksum right.
 * The caller owns every buffer; nothing here allocates, fails or checks
 * lengths: callers pass lengths they have already bounded.
 */
#ifndef MG_PKTEDIT_H
#define MG_PKTEDIT_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t
pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
pkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
pkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Add p[0..n) as 16-bit big-endian words (an odd last byte padded with
 * zero) to a running one's complement sum; fold it to 16 bits. */
uint32_t	pkt_sum(uint32_t sum, const uint8_t *p, size_t n);
uint16_t	pkt_fold(uint32_t sum);

/* Set the IPv4 header checksum of ip[0..hl). */
void	pkt_ip4_csum(uint8_t *ip, size_t hl);

/* Set the TCP checksum of tcp[0..len) (header and payload) sent from
 * src to dst (4 bytes each for AF_INET, 16 for AF_INET6). */
void	pkt_tcp_csum(int af, const uint8_t *src, const uint8_t *dst,
	    uint8_t *tcp, size_t len);

/* RFC 1624 eqn. 3: update the checksum at csum (2 bytes, big-endian)
 * for the 16-bit words of old[0..n) that became now[0..n) (words at the
 * same even offsets; the checksum field's own word, at skip, ignored;
 * pass skip = SIZE_MAX when the range does not hold it). */
void	pkt_csum_update(uint8_t *csum, const uint8_t *old, const uint8_t *now,
	    size_t n, size_t skip);

#endif
