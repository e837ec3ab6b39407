/*
 * cmd_probe.h - the `mailguard-detect HOST...` driver: options, targets,
 * the probe run, verdicts through the fingerprint matcher, text or JSON
 * output, --save/--compare, --lockdown/--egress and --exposure.
 *
 * A program driver: it prints and chooses the exit status (0 no
 * interference, 1 interference found, 2 usage or I/O error, 3 unreachable
 * or inconclusive), it never calls exit() itself.
 */
#ifndef CMD_PROBE_H
#define CMD_PROBE_H

#include <stdio.h>

#define CMD_EXIT_NONE		0
#define CMD_EXIT_FOUND		1
#define CMD_EXIT_USAGE		2
#define CMD_EXIT_INCONCLUSIVE	3

int cmd_probe(int argc, char **argv);
void cmd_probe_usage(FILE *fp);

#endif /* CMD_PROBE_H */
