/* fuzz_smtp_cmd.c - libFuzzer harness: command framer and parser. */
/*
 * Every line of the input (framed by smtp_line, cap MG_LINE_MAX) goes
 * through smtp_cmd_parse; besides crashes, the harness aborts when a
 * returned slice points outside its line or a verb has no name.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "smtp_cmd.h"
#include "smtp_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_slice_in(struct smtp_slice s, const uint8_t *p, size_t len)
{
	if (s.len == 0)
		return;
	if (s.p < p || s.p + s.len > p + len)
		abort();
}

static void
fuzz_cmd(const uint8_t *p, size_t len)
{
	static const char *const params[] = { "SIZE", "BODY", "SMTPUTF8",
	    "NOTIFY", "ORCPT", "AUTH", "", NULL };
	struct smtp_cmd c;
	struct smtp_slice v;
	size_t i;

	(void)smtp_cmd_parse(p, len, &c);
	fuzz_slice_in(c.verb_text, p, len);
	fuzz_slice_in(c.args, p, len);
	fuzz_slice_in(c.addr, p, len);
	fuzz_slice_in(c.params, p, len);
	if (smtp_cmd_verb_name(c.verb) == NULL)
		abort();
	for (i = 0; params[i] != NULL; i++)
		if (smtp_cmd_param(&c, params[i], &v) == 0)
			fuzz_slice_in(v, p, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_line_framer f;
	struct smtp_line l;
	const uint8_t *p = data, *end = data + size;

	fuzz_cmd(data, size);		/* the whole input as one line */
	smtp_line_init(&f, 0);
	while (smtp_line_feed(&f, &p, end, &l) == SMTP_OK)
		fuzz_cmd(l.p, l.len);
	if (smtp_line_flush(&f, &l) == SMTP_OK)
		fuzz_cmd(l.p, l.len);
	smtp_line_free(&f);
	return 0;
}
