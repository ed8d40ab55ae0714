/*
 * csv.h - an RFC 4180 record reader over text in memory.
 *
 * Handles quoted fields (with "" escapes and embedded newlines), CRLF and LF line ends,
 * a UTF-8 byte-order mark, and a last line without a newline. Fields are spans into the
 * text, or into `scratch` when a quoted field had escapes; they stay valid until the
 * next call. The reader never stops at a bad record: it reports it and moves past it.
 */
#ifndef PP_CSV_H
#define PP_CSV_H

#include "core/buf.h"
#include "core/common.h"

#define CSV_MAX_FIELDS 256

struct csv_reader {
	const char *p, *end;
	uint64_t line; /* 1-based line where the next record starts */
};

struct csv_record {
	struct span field[CSV_MAX_FIELDS];
	size_t n;
	struct span raw;  /* the record's text without its line end */
	uint64_t line;    /* line it started on */
	bool at_eof_without_newline; /* the file's last line, not terminated */
	const char *error; /* for a malformed record: why */
};

void csv_init(struct csv_reader *r, const char *text, size_t len);

/*
 * Reads the next record. Returns 1 with rec filled, 0 at the end, or PP_EPARSE for a
 * malformed record (rec->error, rec->line and rec->raw say which; the reader has moved
 * past it), or PP_ENOMEM.
 */
int csv_next(struct csv_reader *r, struct csv_record *rec, struct buf *scratch);

#endif
