/* target.c - target specs, MX lookup (RFC 5321 5.1), address lists. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/nameser.h>

#include "mg_limits.h"
#include "target.h"
#include "util.h"

static int
target_port(const char *s, size_t len, uint16_t *port, char *errbuf)
{
	uint64_t v;

	if (util_parse_u64n(s, len, 1, 65535, &v) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "bad port \"%.*s\"",
		    (int)(len > 16 ? 16 : len), s);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* RFC 1123 2.1 host names; '_' tolerated (seen in the wild). */
static int
target_name_ok(const char *h)
{
	size_t len = strlen(h), lab = 0, i;

	if (len == 0 || len > 253 || h[0] == '.' || h[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return 0;
		if (++lab > 63)
			return 0;
	}
	return 1;
}

static int
target_set_host(struct target_spec *t, const char *h, size_t len,
    char *errbuf)
{
	if (len == 0 || len >= sizeof(t->host)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "bad host in \"%s\"",
		    t->spec);
		return -1;
	}
	memcpy(t->host, h, len);
	t->host[len] = '\0';
	return 0;
}

static int
target_parse_bracket(const char *s, struct target_spec *t, char *errbuf)
{
	const char *end = strchr(s, ']');
	struct in6_addr a6;

	if (end == NULL ||
	    target_set_host(t, s + 1, (size_t)(end - s - 1), errbuf) == -1 ||
	    inet_pton(AF_INET6, t->host, &a6) != 1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE,
		    "bad IPv6 literal \"%s\"", s);
		return -1;
	}
	t->kind = TARGET_IPV6;
	if (end[1] == '\0')
		return 0;
	if (end[1] != ':') {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "junk after ] in \"%s\"",
		    s);
		return -1;
	}
	t->have_port = 1;
	return target_port(end + 2, strlen(end + 2), &t->port, errbuf);
}

int
target_parse(const char *s, struct target_spec *t, char *errbuf)
{
	const char *colon;
	struct in_addr a4;
	struct in6_addr a6;
	size_t hlen;

	memset(t, 0, sizeof(*t));
	t->port = TARGET_DEFAULT_PORT;
	if (s == NULL || *s == '\0' || strlen(s) >= sizeof(t->spec)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "empty or too long target");
		return -1;
	}
	util_strlcpy(t->spec, s, sizeof(t->spec));
	if (s[0] == '[')
		return target_parse_bracket(s, t, errbuf);
	colon = strchr(s, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* Bare IPv6 literal: no port possible without brackets. */
		if (inet_pton(AF_INET6, s, &a6) != 1) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "bad IPv6 literal \"%s\" (use [addr]:port)", s);
			return -1;
		}
		t->kind = TARGET_IPV6;
		return target_set_host(t, s, strlen(s), errbuf);
	}
	hlen = colon ? (size_t)(colon - s) : strlen(s);
	if (target_set_host(t, s, hlen, errbuf) == -1)
		return -1;
	if (colon != NULL) {
		t->have_port = 1;
		if (target_port(colon + 1, strlen(colon + 1), &t->port,
		    errbuf) == -1)
			return -1;
	}
	if (inet_pton(AF_INET, t->host, &a4) == 1) {
		t->kind = TARGET_IPV4;
		return 0;
	}
	/* Trailing dot of a fully qualified name is fine; drop it. */
	hlen = strlen(t->host);
	if (hlen > 1 && t->host[hlen - 1] == '.')
		t->host[hlen - 1] = '\0';
	if (!target_name_ok(t->host)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "bad host name \"%s\"",
		    t->host);
		return -1;
	}
	t->kind = TARGET_NAME;
	return 0;
}

static void
target_mx_sort(struct target_mx *mx, size_t n)
{
	size_t i, j;

	/* Insertion sort: stable, n <= TARGET_MX_MAX. */
	for (i = 1; i < n; i++) {
		struct target_mx tmp = mx[i];

		for (j = i; j > 0 && mx[j - 1].pref > tmp.pref; j--)
			mx[j] = mx[j - 1];
		mx[j] = tmp;
	}
}

int
target_mx_parse(const uint8_t *ans, size_t len, struct target_mx *mx,
    size_t max, size_t *n, char *errbuf)
{
	ns_msg msg;
	ns_rr rr;
	int i, count;

	*n = 0;
	if (len > 65535 || ns_initparse(ans, (int)len, &msg) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "malformed DNS answer");
		return -1;
	}
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count && *n < max; i++) {
		const uint8_t *rd;

		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "malformed DNS record %d", i);
			return -1;
		}
		if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in)
			continue;
		rd = ns_rr_rdata(rr);
		if (ns_rr_rdlen(rr) < 3 ||
		    ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg),
		    rd + 2, mx[*n].host, sizeof(mx[*n].host)) == -1) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "malformed MX record %d", i);
			return -1;
		}
		mx[*n].pref = (uint16_t)ns_get16(rd);
		(*n)++;
	}
	target_mx_sort(mx, *n);
	/* RFC 7505 3: a single MX with root target means no mail. */
	if (*n == 1 && (mx[0].host[0] == '\0' ||
	    strcmp(mx[0].host, ".") == 0)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE,
		    "domain accepts no mail (null MX, RFC 7505)");
		return -1;
	}
	return 0;
}

