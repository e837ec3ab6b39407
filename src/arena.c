/* arena.c - bump allocator: many small blocks, freed all at once. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "util.h"

struct arena_chunk {
	struct arena_chunk	*next;	/* older chunk */
	size_t			 size;	/* bytes of data */
	/* data follows, aligned: offsetof is a multiple of ARENA_ALIGN */
	_Alignas(ARENA_ALIGN) char data[];
};

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->cur = a->end = NULL;
	a->next = ARENA_CHUNK_MIN;
}

void
arena_init_size(struct arena *a, size_t first)
{
	arena_init(a);
	a->next = first < ARENA_CHUNK_MIN ? ARENA_CHUNK_MIN :
	    first > ARENA_CHUNK_MAX ? ARENA_CHUNK_MAX : first;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *nx;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = nx) {
		nx = c->next;
		free(c);
	}
	arena_init(a);
}

void *
arena_alloc_chunk(struct arena *a, size_t n)
{
	struct arena_chunk *c;
	size_t r, sz;

	if (a == NULL)
		return xmalloc(n != 0 ? n : 1);		/* the heap */
	if (n > SIZE_MAX - ARENA_ALIGN - sizeof(*c))
		(void)xreallocarray(NULL, SIZE_MAX, 2);	/* dies */
	r = n == 0 ? ARENA_ALIGN :
	    (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (a->next < ARENA_CHUNK_MIN)
		a->next = ARENA_CHUNK_MIN;
	if (r > a->next / 2) {
		/* Big: a chunk of its own, behind the current one, whose
		 * free space stays usable. */
		c = xmalloc(sizeof(*c) + r);
		c->size = r;
		if (a->head == NULL) {
			c->next = NULL;
			a->head = c;
			a->cur = a->end = c->data + r;
		} else {
			c->next = a->head->next;
			a->head->next = c;
		}
		return c->data;
	}
	sz = a->next;
	c = xmalloc(sizeof(*c) + sz);
	c->size = sz;
	c->next = a->head;
	a->head = c;
	a->cur = c->data + r;
	a->end = c->data + sz;
	if (a->next < ARENA_CHUNK_MAX)
		a->next *= 2;
	return c->data;
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		(void)xreallocarray(NULL, nmemb, size);	/* dies */
	p = arena_alloc(a, nmemb * size);
	memset(p, 0, nmemb * size);
	return p;
}

void
arena_too_big(void)
{
	(void)xreallocarray(NULL, SIZE_MAX, 2);	/* dies */
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	return arena_memdup0(a, s, strnlen(s, n));
}

void *
arena_grow(struct arena *a, void *old, size_t *roomp, size_t want,
    size_t size)
{
	size_t room = *roomp, nroom = room ? room : 2;
	void *p;

	if (want <= room)
		return old;
	do {
		if (nroom > SIZE_MAX / 2 ||
		    (size != 0 && nroom * 2 > SIZE_MAX / size))
			(void)xreallocarray(NULL, SIZE_MAX, 2);	/* dies */
		nroom *= 2;
	} while (nroom < want);
	if (a == NULL) {
		/* The heap: the old block moves (xreallocarray). */
		*roomp = nroom;
		return xreallocarray(old, nroom, size);
	}
	p = arena_alloc(a, nroom * size);
	if (room > 0 && old != NULL)
		memcpy(p, old, room * size);
	*roomp = nroom;
	return p;
}
