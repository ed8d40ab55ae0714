/* Unit tests of the row printer: CSV quoting, NDJSON kinds and nulls, the text table. */
#include "core/err.h"
#include "core/tabular.h"
#include "unit/test.h"

#define LONG_CELL "\xC3\xA9tag\xC3\xA8re-0123456789012345678901234567890123456789-end"

/* Prints two rows (with a null, a comma, quotes, a long cell) in `format`. */
static void print_rows(enum tab_format format, struct buf *out)
{
	FILE *f = tmpfile();
	struct tab t;
	char text[4096];
	size_t n;

	CHECK(f != NULL);
	tab_init(&t, format, f);
	CHECK_INT(tab_add_column(&t, "name", TAB_STRING), 0);
	CHECK_INT(tab_add_column(&t, "n", TAB_NUMBER), 0);
	CHECK_INT(tab_add_column(&t, "ok", TAB_BOOL), 0);
	CHECK_INT(tab_cell(&t, "a,\"b\"", 5), 0);
	CHECK_INT(tab_cell(&t, "12", 2), 0);
	CHECK_INT(tab_cell(&t, "true", 4), 0);
	CHECK_INT(tab_end_row(&t), 0);
	CHECK_INT(tab_cell(&t, LONG_CELL, strlen(LONG_CELL)), 0);
	CHECK_INT(tab_cell(&t, NULL, 0), 0);
	CHECK_INT(tab_cell(&t, "false", 5), 0);
	CHECK_INT(tab_end_row(&t), 0);
	CHECK_INT(tab_finish(&t), 0);
	tab_release(&t);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	buf_reset(out);
	CHECK_INT(buf_append(out, text, n), 0);
}

TEST(tabular_csv_json_and_text)
{
	struct buf out = BUF_INIT;
	enum tab_format fmt;

	print_rows(TAB_CSV, &out);
	CHECK_STR(out.data, "name,n,ok\n\"a,\"\"b\"\"\",12,true\n"
			    "\xC3\xA9tag\xC3\xA8re-0123456789012345678901234567890123456789-end,,false\n");
	print_rows(TAB_NDJSON, &out);
	CHECK_STR(out.data, "{\"name\":\"a,\\\"b\\\"\",\"n\":12,\"ok\":true}\n"
			    "{\"name\":\"\xC3\xA9tag\xC3\xA8re-0123456789012345678901234567890123456789-end\","
			    "\"n\":null,\"ok\":false}\n");
	print_rows(TAB_TEXT, &out);
	/* 48 characters then an ellipsis; numbers right-aligned; nulls shown */
	CHECK_STR(out.data,
		  "name                                                  n  ok\n"
		  "-------------------------------------------------  ----  -----\n"
		  "a,\"b\"                                                12  true\n"
		  "\xC3\xA9tag\xC3\xA8re-0123456789012345678901234567890123456789\xE2\x80\xA6  NULL  false\n");
	{
		struct tab t;
		tab_init(&t, TAB_CSV, stdout);
		CHECK_INT(tab_add_column(&t, "a", TAB_STRING), 0);
		CHECK_INT(tab_add_column(&t, "b", TAB_STRING), 0);
		CHECK_INT(tab_cell(&t, "x", 1), 0);
		CHECK(tab_end_row(&t) != 0); /* a short row is refused */
		CHECK_CONTAINS(pp_errmsg(), "1 cells of 2");
		CHECK_INT(tab_cell(&t, "y", 1), 0);
		CHECK(tab_cell(&t, "z", 1) != 0); /* and a long one */
		CHECK_CONTAINS(pp_errmsg(), "more than 2 cells");
		pp_error_clear();
		tab_release(&t);
	}
	CHECK_INT(tab_format_parse("csv", &fmt), 0);
	CHECK_INT(fmt, TAB_CSV);
	CHECK_INT(tab_format_parse("json", &fmt), 0);
	CHECK_INT(fmt, TAB_NDJSON);
	CHECK(tab_format_parse("xml", &fmt) != 0);
	CHECK_CONTAINS(pp_errmsg(), "expected text, csv or json");
	pp_error_clear();
	buf_release(&out);
}
