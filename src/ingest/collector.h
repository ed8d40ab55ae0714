/*
 * collector.h - durable ingest: events accepted over HTTP (or from the shipper) are
 * appended to a local journal and group-committed, so an acknowledged event survives a
 * crash; sealed journals become raw-zone segments (see docs/internals/collector.md).
 *
 *   submit (any thread) -> pending batch -> committer thread: write + fdatasync
 *                                           -> waiters notified (durable)
 *   journal past size/age -> sealed -> sealer thread: raw zone segments (replayable)
 *
 * Duplicate event_ids within the dedup window are dropped at submit, atomically with
 * the append, so two concurrent retries cannot both be stored. After a crash, journals
 * are sealed on the next open (the partial tail of an unacknowledged batch is cut off)
 * and the dedup memory is rebuilt from the journals still kept.
 */
#ifndef PP_COLLECTOR_H
#define PP_COLLECTOR_H

#include "core/common.h"
#include "event/event.h"
#include "lake/raw.h"

struct collector;

struct collector_opts {
	const char *journal_dir;     /* local directory for journals */
	int64_t commit_interval_ms;  /* least time between fsyncs (batching); 0 = none */
	size_t queue_bytes;          /* pending bytes past which submit refuses (429) */
	size_t journal_bytes;        /* seal a journal past this size ... */
	int64_t seal_interval_ms;    /* ... or this age */
	int64_t dedup_window_ms;     /* how long an event_id is remembered */
	int zstd_level;
	size_t segment_bytes;
};

void collector_opts_from_config(struct collector_opts *o, const struct config *cfg,
				const char *journal_dir);

/* One event offered for storage: its canonical line (no newline) and its event_id. */
struct collector_item {
	struct span line;
	struct span event_id; /* len 0: no deduplication */
};

/* Called from the committer thread when a ticket is durable (status 0) or failed. */
typedef void (*collector_done_fn)(void *arg, int status);

/* Subscribers see every accepted event once it is durable (live features, tests), a
 * request's events together (n of them, in their order). */
typedef void (*collector_subscriber_fn)(void *ctx, const struct event *evs, size_t n);

struct collector_stats {
	uint64_t accepted, duplicates, commits, sealed_journals, segments;
	uint64_t queue_bytes;          /* now */
	uint64_t fsync_ns_total, fsync_ns_max;
	uint64_t fsync_buckets[16];    /* counts per collector_fsync_bucket_le */
};

extern const double collector_fsync_bucket_le[16]; /* seconds; last is +Inf */

int collector_open(struct collector **out, struct lake_fs *fs, const struct collector_opts *o);

/*
 * Appends the items that are not duplicates (dup[i] tells which were) and returns the
 * ticket to wait for. PP_ELIMIT: the queue is full (try later); PP_EIO: the journal has
 * failed (the disk may be full); nothing was appended then.
 */
int collector_submit(struct collector *c, const struct collector_item *items, size_t n,
		     bool *dup, uint64_t *ticket);

/* Calls fn(arg, status) once ticket is durable; immediately if it already is. */
int collector_notify(struct collector *c, uint64_t ticket, collector_done_fn fn, void *arg);

/* Blocks until ticket is durable; returns its status. */
int collector_wait(struct collector *c, uint64_t ticket);

int collector_subscribe(struct collector *c, collector_subscriber_fn fn, void *ctx);
void collector_publish(struct collector *c, const struct event *evs, size_t n);

/* False once the journal has failed. */
bool collector_ready(struct collector *c);

void collector_get_stats(struct collector *c, struct collector_stats *st);

/* Commits what is pending, seals the journal into the raw zone, stops the threads. */
int collector_close(struct collector *c);

/* Seals every journal in dir into the raw zone (what open does first); for tools/tests. */
int collector_recover(struct lake_fs *fs, const struct collector_opts *o, uint64_t *segments);

#endif
