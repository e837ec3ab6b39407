/*
 * util.h - allocation that dies on failure, fatal/warn logging for program
 * drivers, checked number parsing and bounded string copies.
 *
 * xmalloc and friends never return NULL: out of memory terminates the
 * process (OpenSMTPD style).  util_* functions return 0 on success and -1
 * on failure and never print.  fatal()/warnx-style helpers are for the
 * program drivers (*_main.c, cmd_*.c) only; library modules report through
 * an errbuf of MG_ERRBUF_SIZE bytes.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* At most n bytes of s, stopping at a NUL (strndup semantics). */
char *xstrndup(const char *s, size_t n);
/* printf into a fresh allocation; dies on failure. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Program name used by fatal()/warnmsg(); set once from main(). */
void util_set_progname(const char *argv0);
const char *util_progname(void);
/* "prog: message\n" to stderr, then exit(status). */
void fatal(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* "prog: message\n" to stderr. */
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For main() before it returns: flush stdout; when anything written to it
 * failed (a full disk, a closed pipe), say "standard output: write error"
 * (with the reason when the flush itself failed) and return -1, else 0. */
int util_stdout_check(void);

/* Write a formatted message into errbuf (size MG_ERRBUF_SIZE or given). */
void util_errbuf(char *errbuf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse a whole decimal string (no sign, no spaces) in [min, max]. */
int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Same over a {ptr,len} slice (not NUL terminated). */
int util_parse_u64n(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out);

/* strlcpy semantics: always NUL-terminates when size > 0; returns strlen(src).
 * A return >= size means truncation. */
size_t util_strlcpy(char *dst, const char *src, size_t size);

/* Case-insensitive compare of a slice with a NUL-terminated ASCII word. */
int util_slice_ieq(const char *p, size_t len, const char *word);
/* 1 if p[0..len) is at least one byte and every byte is c. */
int util_all_byte(const void *p, size_t len, int c);

/* Monotonic time in microseconds, and wall-clock time in microseconds. */
uint64_t util_mono_us(void);
/* Size of a regular file, for progress lines; 0 for "-" (stdin), a pipe,
 * a device or a path that cannot be read. */
uint64_t util_file_size(const char *path);
uint64_t util_wall_us(void);
/*
 * us (microseconds since the epoch, UTC) as "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"
 * (RFC 3339), without gmtime_r/strftime: glibc takes its time-zone lock
 * on every gmtime_r, once per session in the capture analyzer.  Years
 * past 9999 are printed with more digits.
 */
void util_utc_iso(uint64_t us, char *out, size_t outsz);

#endif /* UTIL_H */
