/* test_emu_profile.c - unit tests for emulator profiles and parameters. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "emu_profile.h"
#include "mg_limits.h"

/* The table of middlebox-behaviour.md section 5. */
static const struct builtin_case {
	const char	*name;
	enum emu_banner	 banner;
	enum emu_refuse	 refuse;
	enum emu_verbs	 verbs;
	int		 ehlo_mask, allow_tls, eod_bug;
} builtin_cases[] = {
	{ "off", EMU_BANNER_NONE, EMU_REFUSE_XFILL, EMU_VERBS_ALL, 0, 0, 0 },
	{ "pix-4.1", EMU_BANNER_CMAP, EMU_REFUSE_ANSWER_OK, EMU_VERBS_RFC821,
	  0, 0, 0 },
	{ "pix-4.4", EMU_BANNER_AFTER4, EMU_REFUSE_XFILL, EMU_VERBS_RFC821,
	  0, 0, 0 },
	{ "pix-5.1", EMU_BANNER_ZERO_TWO, EMU_REFUSE_NOOP, EMU_VERBS_RFC821,
	  0, 0, EMU_EOD_LATE },
	{ "pix-6.3", EMU_BANNER_ZERO_TWO, EMU_REFUSE_NOOP, EMU_VERBS_RFC821,
	  0, 0, 0 },
	{ "asa", EMU_BANNER_ASA, EMU_REFUSE_XFILL, EMU_VERBS_ASA, 1, 0, 0 },
	{ "asa-allow-tls", EMU_BANNER_ASA, EMU_REFUSE_XFILL, EMU_VERBS_ASA,
	  1, 1, 0 },
	{ NULL, 0, 0, 0, 0, 0, 0 }
};

static void
test_builtins(void **state)
{
	const struct builtin_case *t;
	const struct emu_profile *p;
	size_t n = 0;

	(void)state;
	for (t = builtin_cases; t->name != NULL; t++, n++) {
		p = emu_profile_builtin(t->name);
		assert_non_null(p);
		assert_string_equal(p->name, t->name);
		assert_int_equal(p->banner, t->banner);
		assert_int_equal(p->refuse, t->refuse);
		assert_int_equal(p->verbs, t->verbs);
		assert_int_equal(p->ehlo_mask, t->ehlo_mask);
		assert_int_equal(p->allow_tls, t->allow_tls);
		assert_int_equal(p->eod_split_bug, t->eod_bug);
		assert_ptr_equal(emu_profile_at(n), p);
	}
	assert_int_equal(emu_profile_count(), n);
	assert_null(emu_profile_at(n));
	assert_null(emu_profile_builtin("pix-9"));
	p = emu_profile_builtin("asa");
	assert_int_equal(p->cmd_line_max, 512);
	assert_int_equal(p->rcpt_max, 100);
	assert_int_equal(p->header_line_max, 998);
	assert_int_equal(p->sender_max, 320);
	assert_int_equal(p->mime_filename_max, 255);
	assert_int_equal(p->body_line_max, 998);
}

static const struct verb_case {
	const char	*profile, *verb;
	int		 ok;
} verb_cases[] = {
	{ "pix-6.3", "HELO", 1 }, { "pix-6.3", "mail", 1 },
	{ "pix-6.3", "EHLO", 0 }, { "pix-6.3", "AUTH", 0 },
	{ "asa", "EHLO", 1 }, { "asa", "SOML", 1 }, { "asa", "STARTTLS", 0 },
	{ "asa", "BDAT", 0 }, { "asa", "X-LINK2STATE", 0 },
	{ "asa-allow-tls", "starttls", 1 }, { "off", "goodmorning", 1 },
	{ "asa", "", 0 }, { "asa", "HEL", 0 },
	{ NULL, NULL, 0 }
};

static const struct kw_case {
	const char	*kw;
	int		 ok, prefix_ok;
} kw_cases[] = {
	{ "PIPELINING", 1, 1 }, { "size", 1, 1 }, { "AUTH", 1, 1 },
	{ "AUTH=LOGIN", 1, 1 }, { "STARTTLS", 0, 0 }, { "CHUNKING", 0, 0 },
	{ "SMTPUTF8", 0, 0 }, { "HELP", 0, 0 }, { "8BITMIME", 1, 1 },
	{ "PIPE", 0, 1 }, { "X-LINK2STATE", 0, 0 },
	{ NULL, 0, 0 }
};

