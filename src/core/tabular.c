#include "core/tabular.h"
#include "core/err.h"
#include "core/mem.h"

int tab_format_parse(const char *s, enum tab_format *out)
{
	if (!strcmp(s, "text") || !strcmp(s, "table"))
		*out = TAB_TEXT;
	else if (!strcmp(s, "csv"))
		*out = TAB_CSV;
	else if (!strcmp(s, "json") || !strcmp(s, "ndjson"))
		*out = TAB_NDJSON;
	else
		return pp_error(PP_EINVAL, "'%s': expected text, csv or json", s);
	return 0;
}

void tab_init(struct tab *t, enum tab_format format, FILE *out)
{
	memset(t, 0, sizeof(*t));
	t->format = format;
	t->out = out;
	buf_init(&t->cells, 0);
	buf_init(&t->line, 0);
}

int tab_add_column(struct tab *t, const char *name, enum tab_kind kind)
{
	char *copy;

	if (pp_array_grow(&t->names, t->ncols, &t->capcols, sizeof(*t->names), 16))
		return PP_ENOMEM;
	t->kinds = pp_realloc(t->kinds, t->capcols * sizeof(*t->kinds));
	if (!t->kinds || !(copy = pp_strdup(name)))
		return PP_ENOMEM;
	t->names[t->ncols] = copy;
	t->kinds[t->ncols++] = kind;
	return 0;
}

static int csv_field(struct buf *b, const char *s, size_t n)
{
	int rc = 0;

	if (!memchr(s, '"', n) && !memchr(s, ',', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n))
		return buf_append(b, s, n);
	rc = buf_putc(b, '"');
	for (size_t i = 0; i < n && !rc; i++)
		rc = s[i] == '"' ? buf_puts(b, "\"\"") : buf_putc(b, s[i]);
	return rc ? rc : buf_putc(b, '"');
}

/* CSV's and NDJSON's header or nothing, before the first row. */
static int stream_header(struct tab *t)
{
	int rc = 0;

	if (t->format != TAB_CSV || t->rows)
		return 0;
	buf_reset(&t->line);
	for (size_t c = 0; c < t->ncols && !rc; c++) {
		if (c)
			rc = buf_putc(&t->line, ',');
		if (!rc)
			rc = csv_field(&t->line, t->names[c], strlen(t->names[c]));
	}
	if (!rc)
		rc = buf_putc(&t->line, '\n');
	if (!rc)
		fwrite(t->line.data, 1, t->line.len, t->out);
	buf_reset(&t->line);
	return rc;
}

int tab_cell(struct tab *t, const char *s, size_t n)
{
	int rc = 0;

	if (t->col >= t->ncols)
		return pp_error(PP_EINVAL, "a row with more than %zu cells", t->ncols);
	if (t->format == TAB_TEXT) {
		if (pp_array_grow(&t->offs, t->noffs, &t->capoffs, sizeof(*t->offs), 256))
			return PP_ENOMEM;
		t->offs[t->noffs++] = s ? t->cells.len : SIZE_MAX;
		if (s && !(rc = buf_append(&t->cells, s, n)))
			rc = buf_putc(&t->cells, '\0');
	} else if (t->format == TAB_CSV) {
		if (!t->col && (rc = stream_header(t)))
			return rc;
		if (t->col)
			rc = buf_putc(&t->line, ',');
		if (!rc && s)
			rc = csv_field(&t->line, s, n);
	} else {
		rc = buf_putc(&t->line, t->col ? ',' : '{');
		if (!rc)
			rc = buf_put_json_str(&t->line, t->names[t->col], strlen(t->names[t->col]));
		if (!rc)
			rc = buf_putc(&t->line, ':');
		if (!rc)
			rc = !s ? buf_puts(&t->line, "null")
			   : t->kinds[t->col] == TAB_STRING ? buf_put_json_str(&t->line, s, n)
			   : buf_append(&t->line, s, n);
	}
	t->col++;
	return rc;
}

