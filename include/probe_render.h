/*
 * probe_render.h - turn a probe's step templates into the exact bytes and
 * TCP segments the prober sends, and describe a whole probe for
 * --dry-run (escaped with escape_wire, one line per step).
 *
 * Templates: %h HELO name, %r random unknown verb (from o->seed), %t the
 * --send-test-message recipient, %d an RFC 5322 3.3 date (o->date_us or
 * now), %% a percent sign.  Output goes into caller-owned bufs; functions
 * return 0, or -1 with a message in errbuf; nothing prints.
 */
#ifndef PROBE_RENDER_H
#define PROBE_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "probe.h"

/*
 * Render a PS_SEND template (text) with o into out, and its segment
 * boundaries (end offsets) into cuts.  -1 with errbuf on a bad template
 * or too many segments.
 */
int probe_render(const char *text, enum probe_split split,
    const struct probe_opts *o, struct buf *out, size_t *cuts,
    size_t *ncuts, char *errbuf);
/* The random unknown verb for %r (letters only, never a real verb). */
void probe_random_verb(uint32_t seed, char *out, size_t size);
/* --dry-run text of one probe (escaped bytes, one line per step). */
void probe_dry_run(const struct probe_def *d, const struct probe_opts *o,
    struct buf *out);

#endif /* PROBE_RENDER_H */
