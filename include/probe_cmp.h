/*
 * probe_cmp.h - pre-change verification: --save writes the JSON report
 * (docs/json-schema.md), --compare FILE loads it again and says what
 * changed, per probe ("greeting: masked -> clear; verb STARTTLS:
 * x-filled -> passes"), and for the verdict.
 *
 * The baseline is JSON Lines (one object per target).  probe_cmp_load
 * returns a new json array reference (json_decref it); probe_cmp_find
 * returns a borrowed reference into it.  probe_cmp_diff appends one line
 * per change to a buf and returns the number of changes.  Nothing prints.
 */
#ifndef PROBE_CMP_H
#define PROBE_CMP_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

json_t *probe_cmp_load(const char *path, char *errbuf);
json_t *probe_cmp_find(json_t *baseline, const char *target,
    const char *address, unsigned port);
size_t probe_cmp_diff(json_t *before, json_t *after, struct buf *out);

#endif /* PROBE_CMP_H */
