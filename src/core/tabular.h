/*
 * tabular.h - rows printed for people or programs: an aligned text table, CSV
 * (RFC 4180) or NDJSON. Commands that show a table's rows (`lake show`, and queries)
 * declare their columns, then add cells row by row.
 *
 * CSV and NDJSON stream each row as it ends; the text table keeps the rows until
 * tab_finish to size its columns. Cells are copied; NULL is a null value.
 */
#ifndef PP_TABULAR_H
#define PP_TABULAR_H

#include "core/buf.h"

enum tab_format { TAB_TEXT, TAB_CSV, TAB_NDJSON };

/* How NDJSON writes a column's cells (the text forms are the same). */
enum tab_kind { TAB_STRING, TAB_NUMBER, TAB_BOOL };

#define TAB_TEXT_CELL_MAX 48 /* longer cells are cut (at a character) in the text table */

struct tab {
	enum tab_format format;
	FILE *out;
	size_t ncols, capcols;
	char **names;
	enum tab_kind *kinds;
	size_t col;   /* the next cell's column */
	uint64_t rows;
	/* the text table: cells as offsets into `cells`, SIZE_MAX for null */
	struct buf cells, line;
	size_t *offs, noffs, capoffs;
};

/* Parses "text", "csv" or "json"/"ndjson"; an error names the accepted values. */
int tab_format_parse(const char *s, enum tab_format *out);

void tab_init(struct tab *t, enum tab_format format, FILE *out);
int tab_add_column(struct tab *t, const char *name, enum tab_kind kind);
int tab_cell(struct tab *t, const char *s, size_t n); /* s NULL: null */
int tab_end_row(struct tab *t);
/* Prints what is kept (the text table; CSV's header when there were no rows), flushes. */
int tab_finish(struct tab *t);
void tab_release(struct tab *t);

#endif
