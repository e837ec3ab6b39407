/*
 * cmd_analyze.h - the `mailguard-detect -r FILE [-r FILE2] [FILTER]`
 * driver: read one capture and judge every SMTP session in it with the
 * same fingerprint matcher as the live prober, or read two captures (one
 * from each side of a firewall) and show byte by byte what changed.
 *
 *	mailguard-detect -r FILE [-r FILE2] [--json] [--transcript]
 *	    [-v | -q] [-F FPFILE] [--no-progress] [BPF FILTER ...]
 *
 * FILE "-" is stdin (pcap or pcapng; gzip through zcat).  The filter
 * words, joined by spaces, are a tcpdump filter applied to both files.
 * Text output: one summary line per SMTP session (the full report with
 * -v, and always for sessions showing interference), then a summary of
 * the file.  --json: JSON Lines, one object per session (docs/json-
 * schema.md) then {"capture_summary": ...}.  --transcript adds each SMTP
 * dialogue (commands, replies, body sizes, TLS start), escaped.  A
 * progress line goes to stderr only when stderr is a terminal.  Sessions
 * are judged on MG_ANALYZE_THREADS worker threads (default: one per
 * online CPU but the reader's; cmd_analyze_judge.h) and printed in
 * session order, the same bytes with any number of threads.
 *
 * detect_main.c calls cmd_analyze() with the whole command line when it
 * contains -r/--read.  Being a program driver it prints; it never calls
 * exit().  Exit status: 2 usage, unreadable or damaged file (after the
 * results for everything read before the damage and one line naming the
 * record number and file offset); else 1 when any session shows
 * interference (or, with two files, when any byte differs); else 0 when
 * at least one session was judged "none"; else 3 (no SMTP session, or
 * every one inconclusive).
 */
#ifndef CMD_ANALYZE_H
#define CMD_ANALYZE_H

#include <stdio.h>

int	cmd_analyze(int argc, char **argv);
void	cmd_analyze_usage(FILE *fp);

#endif /* CMD_ANALYZE_H */
