/*
 * raw.h - the lake's raw zone: NDJSON lines in zstd segments, partitioned by time.
 *
 *   raw/events/year=YYYY/month=MM/day=DD/hour=HH/part-<writer>-<seq>.ndjson.zst
 *   raw/quarantine/year=YYYY/month=MM/day=DD/part-<writer>-<seq>.ndjson.zst
 *   raw/catalog/<name>/part-<writer>-<seq>.ndjson.zst
 *
 * A segment is a zstd skippable frame carrying its summary (line count, min/max ts,
 * uncompressed size), then one ordinary zstd frame with the lines. Any zstd reader
 * (zstdcat, DuckDB) skips the first frame and sees plain NDJSON; ppredict reads the
 * summary from the first 40 bytes without decompressing (lake ls).
 *
 * The writer buffers lines per partition and writes each segment whole through
 * lake_fs put: a segment is visible complete or not at all. One thread adds lines; the
 * writer's own flusher thread compresses and stores. Several writers (threads or
 * processes) can share a lake since each has its own id.
 */
#ifndef PP_RAW_H
#define PP_RAW_H

#include "core/buf.h"
#include "core/progress.h"
#include "core/strmap.h"
#include "lake/lake_fs.h"

#include <pthread.h>

enum raw_partitioning { RAW_BY_HOUR, RAW_BY_DAY, RAW_UNPARTITIONED };

struct raw_writer_opts {
	const char *zone;      /* directory under the lake: "raw/events" */
	enum raw_partitioning partitioning;
	const char *role;      /* first part of the writer id: "sim", "import" */
	int zstd_level;
	size_t segment_bytes;  /* close a segment past this many uncompressed bytes */
	size_t memory_limit;   /* flush the largest partition past this much buffered */
	int flushers;          /* threads storing segments (1..RAW_MAX_FLUSHERS) */
	/*
	 * Replayable writes: with a fixed writer id, one flusher and the same input, the
	 * same segments get the same names, and a name that exists already is taken as
	 * stored by an earlier run of the same replay (the collector's journal recovery).
	 */
	const char *fixed_id;
};

#define RAW_MAX_FLUSHERS 8

struct raw_partition {
	int64_t key; /* start of the hour/day in ms; 0 when unpartitioned */
	struct buf data;
	uint64_t lines;
	int64_t min_ts, max_ts;
	bool reopened;  /* late data for a partition already written once */
	unsigned waits; /* flush_before calls this late data has waited through */
};

struct raw_writer_stats {
	uint64_t lines, segments, raw_bytes, stored_bytes;
	uint64_t existing; /* fixed_id replays: segments found already stored */
};

/* A segment waiting for the flusher thread: a partition's lines, moved out of it. */
struct raw_job {
	int64_t key;
	struct buf data;
	uint64_t lines;
	int64_t min_ts, max_ts;
};

#define RAW_QUEUE 8 /* segments in flight: enough to keep the flushers busy, bounded memory */

/* One flusher thread and what only it touches. */
struct raw_flusher {
	struct raw_writer *w;
	pthread_t thread;
	bool running;
	void *cctx; /* ZSTD_CCtx */
	struct buf zbuf;
	struct buf path;
};

struct raw_writer {
	struct lake_fs *fs;
	struct raw_writer_opts opts;
	char id[48];
	struct raw_partition *parts;
	size_t nparts, capparts;
	size_t buffered;
	int64_t flushed_before; /* partitions ending before this were written */
	struct progress *prog;  /* optional: raw_writer_flush counts segments on it */
	struct raw_writer_stats stats; /* read after raw_writer_sync or close */

	/*
	 * Private: flusher threads compress and store segments while the caller goes on
	 * adding lines; several of them overlap the file system's latencies (creating a
	 * file, two fsyncs). Everything below is guarded by `mu`.
	 */
	struct raw_flusher flusher[RAW_MAX_FLUSHERS];
	int nflushers;
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	struct raw_job queue[RAW_QUEUE];
	size_t head, count, busy; /* queued jobs; jobs being stored */
	bool started, stop;
	int err;
	char errmsg[512];
	uint64_t seq;
};

void raw_writer_opts_default(struct raw_writer_opts *o, const char *zone, const char *role);
int raw_writer_open(struct raw_writer *w, struct lake_fs *fs, const struct raw_writer_opts *o);

/* Adds one line (without its newline) stamped ts; may write a segment. */
int raw_writer_add(struct raw_writer *w, int64_t ts, const char *line, size_t len);

/*
 * Writes a segment for every partition that ends at or before ts (stream time moved on).
 * Late data for a partition already written is batched: it waits through
 * RAW_LATE_WAITS calls (or the memory limit, or close) so that a trickle of late
 * events does not become a trickle of tiny segments.
 */
#define RAW_LATE_WAITS 12
int raw_writer_flush_before(struct raw_writer *w, int64_t ts);

/* Writes every buffered partition. */
int raw_writer_flush(struct raw_writer *w);

/*
 * Waits until every segment handed to the flusher is stored (durable) and reports the
 * first error it met. add and flush return before their segments are on disk; sync is
 * the point after which they are.
 */
int raw_writer_sync(struct raw_writer *w);

/* Flushes, syncs, then frees. Close a writer even after an error (nothing leaks). */
int raw_writer_close(struct raw_writer *w);

/* ---- reading ---------------------------------------------------------------- */

/* The raw zone's areas by the names commands use: events, quarantine, categories, ... */
struct raw_zone {
	const char *name, *dir;
};
extern const struct raw_zone raw_zones[];
extern const size_t raw_nzones;

/* The directory of a zone name, or NULL. */
const char *raw_zone_dir(const char *name);

struct raw_segment {
	char *path;        /* inside the lake */
	uint64_t size;     /* stored bytes */
	int64_t partition; /* partition start in ms (from the path); INT64_MIN if none */
	bool has_summary;
	uint64_t lines;
	int64_t min_ts, max_ts;
	uint64_t raw_bytes;
};

struct raw_segment_list {
	struct raw_segment *seg;
	size_t n, cap;
};

/*
 * Lists the segments of a zone, sorted by path (so by partition, then writer and seq).
 * With summaries set, reads each segment's summary frame too.
 */
int raw_list_segments(struct lake_fs *fs, const char *zone, bool summaries,
		      struct raw_segment_list *out);
void raw_segment_list_release(struct raw_segment_list *l);

/* Decompresses a whole segment, appending its NDJSON to out. */
int raw_segment_read(struct lake_fs *fs, const char *path, struct buf *out);

/*
 * Reads a segment whole into text (reset first) and checks it against its summary: the
 * zstd frame and checksum, the line count, the size, and that every line is terminated.
 * Returns 0, or PP_ECORRUPT with a message naming the segment and the mismatch.
 */
int raw_segment_verify(struct lake_fs *fs, const struct raw_segment *s, struct buf *text);

/* Partition start (ms) parsed from a path's year=/month=/day=/hour= parts. */
int raw_partition_of_path(const char *path, int64_t *ms);

#endif
