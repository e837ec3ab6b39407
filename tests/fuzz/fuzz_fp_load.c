/* fuzz_fp_load.c - libFuzzer harness: the fingerprint file loader. */
/*
 * Properties beyond "no crash, no leak": a refused file always leaves a
 * "fuzz.fp:LINE: message" in errbuf; an accepted one only holds valid
 * entries (known family, weight 1..100, at least one positive match, every
 * effect defined), and matching it against a small fact table terminates
 * with a verdict in range.  Build (from a configured build dir) with:
 *
 *   clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
 *     -I. -I$S/include -DPKGDATADIR='"/tmp"' -o fuzz_fp_load \
 *     $S/tests/fuzz/fuzz_fp_load.c $S/src/fp_load.c $S/src/fp_match.c \
 *     $S/src/facts.c $S/src/util.c $S/src/buf.c
 *   ./fuzz_fp_load -max_total_time=300 corpus-fp $S/src/mailguard.fp
 *
 * (seed with the shipped signature file: libFuzzer accepts files too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "fp_load.h"
#include "fp_match.h"
#include "mg_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(const struct fp_db *db)
{
	const struct fp_entry *e;
	size_t i, j, pos;

	for (i = 0; i < db->nentries; i++) {
		e = &db->entries[i];
		if (fp_family_parse(e->family) < 0 || e->weight < 1 ||
		    e->weight > 100 || e->nconds == 0 || e->ref == NULL)
			abort();
		for (j = 0, pos = 0; j < e->nconds; j++)
			pos += !e->conds[j].negate;
		if (pos == 0)
			abort();
		for (j = 0; j < e->neffects; j++)
			if (fp_db_effect(db, e->effects[j]) == NULL)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[MG_ERRBUF_SIZE];
	struct fp_db *db;
	struct facts fs;
	struct fp_result res;

	errbuf[0] = '\0';
	db = fp_load_buf("fuzz.fp", (const char *)data, size, errbuf);
	if (db == NULL) {
		if (strncmp(errbuf, "fuzz.fp:", 8) != 0)
			abort();
		return 0;
	}
	fuzz_check(db);
	facts_init(&fs);
	facts_set_int(&fs, "conn.connected", 1, 0);
	facts_set_str(&fs, "greeting.class", "asa-star", 0);
	facts_set_int(&fs, "ehlo.code", 250, 0);
	facts_set_int(&fs, "ehlo.masked", 2, 0);
	facts_set_str(&fs, "greeting.text", "mx ESMTP", 0);
	fp_match(db, &fs, &res);
	if (res.verdict.confidence < 0 || res.verdict.confidence > 100 ||
	    (size_t)res.verdict.family >= FP_FAM__COUNT)
		abort();
	fp_result_free(&res);
	facts_free(&fs);
	fp_db_free(db);
	return 0;
}
