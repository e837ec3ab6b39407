/* test_smtp_cmd.c - unit tests for the SMTP command parser. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smtp_cmd.h"

#define S(x)	x, sizeof(x) - 1

static const struct case_ {
	const char	*in;
	size_t		 len;
	int		 rc;
	enum smtp_verb	 verb;
	unsigned	 anom;
	const char	*addr;		/* NULL: no address */
	const char	*args;
	uint64_t	 size;		/* SIZE= or BDAT size, ~0: none */
	enum smtp_body	 body;
	int		 flags;		/* F_* below */
} cases[] = {
#define F_NULLPATH	1
#define F_UTF8		2
#define F_LAST		4
#define NOSZ		UINT64_MAX
	{ S("HELO client.example"), SMTP_OK, SMTP_VERB_HELO, 0, NULL,
	    "client.example", NOSZ, SMTP_BODY_NONE, 0 },
	{ S("ehlo client.example"), SMTP_OK, SMTP_VERB_EHLO,
	    SMTP_CMD_LOWERCASE, NULL, "client.example", NOSZ, 0, 0 },
	{ S("EHLO"), SMTP_OK, SMTP_VERB_EHLO, SMTP_CMD_MISSING_ARGS, NULL, "",
	    NOSZ, 0, 0 },
	{ S("MAIL FROM:<a@b.example>"), SMTP_OK, SMTP_VERB_MAIL, 0,
	    "a@b.example", "FROM:<a@b.example>", NOSZ, 0, 0 },
	{ S("MAIL FROM:<>"), SMTP_OK, SMTP_VERB_MAIL, 0, "", "FROM:<>", NOSZ,
	    0, F_NULLPATH },
	{ S("MAIL FROM:<a@b> SIZE=1000 BODY=8BITMIME SMTPUTF8"), SMTP_OK,
	    SMTP_VERB_MAIL, 0, "a@b", NULL, 1000, SMTP_BODY_8BITMIME,
	    F_UTF8 },
	{ S("MAIL FROM:<a@b> BODY=BINARYMIME"), SMTP_OK, SMTP_VERB_MAIL, 0,
	    "a@b", NULL, NOSZ, SMTP_BODY_BINARYMIME, 0 },
	{ S("MAIL FROM:<a@b> body=7bit"), SMTP_OK, SMTP_VERB_MAIL, 0, "a@b",
	    NULL, NOSZ, SMTP_BODY_7BIT, 0 },
	{ S("MAIL FROM:<a@b> BODY=9BIT"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_BAD_PARAM, "a@b", NULL, NOSZ, SMTP_BODY_OTHER, 0 },
	{ S("MAIL FROM:<a@b> SIZE=12x"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_BAD_PARAM, "a@b", NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM:<a@b> SIZE=99999999999999999999999"), SMTP_OK,
	    SMTP_VERB_MAIL, SMTP_CMD_BAD_PARAM, "a@b", NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM:<a@b> SIZE=1 SIZE=2"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_DUP_PARAM, "a@b", NULL, 2, 0, 0 },
	{ S("MAIL FROM:<a@b> SMTPUTF8=yes"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_BAD_PARAM, "a@b", NULL, NOSZ, 0, F_UTF8 },
	{ S("MAIL FROM:<a@b> -X=1"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_BAD_PARAM, "a@b", NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM:<a@b>SIZE=1"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_BAD_PARAM, "a@b", NULL, 1, 0, 0 },
	{ S("MAIL FROM: <a@b>"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_SPACE_COLON, "a@b", NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM :<a@b>"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_SPACE_COLON, "a@b", NULL, NOSZ, 0, 0 },
	{ S("mail from:a@b"), SMTP_OK, SMTP_VERB_MAIL,
	    SMTP_CMD_LOWERCASE | SMTP_CMD_NO_BRACKETS, "a@b", NULL, NOSZ, 0,
	    0 },
	{ S("MAIL FROM:<\"a>b\"@c>"), SMTP_OK, SMTP_VERB_MAIL, 0,
	    "\"a>b\"@c", NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM:<@r1,@r2:u@d>"), SMTP_OK, SMTP_VERB_MAIL, 0,
	    "@r1,@r2:u@d", NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM:<a|b@c>"), SMTP_OK, SMTP_VERB_MAIL, SMTP_CMD_PIPE,
	    "a|b@c", NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM:<a@b"), SMTP_INVALID, SMTP_VERB_MAIL,
	    SMTP_CMD_BAD_ADDR, NULL, NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM:"), SMTP_INVALID, SMTP_VERB_MAIL,
	    SMTP_CMD_NO_BRACKETS | SMTP_CMD_BAD_ADDR, NULL, NULL, NOSZ, 0, 0 },
	{ S("MAIL TO:<a@b>"), SMTP_INVALID, SMTP_VERB_MAIL,
	    SMTP_CMD_NO_COLON, NULL, NULL, NOSZ, 0, 0 },
	{ S("MAIL FROM<a@b>"), SMTP_INVALID, SMTP_VERB_MAIL,
	    SMTP_CMD_NO_COLON, NULL, NULL, NOSZ, 0, 0 },
	{ S("MAIL"), SMTP_INVALID, SMTP_VERB_MAIL,
	    SMTP_CMD_MISSING_ARGS | SMTP_CMD_NO_COLON, NULL, "", NOSZ, 0, 0 },
	{ S("RCPT TO:<postmaster>"), SMTP_OK, SMTP_VERB_RCPT, 0, "postmaster",
	    "TO:<postmaster>", NOSZ, 0, 0 },
	{ S("RCPT TO:<u@d> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;u@d"), SMTP_OK,
	    SMTP_VERB_RCPT, 0, "u@d", NULL, NOSZ, 0, 0 },
	{ S("RCPT TO:<>"), SMTP_INVALID, SMTP_VERB_RCPT, SMTP_CMD_BAD_ADDR,
	    "", NULL, NOSZ, 0, 0 },
	{ S("DATA"), SMTP_OK, SMTP_VERB_DATA, 0, NULL, "", NOSZ, 0, 0 },
	{ S("DATA now"), SMTP_OK, SMTP_VERB_DATA, SMTP_CMD_EXTRA_ARGS, NULL,
	    "now", NOSZ, 0, 0 },
	{ S("BDAT 1000"), SMTP_OK, SMTP_VERB_BDAT, 0, NULL, "1000", 1000, 0,
	    0 },
	{ S("BDAT 0 LAST"), SMTP_OK, SMTP_VERB_BDAT, 0, NULL, "0 LAST", 0, 0,
	    F_LAST },
	{ S("BDAT 12 last"), SMTP_OK, SMTP_VERB_BDAT, 0, NULL, NULL, 12, 0,
	    F_LAST },
	{ S("BDAT"), SMTP_INVALID, SMTP_VERB_BDAT,
	    SMTP_CMD_MISSING_ARGS | SMTP_CMD_BAD_BDAT, NULL, "", NOSZ, 0, 0 },
	{ S("BDAT x"), SMTP_INVALID, SMTP_VERB_BDAT, SMTP_CMD_BAD_BDAT, NULL,
	    NULL, NOSZ, 0, 0 },
	{ S("BDAT 10 LASTX"), SMTP_INVALID, SMTP_VERB_BDAT, SMTP_CMD_BAD_BDAT,
	    NULL, NULL, NOSZ, 0, 0 },
	{ S("BDAT 10  LAST"), SMTP_INVALID, SMTP_VERB_BDAT, SMTP_CMD_BAD_BDAT,
	    NULL, NULL, NOSZ, 0, 0 },
	{ S("QUIT"), SMTP_OK, SMTP_VERB_QUIT, 0, NULL, "", NOSZ, 0, 0 },
	{ S("NOOP hello"), SMTP_OK, SMTP_VERB_NOOP, 0, NULL, "hello", NOSZ, 0,
	    0 },
	{ S("STARTTLS"), SMTP_OK, SMTP_VERB_STARTTLS, 0, NULL, "", NOSZ, 0,
	    0 },
	{ S("X-LINK2STATE LAST CHUNK=2"), SMTP_OK, SMTP_VERB_X_LINK2STATE, 0,
	    NULL, "LAST CHUNK=2", NOSZ, 0, 0 },
	{ S("XEXCH50 1024 2"), SMTP_OK, SMTP_VERB_XEXCH50, 0, NULL, "1024 2",
	    NOSZ, 0, 0 },
	{ S("X-EXPS GSSAPI"), SMTP_OK, SMTP_VERB_X_EXPS, 0, NULL, "GSSAPI",
	    NOSZ, 0, 0 },
	{ S("goodmorning"), SMTP_OK, SMTP_VERB_UNKNOWN, SMTP_CMD_LOWERCASE,
	    NULL, "", NOSZ, 0, 0 },
	/* ASA X-fill of a refused command (behaviour reference 2). */
	{ S("XXXXXXXX"), SMTP_OK, SMTP_VERB_UNKNOWN,
	    SMTP_CMD_VERB_XFILLED | SMTP_CMD_LINE_XFILLED, NULL, "", NOSZ, 0,
	    0 },
	{ S("XXXX XXXXXXXXX"), SMTP_OK, SMTP_VERB_UNKNOWN,
	    SMTP_CMD_VERB_XFILLED, NULL, "XXXXXXXXX", NOSZ, 0, 0 },
	{ S("HELO\tx"), SMTP_OK, SMTP_VERB_HELO, SMTP_CMD_BAD_SEP, NULL, "x",
	    NOSZ, 0, 0 },
	{ S(""), SMTP_INVALID, SMTP_VERB_UNKNOWN, SMTP_CMD_NO_VERB, NULL, NULL,
	    NOSZ, 0, 0 },
	{ S(" HELO x"), SMTP_INVALID, SMTP_VERB_UNKNOWN, SMTP_CMD_NO_VERB,
	    NULL, NULL, NOSZ, 0, 0 },
	{ S("HELO a\0b"), SMTP_OK, SMTP_VERB_HELO, SMTP_CMD_NUL, NULL, NULL,
	    NOSZ, 0, 0 },
	{ S("HELO \xc3\xa9\x01"), SMTP_OK, SMTP_VERB_HELO,
	    SMTP_CMD_8BIT | SMTP_CMD_CTRL, NULL, NULL, NOSZ, 0, 0 },
	{ S("HELO"), SMTP_OK, SMTP_VERB_HELO, SMTP_CMD_MISSING_ARGS, NULL, "",
	    NOSZ, 0, 0 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 }
};

static void
check_slice(struct smtp_slice s, const char *want)
{
	assert_int_equal(s.len, strlen(want));
	assert_memory_equal(s.p, want, s.len);
}

static void
test_cases(void **state)
{
	const struct case_ *c;
	struct smtp_cmd cmd;

	(void)state;
	for (c = cases; c->in != NULL; c++) {
		print_message("case %s\n", c->in);
		assert_int_equal(smtp_cmd_parse((const uint8_t *)c->in, c->len,
		    &cmd), c->rc);
		assert_int_equal(cmd.verb, c->verb);
		assert_int_equal(cmd.anomalies, c->anom);
		if (c->addr != NULL && c->rc == SMTP_OK) {
			assert_true(cmd.have_addr);
			check_slice(cmd.addr, c->addr);
		} else if (c->addr == NULL)
			assert_false(cmd.have_addr);
		if (c->args != NULL)
			check_slice(cmd.args, c->args);
		if (c->verb == SMTP_VERB_BDAT && c->rc == SMTP_OK) {
			assert_true(cmd.bdat_size == c->size);
			assert_int_equal(cmd.bdat_last, !!(c->flags & F_LAST));
		} else if (c->size != NOSZ) {
			assert_true(cmd.have_size);
			assert_true(cmd.size == c->size);
		} else
			assert_false(cmd.have_size);
		assert_int_equal(cmd.body, c->body);
		assert_int_equal(cmd.smtputf8, !!(c->flags & F_UTF8));
		assert_int_equal(cmd.null_path, !!(c->flags & F_NULLPATH));
	}
}

/* RFC 5321 4.5.3.1.3: path of 256 octets including the brackets. */
static void
test_long_path(void **state)
{
	char line[600];
	struct smtp_cmd cmd;
	size_t n;

	(void)state;
	n = (size_t)snprintf(line, sizeof(line), "RCPT TO:<%0254d>", 0);
	assert_int_equal(smtp_cmd_parse((const uint8_t *)line, n, &cmd),
	    SMTP_OK);
	assert_int_equal(cmd.addr.len, 254);
	assert_int_equal(cmd.anomalies, 0);
	n = (size_t)snprintf(line, sizeof(line), "RCPT TO:<%0255d>", 0);
	assert_int_equal(smtp_cmd_parse((const uint8_t *)line, n, &cmd),
	    SMTP_OK);
	assert_int_equal(cmd.anomalies, SMTP_CMD_LONG_PATH);
}

static const struct verb_case {
	const char	*name;
	enum smtp_verb	 verb;
	int		 rfc821, asa;
} verb_cases[] = {
	{ "HELO", SMTP_VERB_HELO, 1, 1 },
	{ "MAIL", SMTP_VERB_MAIL, 1, 1 },
	{ "RCPT", SMTP_VERB_RCPT, 1, 1 },
	{ "DATA", SMTP_VERB_DATA, 1, 1 },
	{ "RSET", SMTP_VERB_RSET, 1, 1 },
	{ "NOOP", SMTP_VERB_NOOP, 1, 1 },
	{ "QUIT", SMTP_VERB_QUIT, 1, 1 },
	{ "EHLO", SMTP_VERB_EHLO, 0, 1 },
	{ "AUTH", SMTP_VERB_AUTH, 0, 1 },
	{ "ETRN", SMTP_VERB_ETRN, 0, 1 },
	{ "HELP", SMTP_VERB_HELP, 0, 1 },
	{ "SAML", SMTP_VERB_SAML, 0, 1 },
	{ "SEND", SMTP_VERB_SEND, 0, 1 },
	{ "SOML", SMTP_VERB_SOML, 0, 1 },
	{ "VRFY", SMTP_VERB_VRFY, 0, 1 },
	{ "STARTTLS", SMTP_VERB_STARTTLS, 0, 0 },
	{ "BDAT", SMTP_VERB_BDAT, 0, 0 },
	{ "ATRN", SMTP_VERB_ATRN, 0, 0 },
	{ "VERB", SMTP_VERB_VERB, 0, 0 },
	{ "X-LINK2STATE", SMTP_VERB_X_LINK2STATE, 0, 0 },
	{ "XEXCH50", SMTP_VERB_XEXCH50, 0, 0 },
	{ "X-EXPS", SMTP_VERB_X_EXPS, 0, 0 },
	{ "EXPN", SMTP_VERB_EXPN, 0, 0 },
	{ "TURN", SMTP_VERB_TURN, 0, 0 },
	{ "WIZ", SMTP_VERB_WIZ, 0, 0 },
	{ "DEBUG", SMTP_VERB_DEBUG, 0, 0 },
	{ "KILL", SMTP_VERB_KILL, 0, 0 },
	{ "LHLO", SMTP_VERB_LHLO, 0, 0 },
	{ NULL, SMTP_VERB_UNKNOWN, 0, 0 }
};

static void
test_verbs(void **state)
{
	const struct verb_case *c;
	int n821 = 0, nasa = 0, v;
	char lower[32];
	size_t i;

	(void)state;
	for (c = verb_cases; c->name != NULL; c++) {
		assert_int_equal(smtp_cmd_verb_lookup((const uint8_t *)c->name,
		    strlen(c->name)), c->verb);
		for (i = 0; c->name[i] != '\0'; i++)
			lower[i] = (char)(c->name[i] | 0x20);
		assert_int_equal(smtp_cmd_verb_lookup((const uint8_t *)lower,
		    i), c->verb);
		assert_string_equal(smtp_cmd_verb_name(c->verb), c->name);
		assert_int_equal(smtp_cmd_verb_is_rfc821(c->verb), c->rfc821);
		assert_int_equal(smtp_cmd_verb_is_asa(c->verb), c->asa);
	}
	/* Exactly seven (RFC 821 4.5.1) and fifteen (ASA) over all verbs. */
	for (v = 0; v < SMTP_VERB__COUNT; v++) {
		n821 += smtp_cmd_verb_is_rfc821((enum smtp_verb)v);
		nasa += smtp_cmd_verb_is_asa((enum smtp_verb)v);
		assert_non_null(smtp_cmd_verb_name((enum smtp_verb)v));
	}
	assert_int_equal(n821, 7);
	assert_int_equal(nasa, 15);
	assert_int_equal(smtp_cmd_verb_lookup((const uint8_t *)"HELOX", 5),
	    SMTP_VERB_UNKNOWN);
	assert_int_equal(smtp_cmd_verb_lookup((const uint8_t *)"HEL", 3),
	    SMTP_VERB_UNKNOWN);
	assert_string_equal(smtp_cmd_verb_name(SMTP_VERB__COUNT), "?");
	assert_false(smtp_cmd_verb_is_asa(SMTP_VERB__COUNT));
}

static void
test_param_lookup(void **state)
{
	static const char line[] = "RCPT TO:<u@d> NOTIFY=NEVER XFLAG ORCPT=x";
	struct smtp_cmd cmd;
	struct smtp_slice v;
	unsigned bit;

	(void)state;
	assert_int_equal(smtp_cmd_parse((const uint8_t *)line,
	    sizeof(line) - 1, &cmd), SMTP_OK);
	assert_int_equal(smtp_cmd_param(&cmd, "notify", &v), 0);
	check_slice(v, "NEVER");
	assert_int_equal(smtp_cmd_param(&cmd, "XFLAG", &v), 0);
	assert_int_equal(v.len, 0);
	assert_int_equal(smtp_cmd_param(&cmd, "ORCPT", &v), 0);
	check_slice(v, "x");
	assert_int_equal(smtp_cmd_param(&cmd, "SIZE", &v), -1);
	for (bit = 1; bit <= SMTP_CMD_ANOMALY_MAX; bit <<= 1)
		assert_non_null(smtp_cmd_anomaly_name(bit));
	assert_null(smtp_cmd_anomaly_name(SMTP_CMD_ANOMALY_MAX << 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_param_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
