/*
 * manifest.h - what has been imported into a lake: _meta/imports.ndjson, one line per
 * imported file with its size, a 64-bit content hash, when and what it gave. `import`
 * consults it so that the same file is not stored twice by accident (--force does).
 *
 * The file is rewritten whole (atomically) after the imported rows are durable; a
 * process that dies between the two leaves the rows stored and the file unrecorded, so
 * at worst a re-import duplicates rows, which the ETL's duplicate removal absorbs.
 */
#ifndef PP_MANIFEST_H
#define PP_MANIFEST_H

#include "core/buf.h"
#include "ingest/import.h"

#define IMPORT_MANIFEST "_meta/imports.ndjson"

struct import_manifest {
	struct buf text; /* the file as read, plus lines added since */
};

/* Reads the manifest (an absent one is empty). */
int import_manifest_load(struct lake_fs *fs, struct import_manifest *m);

/* When a file of this size and hash was imported before, returns true and its time. */
bool import_manifest_find(const struct import_manifest *m, uint64_t hash, uint64_t size,
			  int64_t *imported_at);

int import_manifest_add(struct import_manifest *m, const char *source, const char *format,
			uint64_t size, uint64_t hash, int64_t at, const struct import_stats *st);

int import_manifest_save(struct lake_fs *fs, const struct import_manifest *m);

void import_manifest_release(struct import_manifest *m);

#endif
