/* test_arena.c - unit tests for the bump arena. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"

/* Allocation sizes, small to past a chunk of its own. */
static const struct alloc_case {
	size_t	 n;
	int	 fill;
} alloc_cases[] = {
	{ 0, 'a' }, { 1, 'b' }, { 15, 'c' }, { 16, 'd' }, { 17, 'e' },
	{ 1000, 'f' }, { 1024, 'g' }, { 3000, 'h' }, { 4096, 'i' },
	{ 70000, 'j' }, { 5, 'k' }, { 200000, 'l' }, { 7, 'm' },
	{ 0, 0 }
};

static void
test_alloc(void **state)
{
	const struct alloc_case *c;
	unsigned char *p[32];
	struct arena a;
	size_t i, k, round;

	(void)state;
	arena_init(&a);
	for (round = 0; round < 3; round++) {
		for (c = alloc_cases, i = 0; c->fill != 0; c++, i++) {
			p[i] = arena_alloc(&a, c->n);
			assert_non_null(p[i]);
			assert_int_equal((uintptr_t)p[i] % ARENA_ALIGN, 0);
			memset(p[i], c->fill, c->n);
		}
		/* Nothing overlaps: every block still holds its bytes. */
		for (c = alloc_cases, i = 0; c->fill != 0; c++, i++)
			for (k = 0; k < c->n; k++)
				assert_int_equal(p[i][k], c->fill);
		if (round == 0) {
			/* Freed and used again. */
			arena_free(&a);
			arena_init(&a);
		}
	}
	arena_free(&a);
	arena_free(&a);		/* freed twice: still a no-op */
	arena_free(NULL);
}

static const struct str_case {
	const char	*in;
	size_t		 n;
	const char	*want;	/* arena_strndup(in, n) */
} str_cases[] = {
	{ "", 0, "" },
	{ "abc", 0, "" },
	{ "abc", 2, "ab" },
	{ "abc", 3, "abc" },
	{ "abc", 99, "abc" },
	{ "a\0b", 3, "a" },
	{ NULL, 0, NULL }
};

static void
test_strings(void **state)
{
	const struct str_case *c;
	struct arena a;
	char *s;

	(void)state;
	arena_init(&a);
	for (c = str_cases; c->in != NULL; c++) {
		assert_string_equal(arena_strndup(&a, c->in, c->n), c->want);
		assert_string_equal(arena_strdup(&a, c->in), c->in);
	}
	s = arena_memdup0(&a, "x\0y", 3);
	assert_memory_equal(s, "x\0y\0", 4);
	s = arena_calloc(&a, 100, 8);
	for (size_t i = 0; i < 800; i++)
		assert_int_equal(s[i], 0);
	arena_free(&a);
}

static void
test_grow(void **state)
{
	struct arena a;
	uint32_t *v = NULL;
	size_t room = 0, n;

	(void)state;
	arena_init(&a);
	for (n = 0; n < 5000; n++) {
		if (n >= room)
			v = arena_grow(&a, v, &room, n + 1, sizeof(*v));
		assert_true(room > n);
		v[n] = (uint32_t)n * 7;
	}
	for (n = 0; n < 5000; n++)
		assert_int_equal(v[n], n * 7);
	/* Already room: the same block back. */
	assert_ptr_equal(arena_grow(&a, v, &room, 10, sizeof(*v)), v);
	arena_free(&a);
}

/* arena_trim: (block size, bytes kept, the next block starts right
 * after what was kept). */
static const struct trim_case {
	size_t	 n, keep;
	int	 reused;	/* the given-back end is handed out next */
} trim_cases[] = {
	{ 100, 10, 1 }, { 100, 100, 1 }, { 64, 0, 1 }, { 17, 16, 1 },
	{ 16, 16, 1 }, { 3000, 1, 1 },
	{ 0, 0, 0 }
};

static void
test_trim(void **state)
{
	const struct trim_case *c;
	struct arena a;
	char *p, *q, *big;
	size_t rk;

	(void)state;
	arena_init(&a);
	for (c = trim_cases; c->n != 0; c++) {
		p = arena_alloc(&a, c->n);
		memset(p, 'x', c->keep);
		arena_trim(&a, p, c->n, c->keep);
		q = arena_alloc(&a, 1);
		rk = c->keep == 0 ? ARENA_ALIGN :
		    (c->keep + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
		if (c->reused)
			assert_ptr_equal(q, p + rk);
		for (size_t k = 0; k < c->keep; k++)
			assert_int_equal(p[k], 'x');
	}
	/* Not the last block: nothing changes. */
	p = arena_alloc(&a, 100);
	q = arena_alloc(&a, 16);
	arena_trim(&a, p, 100, 10);
	assert_ptr_equal(arena_alloc(&a, 1), q + 16);
	/* A block with a chunk of its own stays whole. */
	big = arena_alloc(&a, 100000);
	q = a.cur;
	arena_trim(&a, big, 100000, 10);
	assert_ptr_equal(a.cur, q);
	assert_true(arena_room(&a) == (size_t)(a.end - a.cur));
	arena_free(&a);
}

/* A NULL arena is the heap: blocks the caller frees one by one (the
 * test runs under valgrind and the sanitizers in CI: a leak or a bad
 * free shows there), arena_grow keeping the contents. */
static void
test_null_is_heap(void **state)
{
	uint32_t *v = NULL;
	size_t room = 0, n;
	char *s, *t, *z;

	(void)state;
	s = arena_strdup(NULL, "heap");
	assert_string_equal(s, "heap");
	t = arena_memdup0(NULL, "a\0b", 3);
	assert_memory_equal(t, "a\0b\0", 4);
	z = arena_calloc(NULL, 10, 4);
	for (n = 0; n < 40; n++)
		assert_int_equal(z[n], 0);
	arena_trim(NULL, s, 5, 1);	/* nothing to give back */
	assert_int_equal(arena_room(NULL), 0);
	for (n = 0; n < 1000; n++) {
		if (n >= room)
			v = arena_grow(NULL, v, &room, n + 1, sizeof(*v));
		assert_true(room > n);
		v[n] = (uint32_t)n * 3;
	}
	for (n = 0; n < 1000; n++)
		assert_int_equal(v[n], n * 3);
	free(v);
	free(z);
	free(t);
	free(s);
	free(arena_alloc(NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_null_is_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
