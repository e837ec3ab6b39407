/* pcap_loop.c - benchmark baseline: read every packet, touch every byte. */
/*
 * usage: pcap_loop FILE
 * The cheapest honest reader: libpcap's own loop over the file, summing
 * every captured byte so nothing is optimised away.  Prints the packet
 * count, the byte count and the sum.
 */
#include "config.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct loop_acc {
	uint64_t	 pkts, bytes, sum;
};

static void
loop_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *p)
{
	struct loop_acc *a = (struct loop_acc *)user;
	uint32_t i;

	a->pkts++;
	a->bytes += h->caplen;
	for (i = 0; i < h->caplen; i++)
		a->sum += p[i];
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct loop_acc a = { 0, 0, 0 };
	pcap_t *pc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_loop FILE\n");
		return 2;
	}
	if ((pc = pcap_open_offline(argv[1], err)) == NULL) {
		fprintf(stderr, "pcap_loop: %s\n", err);
		return 2;
	}
	if (pcap_loop(pc, -1, loop_cb, (u_char *)&a) == -1) {
		fprintf(stderr, "pcap_loop: %s\n", pcap_geterr(pc));
		pcap_close(pc);
		return 2;
	}
	pcap_close(pc);
	printf("%llu packets %llu bytes sum %llu\n",
	    (unsigned long long)a.pkts, (unsigned long long)a.bytes,
	    (unsigned long long)a.sum);
	return 0;
}
