/* fuzz_emu_rewrite.c - libFuzzer harness: the same-length rewrite engine. */
/*
 * Input: byte 0 picks the profile (mod the built-in count) and, in bit 7,
 * hold mode; then segments, each one header byte h (direction h & 1,
 * length h >> 1, 0..127) and that many bytes (the last may be short).
 * A segment of length 0 is the end of that direction's stream, as the
 * live proxy handles it (emu_rewrite.h, END OF STREAM): hold off, the
 * held bytes once more, hold back on (the other direction goes on).
 *
 * Properties checked beyond "no crash, no leak":
 *  - output length == input length for every call (the buffer is
 *    rewritten in place), and held bytes come back unchanged;
 *  - CR and LF are never changed, and never produced;
 *  - cuts lie inside the consumed bytes and are sorted;
 *  - determinism: the whole session run twice gives identical bytes;
 *  - retransmissions: without hold mode, emu_rewrite_history() returns
 *    exactly the bytes emitted for every consumed range (while it is in
 *    the window); in hold mode (the live proxy) it keeps none (until an
 *    end-of-stream flush, which runs without hold);
 *  - a call that holds everything (pix-5.1 eod_split_bug=late holds a
 *    lone CRLF) changes nothing: no cut, no answer, no drop;
 *  - after an end-of-stream flush nothing of that direction is held.
 *
 * Build from a configured build dir (for config.h), with clang:
 *   S=/work/main
 *   clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
 *     -I. -I$S/include -I$S/src -o fuzz_emu_rewrite \
 *     $S/tests/fuzz/fuzz_emu_rewrite.c $S/src/emu_rewrite*.c \
 *     $S/src/emu_profile.c $S/src/emu_log.c $S/src/escape.c \
 *     $S/src/buf.c $S/src/util.c
 *   ./fuzz_emu_rewrite -max_total_time=300 corpus-emu \
 *     $S/tests/fuzz/corpus/emu
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "emu_log.h"
#include "emu_profile.h"
#include "emu_rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_OUT_MAX	(1024 * 1024)

/* Hold mode of the call being checked: history is kept only without it;
 * fuzz_flushed: an end-of-stream flush (without hold) has run. */
static int fuzz_hold, fuzz_flushed;

static void
fuzz_check_call(const struct emu_conn *c, int dir, const uint8_t *orig,
    const uint8_t *b, size_t len, uint64_t off0,
    const struct emu_actions *a)
{
	uint8_t hist[256];
	size_t i, used = len - a->hold, n, prev_end = 0;

	if (a->hold > len)
		abort();
	for (i = 0; i < len; i++) {
		if ((orig[i] == '\r' || orig[i] == '\n' || b[i] == '\r' ||
		    b[i] == '\n') && b[i] != orig[i])
			abort();
	}
	if (memcmp(b + used, orig + used, a->hold) != 0)
		abort();
	if (len > 0 && used == 0 && (a->ncuts > 0 || a->inject.len > 0 ||
	    a->drop))
		abort();
	for (i = 0; i < a->ncuts; i++) {
		if (a->cuts[i].off < prev_end ||
		    a->cuts[i].off + a->cuts[i].len > used)
			abort();
		prev_end = a->cuts[i].off + a->cuts[i].len;
	}
	if (emu_conn_offset(c, dir) != off0 + used)
		abort();
	if (used > 0 && used <= sizeof(hist)) {
		n = emu_rewrite_history(c, dir, off0, hist, used);
		if (fuzz_hold ? n != 0 && !fuzz_flushed :
		    n != used || memcmp(hist, b, used) != 0)
			abort();
	}
}

/* One call: held bytes of dir in front of data[0..n); emitted bytes go to
 * out, the new held tail to held[dir]. */
static void
fuzz_call(struct emu_conn *c, struct emu_actions *a, struct buf *held,
    struct buf *seg, int dir, const uint8_t *data, size_t n,
    struct buf *out)
{
	uint8_t *orig;
	uint64_t off0;
	size_t used;

	buf_reset(seg);
	(void)buf_append(seg, held[dir].data, held[dir].len);
	(void)buf_append(seg, data, n);
	buf_reset(&held[dir]);
	orig = malloc(seg->len + 1);
	if (orig == NULL)
		abort();
	memcpy(orig, seg->data, seg->len);
	off0 = emu_conn_offset(c, dir);
	if (emu_rewrite_segment(c, dir, seg->data, seg->len, a) != 0)
		abort();
	fuzz_check_call(c, dir, orig, seg->data, seg->len, off0, a);
	used = seg->len - a->hold;
	(void)buf_append(&held[dir], orig + used, a->hold);
	(void)buf_printf(out, "%d %zu %d %d %d %zu|", dir, used,
	    a->suppress, a->drop, a->passthrough, a->ncuts);
	used = emu_actions_compact(a, seg->data, used);
	(void)buf_append(out, seg->data, used);
	(void)buf_append(out, a->inject.data, a->inject.len);
	free(orig);
}

/* Run the session; append every emitted byte to out. */
static void
fuzz_run(const uint8_t *data, size_t size, struct buf *out)
{
	const struct emu_profile *p;
	struct emu_conn *c;
	struct emu_log *log = emu_log_new(NULL, 0);
	struct emu_actions a;
	struct buf held[2], seg;
	size_t i = 1, n;
	int dir, hold;

	p = emu_profile_at(data[0] % emu_profile_count());
	c = emu_conn_new(p, log, NULL);
	hold = fuzz_hold = (data[0] & 0x80) != 0;
	fuzz_flushed = 0;
	emu_conn_set_hold(c, hold);
	emu_actions_init(&a);
	buf_init(&held[0], FUZZ_OUT_MAX);
	buf_init(&held[1], FUZZ_OUT_MAX);
	buf_init(&seg, FUZZ_OUT_MAX);
	while (i < size) {
		dir = data[i] & 1;
		n = data[i] >> 1;
		i++;
		if (n > size - i)
			n = size - i;
		if (n == 0 && hold && held[dir].len > 0) {
			/* end of stream of dir (the proxy's flush) */
			emu_conn_set_hold(c, 0);
			fuzz_hold = 0;
			fuzz_call(c, &a, held, &seg, dir, data + i, 0, out);
			if (held[dir].len != 0)
				abort();
			fuzz_flushed = 1;
			emu_conn_set_hold(c, 1);
			fuzz_hold = 1;
			continue;
		}
		fuzz_call(c, &a, held, &seg, dir, data + i, n, out);
		i += n;
	}
	emu_actions_free(&a);
	emu_conn_free(c);
	emu_log_free(log);
	buf_free(&held[0]);
	buf_free(&held[1]);
	buf_free(&seg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf one, two;

	if (size < 1)
		return 0;
	buf_init(&one, FUZZ_OUT_MAX);
	buf_init(&two, FUZZ_OUT_MAX);
	fuzz_run(data, size, &one);
	fuzz_run(data, size, &two);
	if (one.len != two.len || (one.len > 0 &&
	    memcmp(one.data, two.data, one.len) != 0))
		abort();
	buf_free(&one);
	buf_free(&two);
	return 0;
}