/* Append addrs of host (not already present); returns count added. */
static size_t
target_add_host(const char *host, uint16_t port, int pref,
    struct target_addr *out, size_t max, size_t *n, char *errbuf)
{
	struct addrinfo hints, *res, *ai;
	size_t added = 0, k;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", host,
		    gai_strerror(rc));
		return 0;
	}
	for (ai = res; ai != NULL && *n < max; ai = ai->ai_next) {
		struct target_addr *a = &out[*n];

		if (ai->ai_addrlen > sizeof(a->ss))
			continue;
		memset(a, 0, sizeof(*a));
		memcpy(&a->ss, ai->ai_addr, ai->ai_addrlen);
		a->sslen = ai->ai_addrlen;
		if (ai->ai_family == AF_INET) {
			((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
			inet_ntop(AF_INET, &((struct sockaddr_in *)
			    &a->ss)->sin_addr, a->addr, sizeof(a->addr));
		} else if (ai->ai_family == AF_INET6) {
			((struct sockaddr_in6 *)&a->ss)->sin6_port =
			    htons(port);
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
			    &a->ss)->sin6_addr, a->addr, sizeof(a->addr));
		} else
			continue;
		for (k = 0; k < *n; k++)
			if (strcmp(out[k].addr, a->addr) == 0)
				break;
		if (k < *n)
			continue;
		util_strlcpy(a->host, host, sizeof(a->host));
		a->port = port;
		a->mx_pref = pref;
		(*n)++;
		added++;
	}
	freeaddrinfo(res);
	return added;
}

/* RFC 6761 6.3: localhost names never go to DNS. */
static int
target_is_local_name(const char *h)
{
	size_t len = strlen(h);

	return strcasecmp(h, "localhost") == 0 || (len > 10 &&
	    strcasecmp(h + len - 10, ".localhost") == 0);
}

static int
target_resolve_mx(const struct target_spec *t, struct target_addr *out,
    size_t max, size_t *n, char *errbuf)
{
	uint8_t ans[NS_MAXMSG > 65535 ? 65535 : NS_MAXMSG];
	struct target_mx mx[TARGET_MX_MAX];
	size_t nmx = 0, i;
	int len;

	len = res_query(t->host, ns_c_in, ns_t_mx, ans, (int)sizeof(ans));
	if (len > 0 && target_mx_parse(ans, (size_t)len, mx, TARGET_MX_MAX,
	    &nmx, errbuf) == -1)
		return -1;
	if (nmx == 0)	/* RFC 5321 5.1: no MX, the name is its own MX */
		return target_add_host(t->host, t->port, -1, out, max, n,
		    errbuf) ? 0 : -1;
	for (i = 0; i < nmx; i++)
		target_add_host(mx[i].host, t->port, mx[i].pref, out, max, n,
		    errbuf);
	if (*n == 0)
		return -1;	/* errbuf holds the last lookup error */
	return 0;
}

int
target_resolve(const struct target_spec *t, int use_mx,
    struct target_addr *out, size_t max, size_t *n, char *errbuf)
{
	*n = 0;
	if (t->kind == TARGET_NAME && use_mx && !t->have_port &&
	    !target_is_local_name(t->host))
		return target_resolve_mx(t, out, max, n, errbuf);
	if (target_add_host(t->host, t->port, -1, out, max, n, errbuf) == 0)
		return -1;
	return 0;
}

static int
target_list_push(char ***specs, size_t *n, const char *w, size_t len,
    const char *name, char *errbuf)
{
	if (*n >= TARGET_LIST_MAX) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: more than %d targets",
		    name, TARGET_LIST_MAX);
		return -1;
	}
	if ((*n & (*n - 1)) == 0)	/* grow at powers of two */
		*specs = xreallocarray(*specs, *n ? *n * 2 : 1,
		    sizeof(**specs));
	(*specs)[(*n)++] = xstrndup(w, len);
	return 0;
}

int
target_list_read(FILE *fp, const char *name, char ***specs, size_t *n,
    char *errbuf)
{
	char line[1024];
	unsigned long lineno = 0;

	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *hash;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "%s:%lu: line too long", name, lineno);
			return -1;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		for (;;) {
			size_t len;

			p += strspn(p, " \t\r\n,");
			if (*p == '\0')
				break;
			len = strcspn(p, " \t\r\n,");
			if (target_list_push(specs, n, p, len, name,
			    errbuf) == -1)
				return -1;
			p += len;
		}
	}
	if (ferror(fp)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
target_list_free(char **specs, size_t n)
{
	size_t i;

	if (specs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(specs[i]);
	free(specs);
}
