/* detect_main.c - mailguard-detect: placeholder until the prober lands. */
#include "config.h"

#include <stdio.h>

#include "util.h"

int
main(int argc, char **argv)
{
	(void)argc;
	util_set_progname(argv[0]);
	fprintf(stderr, "%s: not built yet\n", util_progname());
	return 2;
}
