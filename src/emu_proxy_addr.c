/* emu_proxy_addr.c - [ADDR:]PORT / HOST:PORT / [V6]:PORT for the proxy. */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "emu_proxy.h"
#include "mg_limits.h"
#include "util.h"

void
emu_proxy_addr_format(const struct sockaddr *sa, char *dst, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		(void)inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		(void)snprintf(dst, size, "[%s]:%u", ip,
		    (unsigned)ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		(void)inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		(void)snprintf(dst, size, "%s:%u", ip,
		    (unsigned)ntohs(s4->sin_port));
	} else
		(void)snprintf(dst, size, "?");
}

/* Split s into host (maybe empty) and port text. */
static int
emu_proxy_split(const char *s, char *host, size_t hsize, const char **port,
    char *errbuf)
{
	const char *c;
	size_t hl;

	if (s[0] == '[') {
		c = strchr(s, ']');
		if (c == NULL || c[1] != ':') {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: expected "
			    "[IPV6]:PORT", s);
			return -1;
		}
		hl = (size_t)(c - s - 1);
		*port = c + 2;
		s++;
	} else if ((c = strrchr(s, ':')) != NULL) {
		if (strchr(s, ':') != c) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: write an IPv6 "
			    "address in brackets: [ADDR]:PORT", s);
			return -1;
		}
		hl = (size_t)(c - s);
		*port = c + 1;
	} else {
		hl = 0;
		*port = s;
	}
	if (hl >= hsize) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%.64s...: host name too "
		    "long", s);
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	return 0;
}

int
emu_proxy_parse_addr(const char *s, const char *defhost, int resolve,
    int allow_zero, struct emu_proxy_addr *out, char *errbuf)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *port;
	uint64_t pn;
	int rc;

	memset(out, 0, sizeof(*out));
	if (emu_proxy_split(s, host, sizeof(host), &port, errbuf) == -1)
		return -1;
	if (util_parse_u64(port, allow_zero ? 0 : 1, 65535, &pn) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: bad port \"%s\" "
		    "(1-65535%s)", s, port, allow_zero ? ", or 0" : "");
		return -1;
	}
	if (host[0] == '\0') {
		if (defhost == NULL) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: expected "
			    "HOST:PORT", s);
			return -1;
		}
		util_strlcpy(host, defhost, sizeof(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (resolve ? 0 : AI_NUMERICHOST);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(out->ss)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", s,
		    rc != 0 ? gai_strerror(rc) : "no address");
		if (res)
			freeaddrinfo(res);
		return -1;
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = (socklen_t)res->ai_addrlen;
	freeaddrinfo(res);
	emu_proxy_addr_format((struct sockaddr *)&out->ss, out->text,
	    sizeof(out->text));
	return 0;
}
