/*
 * arena.h - a bump allocator for objects whose parts are all freed at
 * once (one captured session's report and match result: ~100 short
 * strings and a few small arrays that malloc/free one by one cost a
 * quarter of the judging; docs/benchmarks.md, "2026-11-22 night").
 *
 * Memory comes from chunks (the first ARENA_CHUNK_MIN bytes, each next
 * one twice as big up to ARENA_CHUNK_MAX; a bigger request gets a chunk
 * of its own); nothing is freed before arena_free(), which releases every
 * chunk.  Blocks are aligned for any type (ARENA_ALIGN).
 *
 * A NULL arena means the heap, so code that may build into an arena or
 * not (a parser whose caller frees its results one by one) calls the
 * same functions either way: each block then comes from xmalloc
 * (arena_grow reallocates the old block, as xreallocarray does), the
 * caller frees it with free(), and arena_trim does nothing.
 *
 * Ownership: a struct arena is caller storage (embedded in the object
 * it serves); arena_init() prepares it, arena_free() releases it and is
 * a no-op on NULL or on an arena never used.  Allocation never fails:
 * out of memory (or a size that overflows) ends the process, like
 * xmalloc (util.h).  Nothing here prints.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARENA_ALIGN		16
#define ARENA_CHUNK_MIN		4096
#define ARENA_CHUNK_MAX		(64 * 1024)

struct arena_chunk;

struct arena {
	struct arena_chunk	*head;	/* newest chunk first */
	char			*cur;	/* free space of head: [cur, end) */
	char			*end;
	size_t			 next;	/* size of the next small chunk */
};

void	 arena_init(struct arena *a);
/* Same, the first chunk first bytes (within ARENA_CHUNK_MIN..MAX). */
void	 arena_init_size(struct arena *a, size_t first);
void	 arena_free(struct arena *a);

/* Slow path of arena_alloc: a new chunk (a NULL: xmalloc). */
void	*arena_alloc_chunk(struct arena *a, size_t n);

/* n bytes (n may be 0), aligned to ARENA_ALIGN, not zeroed. */
static inline void *
arena_alloc(struct arena *a, size_t n)
{
	/* 0 bytes still take a block: a distinct, non-NULL pointer. */
	size_t r = n == 0 ? ARENA_ALIGN :
	    (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (a != NULL && r >= n && (size_t)(a->end - a->cur) >= r) {
		p = a->cur;
		a->cur += r;
		return p;
	}
	return arena_alloc_chunk(a, n);
}

/* Bytes arena_alloc can hand out without a new chunk. */
static inline size_t
arena_room(const struct arena *a)
{
	return a != NULL ? (size_t)(a->end - a->cur) : 0;
}

/*
 * Give back the end of block p, which arena_alloc(a, n) returned last
 * (nothing allocated from a since), keeping its first keep bytes (keep
 * <= n): for a text written at its worst-case size.  A block that got a
 * chunk of its own stays whole.
 */
static inline void
arena_trim(struct arena *a, void *p, size_t n, size_t keep)
{
	size_t r = n == 0 ? ARENA_ALIGN :
	    (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	size_t rk = keep == 0 ? ARENA_ALIGN :
	    (keep + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (a != NULL && (char *)p + r == a->cur && rk <= r)
		a->cur = (char *)p + rk;
}

/* nmemb * size zeroed bytes; overflow ends the process. */
void	*arena_calloc(struct arena *a, size_t nmemb, size_t size);
/* Slow path of arena_memdup0: n so large the NUL overflows (dies). */
void	 arena_too_big(void);

/* n bytes of p and a NUL after them (p may hold NULs); inline, the
 * judging copies some forty strings per session. */
static inline char *
arena_memdup0(struct arena *a, const void *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX)
		arena_too_big();
	s = arena_alloc(a, n + 1);
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Copies, NUL-terminated; arena_strndup stops at n bytes or a NUL. */
static inline char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_memdup0(a, s, strlen(s));
}

char	*arena_strndup(struct arena *a, const char *s, size_t n);
/*
 * Grow an array held in the arena to room for at least want elements of
 * size bytes: the old (room elements, NULL when room is 0) are copied
 * into a new block twice as big (at least 4), *roomp updated; the old
 * block stays in the arena until it is freed (a NULL: reallocated).
 */
void	*arena_grow(struct arena *a, void *old, size_t *roomp, size_t want,
	    size_t size);

#endif /* ARENA_H */
