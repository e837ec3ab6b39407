/* test_emu_log.c - unit tests for the device-format syslog lines. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "emu_log.h"
#include "util.h"

static const struct log_case {
	enum emu_log_style	 style;
	enum emu_log_id		 id;
	int			 class_no;
	const char		*what;
	const char		*data;
	const char		*want;
} log_cases[] = {
	{ EMU_LOG_PIX, EMU_LOG_108002_REPLACED, 0, NULL,
	  "MAIL FROM:<a|b@c>",
	  "%PIX-2-108002: SMTP replaced string: out 192.0.2.1 in 10.0.0.2 "
	  "data: MAIL FROM:<a|b@c>" },
	{ EMU_LOG_ASA, EMU_LOG_108004_DROPPED, 2, "cmd RCPT count gt 100",
	  NULL,
	  "%ASA-4-108004: ESMTP Classification: Dropped connection for ESMTP "
	  "Request from outside:192.0.2.1/40000 to inside:10.0.0.2/25; "
	  "matched Class 2: cmd RCPT count gt 100" },
	{ EMU_LOG_ASA, EMU_LOG_108007_TLS, 0, NULL, NULL,
	  "%ASA-6-108007: TLS started on ESMTP session between client "
	  "outside:192.0.2.1/40000 and server inside:10.0.0.2/25" },
	{ EMU_LOG_ASA, EMU_LOG_108003_MALICIOUS, 0, NULL, "RCPT TO:<a|b>\r\n",
	  "%ASA-2-108003: Terminating ESMTP/LMTP connection; malicious "
	  "pattern detected in the mail address from outside:192.0.2.1/40000"
	  " to inside:10.0.0.2/25. Data: RCPT TO:<a|b>\\r\\n" },
	{ EMU_LOG_ASA, EMU_LOG_108005_LOGONLY, 3, "body line length gt 998",
	  NULL,
	  "%ASA-6-108005: ESMTP Classification: Received ESMTP Request from "
	  "outside:192.0.2.1/40000 to inside:10.0.0.2/25; matched Class 3: "
	  "body line length gt 998" },
	{ 0, 0, 0, NULL, NULL, NULL }
};

static void
peers(struct emu_peers *p)
{
	emu_peers_init(p);
	util_strlcpy(p->client_ip, "192.0.2.1", sizeof(p->client_ip));
	p->client_port = 40000;
	util_strlcpy(p->server_ip, "10.0.0.2", sizeof(p->server_ip));
	p->server_port = 25;
}

static void
test_format(void **state)
{
	const struct log_case *t;
	struct emu_log_arg a;
	struct emu_peers p;
	char line[1024];

	(void)state;
	peers(&p);
	for (t = log_cases; t->want != NULL; t++) {
		memset(&a, 0, sizeof(a));
		a.class_no = t->class_no;
		a.what = t->what;
		a.data = (const uint8_t *)t->data;
		a.data_len = t->data ? strlen(t->data) : 0;
		emu_log_format(line, sizeof(line), t->style, t->id, &p, &a);
		assert_string_equal(line, t->want);
	}
	memset(&a, 0, sizeof(a));
	a.declared = 10;
	a.actual = 20;
	emu_log_format(line, sizeof(line), EMU_LOG_ASA, EMU_LOG_108006_SIZE,
	    &p, &a);
	assert_non_null(strstr(line, "%ASA-7-108006: "));
	assert_non_null(strstr(line, "declared size is: 10, actual size is "
	    "20"));
}

static void
test_event_counts(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	struct emu_log *l = emu_log_new(fp, 0);

	(void)state;
	emu_log_event(l, EMU_LOG_ASA, EMU_LOG_108007_TLS, NULL, NULL);
	emu_log_event(l, EMU_LOG_NONE, EMU_LOG_108007_TLS, NULL, NULL);
	emu_log_printf(l, "upstream %s refused", "127.0.0.1:25");
	assert_true(emu_log_count(l, EMU_LOG_108007_TLS) == 2);
	assert_true(emu_log_count(l, EMU_LOG_108002_REPLACED) == 0);
	emu_log_free(l);
	emu_log_free(NULL);
	emu_log_event(NULL, EMU_LOG_ASA, EMU_LOG_108007_TLS, NULL, NULL);
	fclose(fp);
	assert_string_equal(text, "%ASA-6-108007: TLS started on ESMTP "
	    "session between client outside:0.0.0.0/0 and server "
	    "inside:0.0.0.0/0\nmailguard-emulate: upstream 127.0.0.1:25 "
	    "refused\n");
	free(text);
	assert_string_equal(emu_log_id_name(EMU_LOG_108004_DROPPED),
	    "108004");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_event_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
