/* test_cursor.c - unit tests for the bounded cursor. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cursor.h"

/* One step of a script run against a cursor. */
enum op {
	OP_END = 0, OP_U8, OP_U16BE, OP_U24BE, OP_U32BE, OP_U16LE, OP_U32LE,
	OP_SKIP, OP_BYTES, OP_SUB_U8, OP_PEEK
};

static const struct step {
	enum op		 op;
	size_t		 n;	/* SKIP/BYTES/SUB: count */
	int		 rc;
	uint32_t	 want;	/* value, or first byte of a slice */
	size_t		 left;	/* cursor_left() after the step */
} steps_a[] = {
	{ OP_U8, 0, 0, 0x01, 9 },
	{ OP_PEEK, 0, 0, 0x02, 9 },
	{ OP_U16BE, 0, 0, 0x0203, 7 },
	{ OP_U32BE, 0, 0, 0x04050607, 3 },
	{ OP_U32BE, 0, -1, 0, 3 },	/* fails, does not move */
	{ OP_U24BE, 0, 0, 0x08090a, 0 },
	{ OP_U8, 0, -1, 0, 0 },
	{ OP_SKIP, 1, -1, 0, 0 },
	{ OP_SKIP, 0, 0, 0, 0 },
	{ OP_END, 0, 0, 0, 0 }
}, steps_b[] = {
	{ OP_U16LE, 0, 0, 0x0201, 8 },
	{ OP_U32LE, 0, 0, 0x06050403, 4 },
	{ OP_BYTES, 5, -1, 0, 4 },
	{ OP_BYTES, 2, 0, 0x07, 2 },
	{ OP_SUB_U8, 3, -1, 0, 2 },
	{ OP_SUB_U8, 2, 0, 0x09, 0 },
	{ OP_END, 0, 0, 0, 0 }
}, steps_c[] = {
	{ OP_SKIP, 10, 0, 0, 0 },
	{ OP_U16BE, 0, -1, 0, 0 },
	{ OP_END, 0, 0, 0, 0 }
}, steps_d[] = {
	{ OP_SKIP, 11, -1, 0, 10 },
	{ OP_SKIP, SIZE_MAX, -1, 0, 10 },
	{ OP_BYTES, SIZE_MAX, -1, 0, 10 },
	{ OP_SKIP, 9, 0, 0, 1 },
	{ OP_U16LE, 0, -1, 0, 1 },
	{ OP_U32LE, 0, -1, 0, 1 },
	{ OP_U24BE, 0, -1, 0, 1 },
	{ OP_U8, 0, 0, 0x0a, 0 },
	{ OP_PEEK, 0, -1, 0, 0 },
	{ OP_END, 0, 0, 0, 0 }
};

static const struct script {
	const char		*name;
	const struct step	*steps;
} scripts[] = {
	{ "integers", steps_a },
	{ "slices", steps_b },
	{ "skip-all", steps_c },
	{ "overruns", steps_d },
	{ NULL, NULL }
};

static const uint8_t data[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static int
run_step(struct cursor *c, const struct step *s, uint32_t *got)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	const uint8_t *ptr;
	struct cursor sub;
	int rc = -1;

	*got = 0;
	switch (s->op) {
	case OP_U8:
		if ((rc = cursor_u8(c, &v8)) == 0)
			*got = v8;
		break;
	case OP_PEEK:
		if ((rc = cursor_peek_u8(c, &v8)) == 0)
			*got = v8;
		break;
	case OP_U16BE:
		if ((rc = cursor_u16be(c, &v16)) == 0)
			*got = v16;
		break;
	case OP_U16LE:
		if ((rc = cursor_u16le(c, &v16)) == 0)
			*got = v16;
		break;
	case OP_U24BE:
		if ((rc = cursor_u24be(c, &v32)) == 0)
			*got = v32;
		break;
	case OP_U32BE:
		if ((rc = cursor_u32be(c, &v32)) == 0)
			*got = v32;
		break;
	case OP_U32LE:
		if ((rc = cursor_u32le(c, &v32)) == 0)
			*got = v32;
		break;
	case OP_SKIP:
		rc = cursor_skip(c, s->n);
		break;
	case OP_BYTES:
		if ((rc = cursor_bytes(c, s->n, &ptr)) == 0)
			*got = ptr[0];
		break;
	case OP_SUB_U8:
		/* Nested cursor: read its bytes, it must stop at its end. */
		if ((rc = cursor_sub(c, s->n, &sub)) == 0) {
			assert_int_equal(cursor_left(&sub), s->n);
			assert_int_equal(cursor_u8(&sub, &v8), 0);
			*got = v8;
			assert_int_equal(cursor_skip(&sub, s->n), -1);
			assert_int_equal(cursor_skip(&sub, s->n - 1), 0);
			assert_int_equal(cursor_u8(&sub, &v8), -1);
		}
		break;
	case OP_END:
		break;
	}
	return rc;
}

static void
test_scripts(void **state)
{
	const struct script *sc;
	const struct step *s;
	struct cursor c;
	uint32_t got;

	(void)state;
	for (sc = scripts; sc->name != NULL; sc++) {
		cursor_init(&c, data, sizeof(data));
		for (s = sc->steps; s->op != OP_END; s++) {
			int rc = run_step(&c, s, &got);

			assert_int_equal(rc, s->rc);
			if (rc == 0)
				assert_int_equal(got, s->want);
			assert_int_equal(cursor_left(&c), s->left);
		}
	}
}

static void
test_copy_and_empty(void **state)
{
	struct cursor c;
	uint8_t out[4] = { 0, 0, 0, 0 };
	uint8_t v;

	(void)state;
	cursor_init(&c, data, 3);
	assert_int_equal(cursor_copy(&c, out, 4), -1);
	assert_int_equal(out[0], 0);
	assert_int_equal(cursor_copy(&c, out, 3), 0);
	assert_memory_equal(out, data, 3);
	assert_ptr_equal(cursor_pos(&c), data + 3);
	cursor_init(&c, NULL, 100);	/* NULL data is an empty window */
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_u8(&c, &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_copy_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
