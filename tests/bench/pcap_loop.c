/* pcap_loop.c - benchmark baseline: read every packet, touch every byte. */
/*
 * usage: pcap_loop FILE | pcap_loop -c FILE | pcap_loop -s FILE
 * The cheapest honest reader: libpcap's own loop over the file, summing
 * every captured byte so nothing is optimised away.  Prints the packet
 * count, the byte count and the sum.  With -c it runs mailguard's capture
 * pipeline instead (decode, flows, reassembly into transcripts, sessions
 * in first-packet order) without judging the sessions, so the benchmark
 * can split mailguard-detect's time into reading and judging.  With -s
 * it runs the bare loop while a second thread of the same process keeps
 * busy on its own megabyte (no data shared): on some virtual machines
 * that alone slows the loop (the benchmark VM, at times, by half), and
 * every multi-threaded program with it; the benchmark prints the figure
 * so that its threaded times can be read.
 */
#include "config.h"

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "mg_limits.h"

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

static void
loop_session(struct capture_session *s, void *arg)
{
	struct loop_acc *a = arg;

	a->pkts++;
	if (s->t != NULL)
		a->bytes += s->t->total[TR_C2S] + s->t->total[TR_S2C];
}

static int
loop_pipeline(const char *path)
{
	char err[MG_ERRBUF_SIZE];
	struct loop_acc a = { 0, 0, 0 };
	struct capture *c = capture_new(NULL, loop_session, &a);
	int rc = capture_run(c, path, err);

	capture_free(c);
	if (rc != 0) {
		fprintf(stderr, "pcap_loop: %s\n", err);
		return 2;
	}
	printf("%llu sessions %llu stream bytes\n",
	    (unsigned long long)a.pkts, (unsigned long long)a.bytes);
	return 0;
}

/* -s: a busy thread on its own memory until the loop is done. */
static volatile int loop_spin_stop;

static void *
loop_spin(void *arg)
{
	static unsigned char mem[1024 * 1024];
	uint64_t sum = 0;
	size_t i;

	(void)arg;
	while (!loop_spin_stop) {
		memset(mem, (int)(sum & 0xff), sizeof(mem));
		for (i = 0; i < sizeof(mem); i += 64)
			sum += mem[i];
	}
	return (void *)(uintptr_t)sum;
}

int
main(int argc, char **argv)
{
	static char iobuf[256 * 1024];
	char err[PCAP_ERRBUF_SIZE];
	struct loop_acc a = { 0, 0, 0 };
	pthread_t spin;
	int spinning = 0;
	pcap_t *pc;
	FILE *fp;

	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		return loop_pipeline(argv[2]);
	if (argc == 3 && strcmp(argv[1], "-s") == 0) {
		if (pthread_create(&spin, NULL, loop_spin, NULL) != 0) {
			fprintf(stderr, "pcap_loop: cannot start a thread\n");
			return 2;
		}
		spinning = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: pcap_loop [-c | -s] FILE\n");
		return 2;
	}
	/* The same 256 KiB stdio buffer mailguard's reader uses
	 * (src/pcap_in.c): the baseline gets every advantage. */
	if ((fp = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	(void)setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));
	if ((pc = pcap_fopen_offline(fp, err)) == NULL) {
		fprintf(stderr, "pcap_loop: %s\n", err);
		return 2;
	}
	if (pcap_loop(pc, -1, loop_cb, (u_char *)&a) == -1) {
		fprintf(stderr, "pcap_loop: %s\n", pcap_geterr(pc));
		pcap_close(pc);
		return 2;
	}
	pcap_close(pc);
	if (spinning) {
		loop_spin_stop = 1;
		pthread_join(spin, NULL);
	}
	printf("%llu packets %llu bytes sum %llu\n",
	    (unsigned long long)a.pkts, (unsigned long long)a.bytes,
	    (unsigned long long)a.sum);
	return 0;
}