int tab_end_row(struct tab *t)
{
	int rc = 0;

	if (t->col != t->ncols)
		return pp_error(PP_EINVAL, "a row with %zu cells of %zu", t->col, t->ncols);
	t->col = 0;
	t->rows++;
	if (t->format == TAB_TEXT)
		return 0;
	rc = buf_puts(&t->line, t->format == TAB_NDJSON ? "}\n" : "\n");
	if (!rc)
		fwrite(t->line.data, 1, t->line.len, t->out);
	buf_reset(&t->line);
	return rc;
}

/* Bytes of s that fit in `max` characters (UTF-8), and whether it was cut. */
static size_t cut_utf8(const char *s, size_t max, bool *cut)
{
	size_t i = 0, chars = 0;

	while (s[i] && chars < max) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	*cut = s[i] != '\0';
	return i;
}

static size_t width_of(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

/* One cell of the text table, padded to its column; nonzero when out of memory. */
static int text_cell(struct tab *t, size_t c, const char *s, size_t width)
{
	bool cut = false;
	size_t n = s ? cut_utf8(s, TAB_TEXT_CELL_MAX, &cut) : 4;
	size_t w = s ? width_of(s, n) + cut : 4;
	bool right = t->kinds[c] == TAB_NUMBER && s; /* numbers and their headings */
	int rc = 0;

	if (c)
		rc |= buf_puts(&t->line, "  ");
	for (size_t i = w; right && i < width; i++)
		rc |= buf_putc(&t->line, ' ');
	rc |= buf_append(&t->line, s ? s : "NULL", n);
	if (cut)
		rc |= buf_puts(&t->line, "\xE2\x80\xA6"); /* an ellipsis */
	for (size_t i = w; !right && i < width && c + 1 < t->ncols; i++)
		rc |= buf_putc(&t->line, ' ');
	return rc;
}

static int print_text(struct tab *t)
{
	size_t *width = pp_calloc(t->ncols ? t->ncols : 1, sizeof(*width));
	size_t c, r;
	bool cut;
	int rc = 0;

	if (!width)
		return PP_ENOMEM;
	for (c = 0; c < t->ncols; c++)
		width[c] = width_of(t->names[c], strlen(t->names[c]));
	for (r = 0; r < t->rows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t off = t->offs[r * t->ncols + c], w = 4;
			if (off != SIZE_MAX) {
				const char *s = t->cells.data + off;
				w = width_of(s, cut_utf8(s, TAB_TEXT_CELL_MAX, &cut)) + cut;
			}
			if (w > width[c])
				width[c] = w;
		}
	buf_reset(&t->line);
	for (c = 0; c < t->ncols; c++)
		rc |= text_cell(t, c, t->names[c], width[c]);
	rc |= buf_putc(&t->line, '\n');
	for (c = 0; c < t->ncols; c++) {
		if (c)
			rc |= buf_puts(&t->line, "  ");
		for (size_t i = 0; i < width[c]; i++)
			rc |= buf_putc(&t->line, '-');
	}
	rc |= buf_putc(&t->line, '\n');
	fwrite(t->line.data, 1, t->line.len, t->out);
	for (r = 0; r < t->rows && !rc; r++) {
		buf_reset(&t->line);
		for (c = 0; c < t->ncols; c++) {
			size_t off = t->offs[r * t->ncols + c];
			rc |= text_cell(t, c, off == SIZE_MAX ? NULL : t->cells.data + off, width[c]);
		}
		rc |= buf_putc(&t->line, '\n');
		fwrite(t->line.data, 1, t->line.len, t->out);
	}
	pp_free(width);
	return rc ? PP_ENOMEM : 0;
}

int tab_finish(struct tab *t)
{
	int rc = 0;

	if (t->format == TAB_TEXT)
		rc = print_text(t);
	else if (!t->rows)
		rc = stream_header(t);
	if (fflush(t->out) && !rc)
		rc = pp_error(PP_EIO, "writing the rows: %s", strerror(errno));
	return rc;
}

void tab_release(struct tab *t)
{
	for (size_t c = 0; c < t->ncols; c++)
		pp_free(t->names[c]);
	pp_free(t->names);
	pp_free(t->kinds);
	pp_free(t->offs);
	buf_release(&t->cells);
	buf_release(&t->line);
	memset(t, 0, sizeof(*t));
}