static void
test_sets(void **state)
{
	const struct verb_case *v;
	const struct kw_case *k;
	const struct emu_profile *asa = emu_profile_builtin("asa");

	(void)state;
	for (v = verb_cases; v->profile != NULL; v++)
		assert_int_equal(emu_profile_verb_ok(
		    emu_profile_builtin(v->profile), v->verb,
		    strlen(v->verb)), v->ok);
	for (k = kw_cases; k->kw != NULL; k++) {
		assert_int_equal(emu_profile_keyword_ok(asa, k->kw,
		    strlen(k->kw)), k->ok);
		assert_int_equal(emu_profile_keyword_prefix_ok(asa, k->kw,
		    strlen(k->kw)), k->prefix_ok);
	}
	assert_true(emu_profile_keyword_ok(
	    emu_profile_builtin("asa-allow-tls"), "STARTTLS", 8));
	assert_true(emu_profile_verb_prefix_ok(asa, "EH", 2));
	assert_false(emu_profile_verb_prefix_ok(asa, "XY", 2));
}

static const struct set_case {
	const char	*arg;
	int		 rc;
	const char	*err;	/* substring of the error */
} set_cases[] = {
	{ "banner=zero-two", 0, NULL },
	{ "refuse = noop", 0, NULL },
	{ "interactive-xfill=off", 0, NULL },
	{ "rcpt_max=5", 0, NULL },
	{ "verbs=HELO,MAIL,RCPT,DATA,QUIT,BDAT", 0, NULL },
	{ "answer_text=250 fine", 0, NULL },
	{ "keywords=SIZE,PIPELINING", 0, NULL },
	{ "log_style=pix", 0, NULL },
	{ "banner=stars", -1, "bad value 'stars' for banner" },
	{ "rcpt_max=-1", -1, "rcpt_max" },
	{ "rcpt_max=99999999999", -1, "rcpt_max" },
	{ "colour=blue", -1, "unknown profile parameter 'colour'" },
	{ "allow_tls=maybe", -1, "allow_tls" },
	{ "keywords=SIZE,,X", -1, "keywords" },
	{ "noequals", -1, "name=value" },
	{ NULL, 0, NULL }
};

static void
test_set(void **state)
{
	const struct set_case *t;
	struct emu_profile p = *emu_profile_builtin("asa");
	char err[MG_ERRBUF_SIZE];

	(void)state;
	for (t = set_cases; t->arg != NULL; t++) {
		err[0] = '\0';
		assert_int_equal(emu_profile_set_arg(&p, t->arg, err), t->rc);
		if (t->err != NULL && strstr(err, t->err) == NULL)
			fail_msg("%s: error '%s'", t->arg, err);
	}
	assert_int_equal(p.banner, EMU_BANNER_ZERO_TWO);
	assert_int_equal(p.refuse, EMU_REFUSE_NOOP);
	assert_int_equal(p.interactive_xfill, 0);
	assert_int_equal(p.rcpt_max, 5);
	assert_int_equal(p.verbs, EMU_VERBS_CUSTOM);
	assert_true(emu_profile_verb_ok(&p, "BDAT", 4));
	assert_false(emu_profile_verb_ok(&p, "EHLO", 4));
	assert_string_equal(p.answer_text, "250 fine");
	assert_false(emu_profile_keyword_ok(&p, "8BITMIME", 8));
	assert_int_equal(p.log_style, EMU_LOG_PIX);
}

/* eod_split_bug: the three words, and the old boolean spellings. */
static const struct eod_case {
	const char	*value;
	int		 rc;
	enum emu_eod	 want;		/* when rc == 0 */
	const char	*shown;		/* as emu_profile_format prints it */
} eod_cases[] = {
	{ "off", 0, EMU_EOD_OFF, "off" },
	{ "swallow", 0, EMU_EOD_SWALLOW, "swallow" },
	{ "late", 0, EMU_EOD_LATE, "late" },
	{ "LATE", 0, EMU_EOD_LATE, "late" },
	{ "1", 0, EMU_EOD_SWALLOW, "swallow" },
	{ "0", 0, EMU_EOD_OFF, "off" },
	{ "on", 0, EMU_EOD_SWALLOW, "swallow" },
	{ "yes", 0, EMU_EOD_SWALLOW, "swallow" },
	{ "false", 0, EMU_EOD_OFF, "off" },
	{ "2", -1, EMU_EOD_OFF, NULL },
	{ "later", -1, EMU_EOD_OFF, NULL },
	{ "", -1, EMU_EOD_OFF, NULL },
	{ NULL, 0, EMU_EOD_OFF, NULL }
};

