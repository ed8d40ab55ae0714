/*
 * ship.h - the log shipper: tails files matching globs, turns their lines into canonical
 * events (NDJSON, or the CSV formats the importer knows) and posts them in batches to a
 * ppredict server, like Filebeat (see docs/internals/ship.md).
 *
 * Delivery is at least once: a file's offset advances, and the registry that keeps it
 * is fsynced, only after the server acknowledged the batch. Every event gets an event_id
 * from its file and line when it has none, so a batch sent again after a crash or a
 * lost answer is stored once (the server drops repeated event_ids).
 */
#ifndef PP_SHIP_H
#define PP_SHIP_H

#include "core/config.h"
#include "ingest/import.h"

struct ship_opts {
	const char **patterns;
	size_t npatterns;
	const char *url;      /* http://host:port (the server) */
	const char *key;      /* API key or NULL */
	const char *registry; /* path of the offsets file */
	const struct import_format *format;
	size_t batch_events;
	size_t batch_bytes;
	int64_t poll_ms;
	int64_t rotate_grace_ms; /* how long a rotated-away file is still read */
	bool once;               /* stop when every file has been read to its end */
	volatile int *stop;      /* set by a signal handler: finish and exit */
};

struct ship_stats {
	uint64_t lines, events, rejected, batches, retries, files;
};

int ship_run(const struct ship_opts *o, const struct config *cfg, struct ship_stats *st);

#endif
