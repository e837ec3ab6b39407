/* detect_main.c - mailguard-detect: -r to the capture analyzer, the rest
 * to the live prober. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd_analyze.h"
#include "cmd_probe.h"
#include "util.h"

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
	int rc;

	util_set_progname(argv[0]);
	/* Peers may close while we write (TLS writes use write()). */
	signal(SIGPIPE, SIG_IGN);
	if (detect_wants_capture(argc, argv))
		rc = cmd_analyze(argc, argv);
	else
		rc = cmd_probe(argc, argv);
	/* A report that did not reach its reader (a full disk, a closed
	 * pipe) is an I/O error, never a silent success. */
	if (util_stdout_check() == -1)
		return 2;
	return rc;
}
