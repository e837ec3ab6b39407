/* detect_main.c - mailguard-detect: -r to the capture analyzer, the rest
 * to the live prober. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd_probe.h"
#include "util.h"
#if __has_include("cmd_analyze.h")
#include "cmd_analyze.h"
#define HAVE_CMD_ANALYZE 1
#endif

static int
detect_wants_capture(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "-r", 2) == 0 ||
		    strncmp(argv[i], "--read", 6) == 0)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	/* Peers may close while we write (TLS writes use write()). */
	signal(SIGPIPE, SIG_IGN);
	if (detect_wants_capture(argc, argv)) {
#ifdef HAVE_CMD_ANALYZE
		return cmd_analyze(argc, argv);
#else
		fprintf(stderr, "%s: capture analysis not built yet\n",
		    util_progname());
		return 2;
#endif
	}
	return cmd_probe(argc, argv);
}
