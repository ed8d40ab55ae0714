/*
 * import.h - bringing users' files into the raw zone: RetailRocket and REES46 CSV exports
 * and canonical NDJSON (see docs/internals/import.md).
 *
 * Every row ends up in exactly one place: as a canonical event (or catalogue record) in
 * the raw zone, or in raw/quarantine with its source file, line number and reason. Valid
 * rows beside bad ones are kept. Segments become visible only whole (raw writer), so an
 * import killed half-way leaves a readable lake: what was flushed, and nothing partial.
 */
#ifndef PP_IMPORT_H
#define PP_IMPORT_H

#include "core/config.h"
#include "core/progress.h"
#include "event/csv.h"
#include "event/event.h"
#include "lake/raw.h"

enum import_kind { KIND_EVENTS, KIND_CATEGORIES, KIND_ITEM_PROPERTIES, KIND__COUNT };

struct import_stats {
	uint64_t rows, accepted, rejected, blank;
	uint64_t by_kind[KIND__COUNT];
};

struct import_file;

/* One input format. CSV formats implement header and row; NDJSON has its own loop. */
struct import_format {
	const char *name;
	bool csv;
	/* Identifies the file from its first record; returns 1 if that record was a header. */
	int (*header)(struct import_file *f, const struct csv_record *rec);
	/* Converts one row; PP_EINVAL with f->err filled rejects it. */
	int (*row)(struct import_file *f, const struct csv_record *rec);
};

extern const struct import_format import_retailrocket, import_rees46, import_ndjson;

const struct import_format *import_format_find(const char *name);

/*
 * Where an importer's output goes instead of the raw zone: the shipper sends the
 * canonical records over HTTP. `line` is the source line the record came from.
 */
struct import_sink {
	void *ctx;
	int (*record)(void *ctx, enum import_kind kind, int64_t ts, struct span text, uint64_t line);
	int (*reject)(void *ctx, const char *source, uint64_t line, const char *reason,
		      struct span raw);
};

struct importer {
	const struct import_sink *sink; /* NULL: the raw zone */
	struct lake_fs *fs;
	const struct config *cfg;
	struct event_limits limits;
	int64_t imported_at;
	struct raw_writer out[KIND__COUNT];
	bool out_open[KIND__COUNT];
	struct raw_writer quarantine;
	bool quarantine_open;
	struct buf line, scratch, norm;
	/* progress: rows so far, total estimated from the bytes read of total_bytes */
	struct progress *prog;
	uint64_t total_bytes;
	uint64_t bytes_before, rows_before; /* of the files already imported */
};

/* State of the file being imported, handed to the format's callbacks. */
struct import_file {
	struct importer *im;
	const char *path;
	const struct import_format *fmt;
	enum import_kind kind;
	int col[CSV_MAX_FIELDS]; /* format-defined column roles -> field index */
	size_t ncols;
	struct event_error err;
	struct import_stats *stats;
	uint64_t line; /* the source line being converted */
};

int importer_open(struct importer *im, struct lake_fs *fs, const struct config *cfg);

/* Whether a file's first line is this format's header (CSV formats; never for NDJSON). */
bool import_is_header(const struct import_format *fmt, const char *line, size_t len);

/* Imports one file's text; stats are added to. Errors here are fatal for the file. */
int importer_run(struct importer *im, const struct import_format *fmt, const char *path,
		 const char *text, size_t len, struct import_stats *stats);

/* Flushes everything and frees; reports the first error. */
int importer_close(struct importer *im);

/* For formats: store a canonical event / catalogue record. */
int import_emit_event(struct import_file *f, const struct event *ev);
int import_emit_category(struct import_file *f, struct span id, struct span parent);
int import_emit_property(struct import_file *f, int64_t ts, struct span item, struct span prop,
			 struct span value);

/* For formats: messages name the file's own column ("visitorid"), not the canonical field. */
struct import_column {
	const char *canonical, *column;
};
void import_name_column(struct import_file *f, const struct import_column *map, size_t n);

/* For formats: an id field normalised ("11117.0" -> "11117"), written into `tmp`. */
struct span import_id(struct span v, char tmp[32]);

#endif
