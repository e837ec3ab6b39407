/*
 * cmd_inline.h - the `mailguard-emulate --inline --queue N` driver: its
 * options, the profile, the device log, signals, and the netfilter queue
 * loop of emu_inline.h.  Owner: the "path" helper.
 *
 * emulate_main.c calls cmd_inline_wanted() first and hands the whole
 * command line to cmd_inline() when it is true.  A program driver: it
 * prints and returns the exit status (EMU_EXIT_* of emu_cli.h); it never
 * calls exit() itself.
 */
#ifndef CMD_INLINE_H
#define CMD_INLINE_H

#include <stdio.h>

/* argv holds --inline (before any "--"). */
int	cmd_inline_wanted(int argc, char **argv);
int	cmd_inline(int argc, char **argv);
void	cmd_inline_usage(FILE *fp);

#endif /* CMD_INLINE_H */
