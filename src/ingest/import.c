#include "ingest/import.h"
#include "core/err.h"
#include "core/json_scan.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "event/catalog.h"

static const char *const kind_zone[KIND__COUNT] = {
	[KIND_EVENTS] = "raw/events",
	[KIND_CATEGORIES] = CATALOG_CATEGORIES,
	[KIND_ITEM_PROPERTIES] = CATALOG_ITEM_PROPERTIES,
};

static const struct import_format *const formats[] = {
	&import_retailrocket,
	&import_rees46,
	&import_ndjson,
};

const struct import_format *import_format_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (!strcmp(formats[i]->name, name))
			return formats[i];
	return NULL;
}

int importer_open(struct importer *im, struct lake_fs *fs, const struct config *cfg)
{
	memset(im, 0, sizeof(*im));
	im->fs = fs;
	im->cfg = cfg;
	event_limits_from_config(&im->limits, cfg);
	im->imported_at = time_now_ms();
	buf_init(&im->line, 0);
	buf_init(&im->scratch, 0);
	buf_init(&im->norm, 0);
	return 0;
}

static int open_writer(struct importer *im, struct raw_writer *w, const char *zone,
		       enum raw_partitioning part)
{
	struct raw_writer_opts o;

	raw_writer_opts_default(&o, zone, "import");
	o.partitioning = part;
	o.zstd_level = (int)im->cfg->zstd_level;
	o.segment_bytes = im->cfg->segment_bytes;
	o.memory_limit = im->cfg->writer_memory;
	o.flushers = (int)im->cfg->flush_threads;
	return raw_writer_open(w, im->fs, &o);
}

static int emit(struct import_file *f, enum import_kind kind, int64_t ts)
{
	struct importer *im = f->im;
	int rc;

	if (im->sink) {
		rc = im->sink->record(im->sink->ctx, kind, ts,
				      (struct span){ im->line.data, im->line.len }, f->line);
		buf_reset(&im->line);
		if (!rc) {
			f->stats->accepted++;
			f->stats->by_kind[kind]++;
		}
		return rc;
	}
	if (!im->out_open[kind]) {
		if ((rc = open_writer(im, &im->out[kind], kind_zone[kind],
				      kind == KIND_EVENTS ? RAW_BY_HOUR : RAW_UNPARTITIONED))) {
			raw_writer_close(&im->out[kind]);
			return rc;
		}
		im->out_open[kind] = true;
	}
	rc = raw_writer_add(&im->out[kind], ts, im->line.data, im->line.len);
	buf_reset(&im->line);
	if (!rc) {
		f->stats->accepted++;
		f->stats->by_kind[kind]++;
	}
	return rc;
}

int import_emit_event(struct import_file *f, const struct event *ev)
{
	int rc = event_write_json(ev, &f->im->line);

	return rc ? rc : emit(f, KIND_EVENTS, ev->ts);
}

int import_emit_category(struct import_file *f, struct span id, struct span parent)
{
	int rc = catalog_write_category(&f->im->line, id, parent);

	return rc ? rc : emit(f, KIND_CATEGORIES, f->im->imported_at);
}

int import_emit_property(struct import_file *f, int64_t ts, struct span item, struct span prop,
			 struct span value)
{
	int rc = catalog_write_property(&f->im->line, ts, item, prop, value);

	return rc ? rc : emit(f, KIND_ITEM_PROPERTIES, ts);
}

void import_name_column(struct import_file *f, const struct import_column *map, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(map[i].canonical, f->err.field)) {
			snprintf(f->err.field, sizeof(f->err.field), "%s", map[i].column);
			return;
		}
	}
}

struct span import_id(struct span v, char tmp[32])
{
	int64_t x;
	int n;

	/* pandas writes integer ids as floats ("11117.0"): store the integer. */
	if (v.len && v.len < 32 && memchr(v.p, '.', v.len) &&
	    parse_int64_lenient(v.p, v.len, &x) == 0 && x >= 0) {
		n = snprintf(tmp, 32, "%" PRId64, x);
		return (struct span){ tmp, (size_t)n };
	}
	return v;
}

