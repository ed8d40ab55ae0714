/* Training matrices (matrix.h). */
#include "model/matrix.h"
#include "core/err.h"
#include "core/mem.h"
#include "features/builder.h"

#include <jansson.h>
#include <math.h>

static int bad(const char *name, const char *what)
{
	return pp_error(PP_ECORRUPT, "%s: not a training matrix: %s", name, what);
}

int matrix_parse(struct train_matrix *m, struct buf *b, const char *name)
{
	const char *p, *nl, *end;
	json_t *head = NULL;
	json_error_t jerr;
	size_t magic = strlen(TRAINING_MATRIX_MAGIC), need;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->file = *b;
	*b = (struct buf)BUF_INIT;
	p = m->file.data ? m->file.data : "";
	end = p + m->file.len;
	if (m->file.len < magic + 1 || memcmp(p, TRAINING_MATRIX_MAGIC, magic) || p[magic] != '\n') {
		rc = bad(name, "it does not start with " TRAINING_MATRIX_MAGIC " (run `ppredict features build`)");
		goto out;
	}
	p += magic + 1;
	if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
		rc = bad(name, "no header line");
		goto out;
	}
	if (!(head = json_loadb(p, (size_t)(nl - p), 0, &jerr))) {
		rc = pp_error(PP_ECORRUPT, "%s: the header: %s", name, jerr.text);
		goto out;
	}
	json_int_t rows = json_integer_value(json_object_get(head, "rows"));
	json_int_t cols = json_integer_value(json_object_get(head, "cols"));
	json_t *names = json_object_get(head, "features");
	const char *reg = json_string_value(json_object_get(head, "registry"));
	if (rows < 0 || cols <= 0 || cols > 100000 || rows > (json_int_t)1 << 40 ||
	    json_array_size(names) != (size_t)cols) {
		rc = bad(name, "rows, cols and features disagree");
		goto out;
	}
	m->rows = (size_t)rows;
	m->cols = (size_t)cols;
	snprintf(m->registry, sizeof(m->registry), "%s", reg ? reg : "");
	p = nl + 1;
	need = m->rows * (4 + 8 + 8) + m->rows * m->cols * 4;
	if ((size_t)(end - p) != need) {
		rc = pp_error(PP_ECORRUPT, "%s: %zu bytes of data, expected %zu for %zu rows of %zu features",
			      name, (size_t)(end - p), need, m->rows, m->cols);
		goto out;
	}
	{ /* the 8-byte sections must be aligned: the labels and the rest move up a little */
		size_t off = (size_t)(p - m->file.data), at = (off + 7) & ~(size_t)7;
		size_t rest = (at + 4 * m->rows + 7) & ~(size_t)7, total = rest + need - 4 * m->rows;
		if (total > m->file.len && (rc = buf_grow(&m->file, total - m->file.len)))
			goto out;
		memmove(m->file.data + rest, m->file.data + off + 4 * m->rows, need - 4 * m->rows);
		memmove(m->file.data + at, m->file.data + off, 4 * m->rows);
		m->file.len = total;
		m->labels = (const float *)(m->file.data + at);
		m->ts = (const int64_t *)(m->file.data + rest);
		m->group = (const uint64_t *)(m->file.data + rest + 8 * m->rows);
		m->values = (const float *)(m->file.data + rest + 16 * m->rows);
	}
	if (!(m->names = pp_calloc(m->cols + 1, sizeof(char *)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t c = 0; c < m->cols; c++) {
		const char *n = json_string_value(json_array_get(names, c));
		if (!n || !(m->names[c] = pp_strdup(n))) {
			rc = n ? PP_ENOMEM : bad(name, "a feature name that is not a string");
			goto out;
		}
	}
	for (size_t r = 0; r < m->rows; r++)
		if (m->labels[r] != 0 && m->labels[r] != 1) {
			rc = pp_error(PP_ECORRUPT, "%s: row %zu: label %g, expected 0 or 1", name, r, m->labels[r]);
			goto out;
		}
out:
	json_decref(head);
	if (rc)
		matrix_release(m);
	return rc;
}

int matrix_load(struct train_matrix *m, struct lake_fs *fs, const char *path)
{
	struct buf b = BUF_INIT;
	int rc = fs->ops->get(fs, path, 0, UINT64_MAX, &b);

	memset(m, 0, sizeof(*m));
	if (rc) {
		buf_release(&b);
		return rc == PP_ENOENT ? pp_error(rc, "%s: no training matrix (run `ppredict features build`)", path)
				       : rc;
	}
	rc = matrix_parse(m, &b, path);
	buf_release(&b);
	return rc;
}

void matrix_release(struct train_matrix *m)
{
	for (size_t c = 0; m->names && c < m->cols; c++)
		pp_free(m->names[c]);
	pp_free(m->names);
	buf_release(&m->file);
	memset(m, 0, sizeof(*m));
}
