/*
 * cmd_analyze_two.h - `mailguard-detect -r OUTSIDE -r INSIDE`: read the
 * two captures side by side in capture time (capture_step, the side
 * whose read position is behind goes next), hand every SMTP session to
 * the streaming matcher (capdiff_stream.h) and print each pair as it is
 * committed, in outside session order; unmatched sessions and the counts
 * come at the end.
 *
 * The clocks of the two capture hosts may disagree: unless an offset is
 * given, the first sessions of each side are read by count (not time)
 * and held until the offset is estimated (capdiff_clock.h), then paired
 * with the inside times shifted by it.
 *
 * Text: "Comparing outside A with inside B", one block per pair
 * (capdiff_pair_print_text), the unmatched lists, the "Clock offset:"
 * line, one Summary line.
 * --json: one capture_diff object written progressively (docs/json-
 * schema.md): outside, inside, matched[] streamed, unmatched_outside[],
 * unmatched_inside[], then clock_offset{}, outside_sessions,
 * inside_sessions, differs.
 * The unmatched lists wait in a temporary file (memory if none), so
 * memory stays bounded by the matcher's window.
 *
 * Program driver: prints (warnings to stderr), never exits.  Returns the
 * exit status: 2 unreadable or damaged file (after the results for what
 * was read), 1 any byte differs or a session is unmatched, else 0.
 */
#ifndef CMD_ANALYZE_TWO_H
#define CMD_ANALYZE_TWO_H

#include <stdint.h>
#include <stdio.h>

/* Records read from one side before looking at the other again. */
#define CA_TWO_STEP	512
/* Sessions still open past the window, listed to the matcher one by one
 * (capture_bound); more lower its bound instead. */
#define CA_TWO_OLD_MAX	4096

struct ca_two_opts {
	const char	*files[2];	/* outside, inside */
	const char	*filter;	/* BPF, or NULL */
	int		 json;
	int		 progress;	/* progress line on stderr */
	int		 clock_given;	/* --clock-offset: no estimate */
	int64_t		 clock_us;	/* inside - outside, given */
};

int cmd_analyze_two(const struct ca_two_opts *o, FILE *out);

#endif /* CMD_ANALYZE_TWO_H */