/* One quarantine record: where the row came from, why it was refused, and the row. */
static int quarantine(struct import_file *f, uint64_t line, struct span raw, const char *reason)
{
	struct importer *im = f->im;
	struct buf *q = &im->line;
	int rc;

	f->stats->rejected++;
	if (im->sink)
		return im->sink->reject(im->sink->ctx, f->path, line, reason, raw);
	if (!im->quarantine_open) {
		if ((rc = open_writer(im, &im->quarantine, "raw/quarantine", RAW_BY_DAY))) {
			raw_writer_close(&im->quarantine);
			return rc;
		}
		im->quarantine_open = true;
	}
	buf_reset(q);
	if (raw.len > 4096)
		raw.len = 4096; /* a sample is enough to see what went wrong */
	if ((rc = buf_puts(q, "{\"source\":")) ||
	    (rc = buf_put_json_str(q, f->path, strlen(f->path))) ||
	    (rc = buf_puts(q, ",\"line\":")) || (rc = buf_put_u64(q, line)) ||
	    (rc = buf_puts(q, ",\"format\":\"")) || (rc = buf_puts(q, f->fmt->name)) ||
	    (rc = buf_puts(q, "\",\"field\":")) ||
	    (rc = buf_put_json_str(q, f->err.field, strlen(f->err.field))) ||
	    (rc = buf_puts(q, ",\"reason\":")) || (rc = buf_put_json_str(q, reason, strlen(reason))) ||
	    (rc = buf_puts(q, ",\"raw\":")))
		return rc;
	{
		size_t start = q->len;
		if ((rc = buf_put_json_str(q, raw.p, raw.len)))
			return rc;
		/* The record must stay valid JSON: bytes of a broken encoding become '?'. */
		if (!utf8_valid(raw.p, raw.len))
			for (size_t i = start; i < q->len; i++)
				if ((unsigned char)q->data[i] >= 0x80)
					q->data[i] = '?';
	}
	if ((rc = buf_puts(q, ",\"imported_at\":")) || (rc = buf_put_i64(q, im->imported_at)) ||
	    (rc = buf_putc(q, '}')))
		return rc;
	rc = raw_writer_add(&im->quarantine, im->imported_at, q->data, q->len);
	buf_reset(q);
	return rc;
}

static int reject(struct import_file *f, uint64_t line, struct span raw, bool truncated)
{
	char reason[320];

	snprintf(reason, sizeof(reason), "%s%s%s%s", truncated ? "truncated last line: " : "",
		 f->err.field, f->err.field[0] ? ": " : "", f->err.message);
	return quarantine(f, line, raw, reason);
}

static void report_progress(struct import_file *f, uint64_t bytes_in_file)
{
	struct importer *im = f->im;
	uint64_t rows = im->rows_before + f->stats->rows;
	uint64_t bytes = im->bytes_before + bytes_in_file;

	if (!im->prog)
		return;
	if (bytes && im->total_bytes)
		im->prog->total = (uint64_t)((double)rows * (double)im->total_bytes / (double)bytes);
	progress_update(im->prog, rows);
}

static int run_csv(struct import_file *f, const char *text, size_t len)
{
	struct importer *im = f->im;
	struct csv_reader r;
	struct csv_record rec;
	bool first = true;
	int rc;

	csv_init(&r, text, len);
	for (;;) {
		rc = csv_next(&r, &rec, &im->scratch);
		if (rc == 0)
			return 0;
		if (rc == PP_ENOMEM)
			return rc;
		report_progress(f, (uint64_t)(r.p - text));
		if (rc == PP_EPARSE) {
			f->stats->rows++;
			event_fail(&f->err, "", "%s", rec.error);
			if ((rc = reject(f, rec.line, rec.raw, rec.at_eof_without_newline)))
				return rc;
			continue;
		}
		if (rec.raw.len == 0) {
			f->stats->blank++;
			continue;
		}
		if (first) {
			first = false;
			rc = f->fmt->header(f, &rec);
			if (rc < 0)
				return pp_error(rc, "%s:%" PRIu64 ": %s%s%s", f->path, rec.line, f->err.field,
						f->err.field[0] ? ": " : "", f->err.message);
			if (rc == 1)
				continue;
		}
		f->stats->rows++;
		f->err.field[0] = '\0';
		f->line = rec.line;
		rc = f->fmt->row(f, &rec);
		if (rc == PP_EINVAL)
			rc = reject(f, rec.line, rec.raw, rec.at_eof_without_newline);
		if (rc)
			return rc;
	}
}

