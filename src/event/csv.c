#include "event/csv.h"
#include "core/err.h"

void csv_init(struct csv_reader *r, const char *text, size_t len)
{
	r->p = text;
	r->end = text + len;
	r->line = 1;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
}

/*
 * A malformed record is reported as its first physical line, and reading resumes on the
 * next line: a stray quote must not swallow the rest of the file into one bad record.
 */
static int bad(struct csv_reader *r, struct csv_record *rec, const char *start, const char *why)
{
	const char *nl = memchr(start, '\n', (size_t)(r->end - start));
	const char *stop = nl ? nl : r->end;

	rec->raw.p = start;
	rec->raw.len = (size_t)(stop - start);
	if (rec->raw.len && start[rec->raw.len - 1] == '\r')
		rec->raw.len--;
	rec->error = why;
	rec->at_eof_without_newline = !nl;
	r->p = nl ? nl + 1 : r->end;
	r->line = rec->line + (nl ? 1 : 0);
	return PP_EPARSE;
}

int csv_next(struct csv_reader *r, struct csv_record *rec, struct buf *scratch)
{
	size_t offset[CSV_MAX_FIELDS];
	uint32_t in_scratch = 0;
	const char *p = r->p, *start = r->p;
	char *out;
	int rc;

	rec->n = 0;
	rec->error = NULL;
	rec->line = r->line;
	rec->at_eof_without_newline = false;
	if (p >= r->end)
		return 0;
	/*
	 * Fields with "" escapes are decoded into scratch, which may move as it grows: they
	 * are kept as offsets until the record is complete, then turned into pointers.
	 */
	buf_reset(scratch);
	for (;;) {
		struct span f;
		if (rec->n == CSV_MAX_FIELDS) {
			return bad(r, rec, start, "too many fields");
		}
		if (p < r->end && *p == '"') {
			/* quoted: copy into scratch only if an escaped quote appears */
			const char *q = ++p;
			bool escaped = false;
			for (;;) {
				q = memchr(q, '"', (size_t)(r->end - q));
				if (!q)
					return bad(r, rec, start, "unterminated quoted field");
				if (q + 1 < r->end && q[1] == '"') {
					escaped = true;
					q += 2;
					continue;
				}
				break;
			}
			for (const char *c = p; c < q; c++)
				if (*c == '\n')
					r->line++;
			if (!escaped) {
				f.p = p;
				f.len = (size_t)(q - p);
			} else {
				if ((rc = buf_grow(scratch, (size_t)(q - p))))
					return rc;
				out = scratch->data + scratch->len;
				for (const char *c = p; c < q; c++) {
					*out++ = *c;
					if (*c == '"')
						c++;
				}
				f.p = NULL;
				f.len = (size_t)(out - scratch->data - scratch->len);
				offset[rec->n] = scratch->len;
				in_scratch |= 1u << rec->n;
				scratch->len += f.len;
			}
			p = q + 1;
			if (p < r->end && *p != ',' && *p != '\n' && *p != '\r') {
				return bad(r, rec, start, "unexpected character after a closing quote");
			}
		} else {
			const char *e = p;
			while (e < r->end && *e != ',' && *e != '\n')
				e++;
			f.p = p;
			f.len = (size_t)(e - p);
			if (e < r->end && *e == '\n' && f.len && p[f.len - 1] == '\r')
				f.len--;
			else if (e == r->end && f.len && p[f.len - 1] == '\r')
				f.len--;
			if (memchr(f.p, '"', f.len)) {
				return bad(r, rec, start, "quote inside an unquoted field");
			}
			p = e;
		}
		rec->field[rec->n++] = f;
		if (p < r->end && *p == '\r' && (p + 1 == r->end || p[1] == '\n'))
			p++;
		if (p >= r->end || *p == '\n') {
			rec->raw.p = start;
			rec->raw.len = (size_t)(p - start);
			if (rec->raw.len && start[rec->raw.len - 1] == '\r')
				rec->raw.len--;
			for (size_t i = 0; in_scratch && i < rec->n; i++)
				if (in_scratch & (1u << i))
					rec->field[i].p = scratch->data + offset[i];
			if (p >= r->end) {
				rec->at_eof_without_newline = true;
				r->p = r->end;
			} else {
				r->p = p + 1;
				r->line++;
			}
			return 1;
		}
		p++; /* the comma */
	}
}
