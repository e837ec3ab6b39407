/* driver.c - replay files through a fuzz harness built without libFuzzer. */
/*
 * Linked with one tests/fuzz/fuzz_NAME.c into tests/fuzz/replay_NAME (a
 * check program), it feeds each file named on the command line (or each
 * regular file of a named directory, in name order) to
 * LLVMFuzzerTestOneInput, once, the way libFuzzer replays a crash.  The
 * harness aborts on a broken property; the sanitizer build catches memory
 * errors.  So every crash ever found stays a regression test, run by
 * `make check` on the normal and the sanitizer build.
 *
 * Without arguments (as a TESTS entry) it replays the harness's seed
 * corpus, tests/fuzz/corpus/SEEDS/, under $top_srcdir (or the source dir
 * it was built from) and fails when it found no input at all.  The
 * regression vectors, tests/fuzz/regress/NAME/, are replayed one by one by
 * tests/e2e/fuzz_regress.sh, so that an unfixed finding fails one test
 * that names it.
 *
 * Output: one line per file with -v, and a summary line.  Exit 0 when
 * every input was replayed, 1 on an unreadable file or no input, 2 on
 * misuse (a crash ends the process the way the harness or sanitizer
 * decides).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME=\"harness\""
#endif
#ifndef FUZZ_SEEDS
#define FUZZ_SEEDS FUZZ_NAME
#endif
#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

/* Largest input replayed (libFuzzer's own inputs stay far below). */
#define FUZZ_DRIVER_FILE_MAX	(64u * 1024 * 1024)
/* Files taken from one directory. */
#define FUZZ_DRIVER_DIR_MAX	100000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_driver {
	int	verbose;
	size_t	nfiles, nbytes, nerrors;
};

static int
fuzz_driver_file(struct fuzz_driver *d, const char *path)
{
	FILE *fp;
	uint8_t *data;
	size_t cap = 4096, len = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay_%s: %s: %s\n", FUZZ_NAME, path,
		    strerror(errno));
		d->nerrors++;
		return -1;
	}
	data = xmalloc(cap);
	while ((n = fread(data + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap) {
			if (cap >= FUZZ_DRIVER_FILE_MAX)
				break;
			cap *= 2;
			data = xreallocarray(data, cap, 1);
		}
	}
	if (ferror(fp) || len >= FUZZ_DRIVER_FILE_MAX) {
		fprintf(stderr, "replay_%s: %s: unreadable or over %u bytes\n",
		    FUZZ_NAME, path, FUZZ_DRIVER_FILE_MAX);
		fclose(fp);
		free(data);
		d->nerrors++;
		return -1;
	}
	fclose(fp);
	if (d->verbose)
		fprintf(stderr, "replay_%s: %s (%zu bytes)\n", FUZZ_NAME, path,
		    len);
	/* A private copy of exactly len bytes, so ASan sees over-reads. */
	{
		uint8_t *exact = xmalloc(len > 0 ? len : 1);

		if (len > 0)
			memcpy(exact, data, len);
		free(data);
		(void)LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	d->nfiles++;
	d->nbytes += len;
	return 0;
}

static int
fuzz_driver_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every regular file of a directory; missing_ok for defaults. */
static void
fuzz_driver_path(struct fuzz_driver *d, const char *path, int missing_ok)
{
	struct stat st;
	struct dirent *de;
	DIR *dir;
	char **names = NULL, *full;
	size_t n = 0, size = 0, i;

	if (stat(path, &st) != 0) {
		if (!missing_ok) {
			fprintf(stderr, "replay_%s: %s: %s\n", FUZZ_NAME,
			    path, strerror(errno));
			d->nerrors++;
		}
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		(void)fuzz_driver_file(d, path);
		return;
	}
	if ((dir = opendir(path)) == NULL) {
		fprintf(stderr, "replay_%s: %s: %s\n", FUZZ_NAME, path,
		    strerror(errno));
		d->nerrors++;
		return;
	}
	while ((de = readdir(dir)) != NULL && n < FUZZ_DRIVER_DIR_MAX) {
		if (de->d_name[0] == '.')
			continue;
		if (n == size) {
			size = size ? size * 2 : 64;
			names = xreallocarray(names, size, sizeof(*names));
		}
		names[n++] = xasprintf("%s/%s", path, de->d_name);
	}
	closedir(dir);
	if (n > 0)
		qsort(names, n, sizeof(*names), fuzz_driver_cmp);
	for (i = 0; i < n; i++) {
		full = names[i];
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
			(void)fuzz_driver_file(d, full);
		free(full);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct fuzz_driver d;
	const char *src;
	char *path;
	int i = 1;

	memset(&d, 0, sizeof(d));
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		d.verbose = 1;
		i++;
	}
	if (i < argc && argv[i][0] == '-') {
		fprintf(stderr, "usage: replay_%s [-v] [file|dir]...\n",
		    FUZZ_NAME);
		return 2;
	}
	if (i == argc) {
		if ((src = getenv("top_srcdir")) == NULL || src[0] == '\0')
			src = FUZZ_SRCDIR;
		path = xasprintf("%s/tests/fuzz/corpus/%s", src, FUZZ_SEEDS);
		fuzz_driver_path(&d, path, 1);
		free(path);
	}
	for (; i < argc; i++)
		fuzz_driver_path(&d, argv[i], 0);
	printf("replay_%s: %zu input(s), %zu bytes, %zu error(s)\n",
	    FUZZ_NAME, d.nfiles, d.nbytes, d.nerrors);
	return d.nerrors > 0 || d.nfiles == 0 ? 1 : 0;
}