static int run_ndjson(struct import_file *f, const char *text, size_t len)
{
	struct importer *im = f->im;
	const char *p = text, *end = text + len;
	uint64_t line = 0;
	struct event ev;
	int rc;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct span raw = { p, (size_t)(e - p) };
		line++;
		if (raw.len && raw.p[raw.len - 1] == '\r')
			raw.len--;
		p = nl ? nl + 1 : end;
		report_progress(f, (uint64_t)(p - text));
		if (raw.len == 0 || (raw.len == 1 && raw.p[0] == ' ')) {
			f->stats->blank++;
			continue;
		}
		f->stats->rows++;
		f->line = line;
		rc = event_parse_json(raw.p, raw.len, EVENT_PARSE_RAW, &im->limits, &ev, &im->scratch,
				      &f->err);
		if (rc == PP_EINVAL)
			rc = reject(f, line, raw, !nl);
		else if (rc == 0)
			rc = import_emit_event(f, &ev);
		if (rc)
			return rc;
	}
	return 0;
}

int importer_run(struct importer *im, const struct import_format *fmt, const char *path,
		 const char *text, size_t len, struct import_stats *stats)
{
	struct import_file f = { .im = im, .path = path, .fmt = fmt, .stats = stats };
	uint64_t rows_at_start = stats->rows;
	int rc = fmt->csv ? run_csv(&f, text, len) : run_ndjson(&f, text, len);

	im->bytes_before += len;
	im->rows_before += stats->rows - rows_at_start;
	return rc;
}

bool import_is_header(const struct import_format *fmt, const char *line, size_t len)
{
	struct importer im = { 0 };
	struct import_stats st = { 0 };
	struct import_file f = { .im = &im, .path = "-", .fmt = fmt, .stats = &st };
	struct buf scratch = BUF_INIT;
	struct csv_reader r;
	struct csv_record rec;
	bool header = false;

	if (!fmt->csv)
		return false;
	csv_init(&r, line, len);
	if (csv_next(&r, &rec, &scratch) == 1)
		header = fmt->header(&f, &rec) == 1;
	buf_release(&scratch);
	return header;
}

int importer_close(struct importer *im)
{
	struct progress store;
	uint64_t pending = 0;
	int rc = 0, k, r2;

	/* Most rows may still be buffered: storing them can take a while, so it shows. */
	for (k = 0; k < KIND__COUNT; k++)
		if (im->out_open[k])
			pending += im->out[k].nparts;
	if (im->prog) {
		progress_finish(im->prog);
		progress_start(&store, "import: storing", "segments", pending);
		store.start_ns = im->prog->start_ns; /* shown if the whole import passes a second */
	}
	for (k = 0; k < KIND__COUNT; k++) {
		if (!im->out_open[k])
			continue;
		im->out[k].prog = im->prog ? &store : NULL;
		r2 = raw_writer_close(&im->out[k]);
		rc = rc ? rc : r2;
	}
	if (im->prog)
		progress_finish(&store);
	if (im->quarantine_open) {
		r2 = raw_writer_close(&im->quarantine);
		rc = rc ? rc : r2;
	}
	buf_release(&im->line);
	buf_release(&im->scratch);
	buf_release(&im->norm);
	return rc;
}
