/*
 * facts_greeting.h - the greeting facts of one dialogue, for
 * facts_derive.c: greeting.class (how the banner was masked: asa-star,
 * pix-2-0, pix-after4, pix-cmap, smtp-sink, clear, empty, none; the
 * behaviour reference 2 and 4.1), greeting.lines, greeting.code,
 * greeting.end and greeting.text, with the raw greeting as the class's
 * evidence.  A table that has greeting.class already is left alone (the
 * first dialogue with a greeting decides).  Never fails.
 */
#ifndef FACTS_GREETING_H
#define FACTS_GREETING_H

struct dialog;
struct facts;

void	facts_greeting(struct facts *fs, const struct dialog *d,
	    const char *source);

#endif /* FACTS_GREETING_H */
