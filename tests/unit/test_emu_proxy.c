/* test_emu_proxy.c - unit tests of the proxy's address parsing and of
 * mailguard-emulate's option parsing (emu_cli). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "emu_cli.h"
#include "emu_proxy.h"
#include "mg_limits.h"

static const struct addr_case {
	const char	*in;
	const char	*defhost;
	int		 allow_zero;
	int		 rc;
	const char	*text;	/* formatted result */
} addr_cases[] = {
	{ "2525", "127.0.0.1", 1, 0, "127.0.0.1:2525" },
	{ "0", "127.0.0.1", 1, 0, "127.0.0.1:0" },
	{ "0", "127.0.0.1", 0, -1, NULL },
	{ "10.1.2.3:25", NULL, 0, 0, "10.1.2.3:25" },
	{ "[::1]:2525", "127.0.0.1", 1, 0, "[::1]:2525" },
	{ "[::1]2525", "127.0.0.1", 1, -1, NULL },
	{ "::1:25", NULL, 0, -1, NULL },
	{ "25", NULL, 0, -1, NULL },
	{ "127.0.0.1:", NULL, 0, -1, NULL },
	{ "127.0.0.1:65536", NULL, 0, -1, NULL },
	{ "127.0.0.1:-1", NULL, 0, -1, NULL },
	{ "127.0.0.1:25x", NULL, 0, -1, NULL },
	{ "300.1.1.1:25", NULL, 0, -1, NULL },
	{ NULL, NULL, 0, 0, NULL }
};

static void
test_parse_addr(void **state)
{
	const struct addr_case *c;
	struct emu_proxy_addr a;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	for (c = addr_cases; c->in != NULL; c++) {
		errbuf[0] = '\0';
		/* numeric only: no resolver in unit tests */
		if (emu_proxy_parse_addr(c->in, c->defhost, 0, c->allow_zero,
		    &a, errbuf) != c->rc)
			fail_msg("%s: want %d (%s)", c->in, c->rc, errbuf);
		if (c->rc == 0)
			assert_string_equal(a.text, c->text);
		else
			assert_true(strstr(errbuf, c->in) != NULL ||
			    errbuf[0] != '\0');
	}
}

#define ARGS_MAX 16

static const struct cli_case {
	const char	*argv[ARGS_MAX];
	int		 rc;
	enum emu_cli_mode mode;
	const char	*errpart;	/* in errbuf when rc == -1 */
} cli_cases[] = {
	{ { "x", "--profile", "asa", "--upstream", "127.0.0.1:25" }, 0,
	    EMU_CLI_PROXY, NULL },
	{ { "x", "-p", "off", "-u", "builtin:postfix", "--spool", "/tmp",
	    "--set", "banner=none", "-s", "refuse=xfill" }, 0,
	    EMU_CLI_PROXY, NULL },
	{ { "x", "--list-profiles" }, 0, EMU_CLI_LIST_PROFILES, NULL },
	{ { "x", "--list-servers" }, 0, EMU_CLI_LIST_SERVERS, NULL },
	{ { "x", "--help" }, 0, EMU_CLI_HELP, NULL },
	{ { "x", "-V" }, 0, EMU_CLI_VERSION, NULL },
	{ { "x", "--profile", "asa", "--transparent" }, 0, EMU_CLI_PROXY,
	    NULL },
	{ { "x", "--upstream", "127.0.0.1:25" }, -1, EMU_CLI_PROXY,
	    "--profile is required" },
	{ { "x", "--profile", "asa" }, -1, EMU_CLI_PROXY,
	    "exactly one of" },
	{ { "x", "--profile", "asa", "--transparent", "-u", "h:1" }, -1,
	    EMU_CLI_PROXY, "exactly one of" },
	{ { "x", "--profile", "asa", "-u", "builtin:exim" }, -1,
	    EMU_CLI_PROXY, "unknown server personality" },
	{ { "x", "--profile", "asa", "-u", "h:25", "--spool", "/tmp" }, -1,
	    EMU_CLI_PROXY, "need --upstream builtin" },
	{ { "x", "--profile", "asa", "-u", "h:25", "--set", "banner" }, -1,
	    EMU_CLI_PROXY, "expected NAME=VALUE" },
	{ { "x", "--profile", "asa", "-u", "h:25", "--max-conns", "0" }, -1,
	    EMU_CLI_PROXY, "--max-conns" },
	{ { "x", "--profile", "asa", "-u", "h:25", "--idle-timeout", "x" },
	    -1, EMU_CLI_PROXY, "--idle-timeout" },
	{ { "x", "--profile", "asa", "-u", "h:25", "extra" }, -1,
	    EMU_CLI_PROXY, "unexpected argument" },
	{ { "x", "--bogus" }, -1, EMU_CLI_PROXY, "unknown option" },
	{ { "x", "-p", "asa", "--replay", "in.pcap", "-w", "o.pcap" }, 0,
	    EMU_CLI_REPLAY, NULL },
	{ { "x", "-p", "asa", "--replay", "i", "-w", "o", "--randomize-isn",
	    "--seed", "7" }, 0, EMU_CLI_REPLAY, NULL },
	{ { "x", "-p", "asa", "--replay", "in.pcap" }, -1, EMU_CLI_PROXY,
	    "--replay needs -w OUT" },
	{ { "x", "-p", "asa", "-u", "h:25", "-w", "o.pcap" }, -1,
	    EMU_CLI_PROXY, "need --replay IN" },
	{ { "x", "-p", "asa", "--replay", "i", "-w", "o", "-u", "h:25" }, -1,
	    EMU_CLI_PROXY, "works offline" },
	{ { "x", "-p", "asa", "--replay", "i", "-w", "o", "--seed", "3" }, -1,
	    EMU_CLI_PROXY, "--seed needs --randomize-isn" },
	{ { "x", "-p", "asa", "--replay", "i", "-w", "o", "--randomize-isn",
	    "--seed", "4294967296" }, -1, EMU_CLI_PROXY, "--seed" },
	{ { "x", "--profile" }, -1, EMU_CLI_PROXY, "missing argument" },
	{ { NULL }, 0, EMU_CLI_PROXY, NULL }
};

