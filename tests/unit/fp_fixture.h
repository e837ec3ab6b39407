/*
 * fp_fixture.h - the shipped fingerprint file as a cmocka group fixture:
 * setup_db loads $MG_FP_FILE (make check sets it), else
 * $top_srcdir/src/mailguard.fp, else ../src/mailguard.fp, into g_db;
 * teardown_db frees it.  Header-only, for the judging tests.
 */
#ifndef FP_FIXTURE_H
#define FP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "fp_load.h"
#include "mg_limits.h"

static struct fp_db *g_db;

static __attribute__((unused)) int
setup_db(void **state)
{
	char errbuf[MG_ERRBUF_SIZE], alt[1024];
	const char *path = getenv("MG_FP_FILE");

	(void)state;
	if (path == NULL) {
		snprintf(alt, sizeof(alt), "%s/src/mailguard.fp",
		    getenv("top_srcdir") ? getenv("top_srcdir") : "..");
		path = alt;
	}
	if ((g_db = fp_load_file(path, errbuf)) == NULL)
		fprintf(stderr, "cannot load %s: %s\n", path, errbuf);
	return g_db == NULL ? -1 : 0;
}

static __attribute__((unused)) int
teardown_db(void **state)
{
	(void)state;
	fp_db_free(g_db);
	return 0;
}

#endif