static void
test_eod_param(void **state)
{
	const struct eod_case *t;
	struct emu_profile p;
	struct buf b;
	char err[MG_ERRBUF_SIZE], line[64], text[96];

	(void)state;
	buf_init(&b, 0);
	for (t = eod_cases; t->value != NULL; t++) {
		/* --set */
		p = *emu_profile_builtin("pix-6.3");
		err[0] = '\0';
		assert_int_equal(emu_profile_set(&p, "eod_split_bug",
		    t->value, err), t->rc);
		if (t->rc < 0) {
			if (strstr(err, "eod_split_bug") == NULL ||
			    strstr(err, "off swallow late") == NULL)
				fail_msg("'%s': error '%s'", t->value, err);
			assert_int_equal(p.eod_split_bug, EMU_EOD_OFF);
			continue;
		}
		assert_int_equal(p.eod_split_bug, t->want);
		assert_string_equal(emu_eod_name(p.eod_split_bug), t->shown);
		buf_reset(&b);
		assert_int_equal(emu_profile_format(&p, &b), 0);
		snprintf(line, sizeof(line), "  eod_split_bug = %s\n",
		    t->shown);
		if (strstr(buf_cstr(&b), line) == NULL)
			fail_msg("'%s': format shows\n%s", t->value,
			    buf_cstr(&b));
		/* a profile file, as older files spell it */
		snprintf(text, sizeof(text), "base pix-5.1\n"
		    "eod-split-bug = %s\n", t->value);
		assert_int_equal(emu_profile_load_mem(&p, text, strlen(text),
		    "f.prof", err), 0);
		assert_int_equal(p.eod_split_bug, t->want);
	}
	assert_string_equal(emu_eod_name(EMU_EOD__COUNT), "?");
	buf_free(&b);
}

/* format -> load gives back the same profile, for every built-in. */
static void
test_format_roundtrip(void **state)
{
	struct emu_profile p, q;
	struct buf b;
	char err[MG_ERRBUF_SIZE];
	size_t i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < emu_profile_count(); i++) {
		p = *emu_profile_at(i);
		buf_reset(&b);
		assert_int_equal(emu_profile_format(&p, &b), 0);
		assert_non_null(strstr(buf_cstr(&b), "  banner = "));
		assert_non_null(strstr(buf_cstr(&b), "  rcpt_max = "));
		memset(&q, 0, sizeof(q));
		if (emu_profile_load_mem(&q, (const char *)b.data, b.len,
		    "mem", err) != 0)
			fail_msg("%s: %s", p.name, err);
		assert_memory_equal(&p, &q, sizeof(p));
	}
	buf_free(&b);
}

static const struct load_case {
	const char	*text;
	int		 rc;
	const char	*err;
} load_cases[] = {
	{ "# mine\nbase asa\nprofile my-asa\nallow_tls = on\n", 0, NULL },
	{ "base asa\n\n  # x\nrcpt_max=7\r\n", 0, NULL },
	{ "rcpt_max = 7\nbase asa\n", -1, "f.prof:2: 'base' must come" },
	{ "base nosuch\n", -1, "f.prof:1: unknown base profile" },
	{ "base asa\nbanner = x\n", -1, "f.prof:2: bad value 'x'" },
	{ "base asa\njunk\n", -1, "f.prof:2: expected" },
	{ NULL, 0, NULL }
};

static void
test_load(void **state)
{
	const struct load_case *t;
	struct emu_profile p;
	char err[MG_ERRBUF_SIZE], path[] = "/tmp/test_emu_profileXXXXXX";
	int fd;

	(void)state;
	for (t = load_cases; t->text != NULL; t++) {
		memset(&p, 0, sizeof(p));
		err[0] = '\0';
		assert_int_equal(emu_profile_load_mem(&p, t->text,
		    strlen(t->text), "f.prof", err), t->rc);
		if (t->err != NULL && strstr(err, t->err) == NULL)
			fail_msg("'%s': error '%s'", t->text, err);
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, load_cases[0].text,
	    strlen(load_cases[0].text)) > 0);
	close(fd);
	memset(&p, 0, sizeof(p));
	assert_int_equal(emu_profile_load(&p, path, err), 0);
	assert_string_equal(p.name, "my-asa");
	assert_int_equal(p.allow_tls, 1);
	assert_int_equal(p.banner, EMU_BANNER_ASA);
	unlink(path);
	assert_int_equal(emu_profile_load(&p, path, err), -1);
	assert_non_null(strstr(err, path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_eod_param),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