static void
test_cli(void **state)
{
	const struct cli_case *c;
	struct emu_cli cli;
	char errbuf[MG_ERRBUF_SIZE];
	char *argv[ARGS_MAX + 1];
	int argc;

	(void)state;
	for (c = cli_cases; c->argv[0] != NULL; c++) {
		memset(argv, 0, sizeof(argv));
		for (argc = 0; argc < ARGS_MAX && c->argv[argc] != NULL;
		    argc++)
			argv[argc] = (char *)(uintptr_t)c->argv[argc];
		errbuf[0] = '\0';
		if (emu_cli_parse(argc, argv, &cli, errbuf) != c->rc)
			fail_msg("case %s %s: want rc %d (%s)", c->argv[1],
			    c->argv[2] ? c->argv[2] : "", c->rc, errbuf);
		if (c->rc == 0)
			assert_int_equal(cli.mode, c->mode);
		else if (strstr(errbuf, c->errpart) == NULL)
			fail_msg("case %s: [%s] lacks [%s]", c->argv[1],
			    errbuf, c->errpart);
	}
}

static void
test_cli_values(void **state)
{
	static const char *const args[] = {
		"x", "-p", "pix-6.3", "-u", "builtin:sendmail", "--spool",
		"/s", "--listen", "[::1]:0", "--set", "a=b", "--set", "c=d",
		"--max-conns", "7", "--idle-timeout", "9", "--ready-fd", "5",
		NULL
	};
	char *argv[32];
	struct emu_cli cli;
	char errbuf[MG_ERRBUF_SIZE];
	int argc;

	(void)state;
	for (argc = 0; args[argc] != NULL; argc++)
		argv[argc] = (char *)(uintptr_t)args[argc];
	argv[argc] = NULL;
	assert_int_equal(emu_cli_parse(argc, argv, &cli, errbuf), 0);
	assert_string_equal(cli.profile, "pix-6.3");
	assert_string_equal(cli.builtin, "sendmail");
	assert_null(cli.upstream);
	assert_string_equal(cli.spool, "/s");
	assert_string_equal(cli.listen, "[::1]:0");
	assert_int_equal(cli.nsets, 2);
	assert_string_equal(cli.sets[1], "c=d");
	assert_int_equal(cli.max_conns, 7);
	assert_int_equal(cli.idle_sec, 9);
	assert_int_equal(cli.ready_fd, 5);
	/* defaults */
	argv[1] = (char *)(uintptr_t)"--list-servers";
	assert_int_equal(emu_cli_parse(2, argv, &cli, errbuf), 0);
	assert_string_equal(cli.listen, EMU_CLI_LISTEN_DEFAULT);
	assert_int_equal(cli.ready_fd, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_cli_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
