/* fuzz_emu_replay.c - libFuzzer harness: offline replay of hostile captures. */
/*
 * Input: byte 0 picks the profile and (bit 7) ISN randomisation; the rest
 * is a capture file (pcap or pcapng) handed to emu_replay_run_log().
 * Properties beyond "no crash, no leak": every record read is either
 * written or counted as left out, and a second run gives the same output
 * file byte for byte.
 *
 * Build like fuzz_emu_rewrite.c, adding $S/src/emu_replay.c
 * $S/src/pcap_in.c $S/src/cursor.c and -lpcap; seeds: corpus/emu_replay/.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_profile.h"
#include "emu_replay.h"
#include "mg_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
fuzz_slurp(const char *path, uint8_t **out)
{
	FILE *fp = fopen(path, "rb");
	size_t n = 0, cap = 0, r;
	uint8_t *b = NULL;

	if (fp == NULL)
		return 0;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			b = realloc(b, cap);
			if (b == NULL)
				abort();
		}
		r = fread(b + n, 1, cap - n, fp);
		n += r;
	} while (r > 0);
	fclose(fp);
	*out = b;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[] = "/tmp/fuzz_emu_replay_inXXXXXX";
	char out[] = "/tmp/fuzz_emu_replay_outXXXXXX";
	char err[MG_ERRBUF_SIZE];
	struct emu_replay_stats st;
	const struct emu_profile *p;
	uint8_t *one = NULL, *two = NULL;
	size_t n1, n2;
	int fd, rc1, rc2;

	if (size < 1)
		return 0;
	p = emu_profile_at(data[0] % emu_profile_count());
	if ((fd = mkstemp(in)) < 0)
		abort();
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	if ((fd = mkstemp(out)) < 0)
		abort();
	close(fd);
	rc1 = emu_replay_run_log(p, in, out, data[0] >> 7, 1, NULL, &st, err);
	if (rc1 == 0 && st.written + st.suppressed + st.dropped != st.records)
		abort();
	n1 = fuzz_slurp(out, &one);
	rc2 = emu_replay_run_log(p, in, out, data[0] >> 7, 1, NULL, &st, err);
	n2 = fuzz_slurp(out, &two);
	if (rc1 != rc2 || n1 != n2 || (n1 > 0 && memcmp(one, two, n1) != 0))
		abort();
	free(one);
	free(two);
	unlink(in);
	unlink(out);
	return 0;
}
