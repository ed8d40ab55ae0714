/*
 * thrift.h - the Thrift compact protocol, as much of it as Parquet's footer and page
 * headers use: structs of i16/i32/i64/bool/binary/list/struct fields.
 *
 * Writer: call tc_field_* in increasing field-id order inside a tc_struct_begin/_end
 * pair; the field-id deltas are tracked per nesting level. Errors are sticky in
 * tc->rc (out of memory) so a sequence of calls needs one check at the end.
 */
#ifndef PP_THRIFT_H
#define PP_THRIFT_H

#include "core/buf.h"

/* ULEB128 varints, as Thrift and Parquet's RLE headers both write them. */
int uleb128_put(struct buf *b, uint64_t v);
/* Reads one from [*p, end), advancing *p; false if it runs past the end. */
bool uleb128_get(const unsigned char **p, const unsigned char *end, uint64_t *v);

enum tc_type {
	TC_STOP = 0, TC_TRUE = 1, TC_FALSE = 2, TC_BYTE = 3, TC_I16 = 4, TC_I32 = 5, TC_I64 = 6,
	TC_DOUBLE = 7, TC_BINARY = 8, TC_LIST = 9, TC_SET = 10, TC_MAP = 11, TC_STRUCT = 12,
};

#define TC_MAX_DEPTH 16

struct tc_writer {
	struct buf *out;
	int16_t last[TC_MAX_DEPTH]; /* last field id per open struct */
	int depth;
	int rc;
};

void tc_writer_init(struct tc_writer *tc, struct buf *out);
void tc_struct_begin(struct tc_writer *tc);
void tc_struct_end(struct tc_writer *tc);
void tc_field_i32(struct tc_writer *tc, int16_t id, int32_t v);
void tc_field_i64(struct tc_writer *tc, int16_t id, int64_t v);
void tc_field_bool(struct tc_writer *tc, int16_t id, bool v);
void tc_field_binary(struct tc_writer *tc, int16_t id, const void *p, size_t n);
void tc_field_string(struct tc_writer *tc, int16_t id, const char *s);
/* A struct-valued field: follow with the struct's fields and tc_struct_end. */
void tc_field_struct(struct tc_writer *tc, int16_t id);
/* A list field header; then write n elements with the tc_elem_* calls. */
void tc_field_list(struct tc_writer *tc, int16_t id, enum tc_type elem, size_t n);
void tc_elem_i32(struct tc_writer *tc, int32_t v);
void tc_elem_string(struct tc_writer *tc, const char *s);
/* A struct element of a list: follow with its fields and tc_struct_end. */
void tc_elem_struct(struct tc_writer *tc);

/* ---- reading ---- */

struct tc_reader {
	const unsigned char *p, *end;
	int16_t last[TC_MAX_DEPTH];
	int depth;
	bool failed;
};

void tc_reader_init(struct tc_reader *r, const void *p, size_t n);
/* Enters a struct; then tc_next_field until it returns false (TC_STOP). */
void tc_read_struct_begin(struct tc_reader *r);
/* Reads the next field header: *id and *type; false at the struct's end (or on error). */
bool tc_next_field(struct tc_reader *r, int16_t *id, enum tc_type *type);
void tc_read_struct_end(struct tc_reader *r);
int64_t tc_read_int(struct tc_reader *r);          /* i16, i32, i64 (zigzag varint) */
bool tc_read_bool(struct tc_reader *r, enum tc_type t); /* a bool field's value is its type */
/* Binary/string: a pointer into the input and its length. */
const unsigned char *tc_read_binary(struct tc_reader *r, size_t *n);
/* List header: element type and count. */
size_t tc_read_list(struct tc_reader *r, enum tc_type *elem);
double tc_read_double(struct tc_reader *r);
/* Skips a value of the given type (fields the reader does not need). */
void tc_skip(struct tc_reader *r, enum tc_type t);

#endif
