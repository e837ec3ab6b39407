/* emu_server_spool.c - the built-in server's file spool: one file per
 * message, written under a temporary name, fsynced, then renamed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_server.h"
#include "mg_limits.h"
#include "util.h"

struct emu_server_spool_msg {
	int	 fd;
	char	 dir[PATH_MAX];
	char	 tmp[PATH_MAX];
	char	 final[PATH_MAX];
};

static void *
emu_server_spool_open(void *ctx, const char *id, char *errbuf)
{
	static unsigned long counter;
	const char *dir = ctx;
	struct emu_server_spool_msg *m;
	int n1, n2;

	m = xcalloc(1, sizeof(*m));
	counter++;
	n1 = snprintf(m->tmp, sizeof(m->tmp), "%s/.tmp.%s.%ld.%lu", dir, id,
	    (long)getpid(), counter);
	n2 = snprintf(m->final, sizeof(m->final), "%s/%s.%ld.%lu.eml", dir,
	    id, (long)getpid(), counter);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(m->tmp) ||
	    (size_t)n2 >= sizeof(m->final) ||
	    util_strlcpy(m->dir, dir, sizeof(m->dir)) >= sizeof(m->dir)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "spool %s: path too long",
		    dir);
		free(m);
		return NULL;
	}
	m->fd = open(m->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (m->fd == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "spool %s: %s", m->tmp,
		    strerror(errno));
		free(m);
		return NULL;
	}
	return m;
}

static int
emu_server_spool_write(void *msg, const void *p, size_t n, char *errbuf)
{
	struct emu_server_spool_msg *m = msg;
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(m->fd, c, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "spool %s: %s",
			    m->tmp, w == 0 ? "short write" : strerror(errno));
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
emu_server_spool_abort(void *msg)
{
	struct emu_server_spool_msg *m = msg;

	if (m == NULL)
		return;
	if (m->fd != -1)
		(void)close(m->fd);
	(void)unlink(m->tmp);
	free(m);
}

static int
emu_server_spool_commit(void *msg, char *errbuf)
{
	struct emu_server_spool_msg *m = msg;
	int dfd, rc;

	/* Durable before visible: the file's data, then its name, then the
	 * directory entry. */
	rc = fsync(m->fd);
	if (rc == 0)
		rc = close(m->fd);
	else
		(void)close(m->fd);
	m->fd = -1;
	if (rc == 0)
		rc = rename(m->tmp, m->final);
	if (rc == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "spool %s: %s", m->tmp,
		    strerror(errno));
		emu_server_spool_abort(m);
		return -1;
	}
	dfd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		(void)fsync(dfd);
		(void)close(dfd);
	}
	free(m);
	return 0;
}

const struct emu_server_spool_ops emu_server_spool_dir = {
	.open = emu_server_spool_open,
	.write = emu_server_spool_write,
	.commit = emu_server_spool_commit,
	.abort = emu_server_spool_abort,
	.ctx = NULL,
};
