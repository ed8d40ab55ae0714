/*
 * raw_writer.c - buffering lines per partition (the caller's thread) and storing them as
 * segments (the writer's flusher thread), so that generating or parsing events and
 * compressing and syncing them use both cores.
 */
#include "lake/raw.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"

#include <unistd.h>
#include <zstd.h>

#define SUMMARY_MAGIC 0x184D2A50u /* first of the 16 zstd skippable-frame magics */
#define SUMMARY_TAG "PPSEG1\0\0"
#define SUMMARY_SIZE 40 /* tag 8 + lines 8 + min 8 + max 8 + raw bytes 8 */

static void *flusher_main(void *arg);

void raw_writer_opts_default(struct raw_writer_opts *o, const char *zone, const char *role)
{
	o->zone = zone;
	o->partitioning = RAW_BY_HOUR;
	o->role = role;
	o->zstd_level = 3;
	o->segment_bytes = 64u << 20;
	o->memory_limit = 256u << 20;
	o->flushers = 2;
	o->fixed_id = NULL;
}

int raw_writer_open(struct raw_writer *w, struct lake_fs *fs, const struct raw_writer_opts *o)
{
	uint64_t salt = (uint64_t)time_now_ms() * 1000003u ^ (uint64_t)getpid() * 2654435761u ^
			time_mono_ns() ^ (uint64_t)(uintptr_t)w;

	memset(w, 0, sizeof(*w));
	w->fs = fs;
	w->opts = *o;
	/* pid, clocks and address make ids unique per writer; put's noreplace guards the rest */
	salt ^= salt >> 29;
	salt *= 0xbf58476d1ce4e5b9ull;
	salt ^= salt >> 32;
	if (o->fixed_id)
		snprintf(w->id, sizeof(w->id), "%s", o->fixed_id);
	else
		snprintf(w->id, sizeof(w->id), "%s_%08" PRIx32, o->role, (uint32_t)salt);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	w->started = true;
	w->nflushers = o->flushers < 1 ? 1 : o->flushers > RAW_MAX_FLUSHERS ? RAW_MAX_FLUSHERS
									   : o->flushers;
	if (o->fixed_id)
		w->nflushers = 1; /* names must follow submission order */
	for (int i = 0; i < w->nflushers; i++) {
		struct raw_flusher *f = &w->flusher[i];
		f->w = w;
		buf_init(&f->zbuf, 0);
		buf_init(&f->path, 0);
		f->cctx = ZSTD_createCCtx();
		if (!f->cctx)
			return PP_ENOMEM;
		ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_compressionLevel, o->zstd_level);
		ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_checksumFlag, 1);
		if (pthread_create(&f->thread, NULL, flusher_main, f))
			return pp_error(PP_ENOMEM, "cannot start the raw writer's flusher threads");
		f->running = true;
	}
	return 0;
}

static int64_t partition_key(const struct raw_writer *w, int64_t ts)
{
	switch (w->opts.partitioning) {
	case RAW_BY_HOUR:
		return floor_div(ts, MS_PER_HOUR) * MS_PER_HOUR;
	case RAW_BY_DAY:
		return floor_div(ts, MS_PER_DAY) * MS_PER_DAY;
	default:
		return 0;
	}
}

static int64_t partition_span(const struct raw_writer *w)
{
	return w->opts.partitioning == RAW_BY_HOUR ? MS_PER_HOUR
	       : w->opts.partitioning == RAW_BY_DAY ? MS_PER_DAY : INT64_MAX / 2;
}

/* ---- the flusher thread -------------------------------------------------------- */

static int segment_path(const struct raw_writer *w, int64_t key, uint64_t seq, struct buf *path)
{
	struct civil c;
	int rc;

	buf_reset(path);
	civil_from_ms(key, &c);
	if (w->opts.partitioning == RAW_BY_HOUR)
		rc = buf_printf(path, "%s/year=%04d/month=%02d/day=%02d/hour=%02d/", w->opts.zone,
				c.year, c.month, c.day, c.hour);
	else if (w->opts.partitioning == RAW_BY_DAY)
		rc = buf_printf(path, "%s/year=%04d/month=%02d/day=%02d/", w->opts.zone, c.year,
				c.month, c.day);
	else
		rc = buf_printf(path, "%s/", w->opts.zone);
	return rc ? rc : buf_printf(path, "part-%s-%06" PRIu64 ".ndjson.zst", w->id, seq);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t next_seq(struct raw_writer *w)
{
	uint64_t seq;

	pthread_mutex_lock(&w->mu);
	seq = ++w->seq;
	pthread_mutex_unlock(&w->mu);
	return seq;
}

/*
 * Compresses one job and stores it under the next free name (or, replaying with a fixed
 * id, under its own name, which may exist already). Flusher threads only.
 */
static int store_segment(struct raw_flusher *f, const struct raw_job *j, uint64_t *stored,
			 bool *existed)
{
	struct raw_writer *w = f->w;
	unsigned char summary[8 + SUMMARY_SIZE];
	struct iovec iov[2];
	size_t bound, z;
	int rc, tries;

	bound = ZSTD_compressBound(j->data.len);
	buf_reset(&f->zbuf);
	if ((rc = buf_grow(&f->zbuf, bound)))
		return rc;
	ZSTD_CCtx_setPledgedSrcSize(f->cctx, j->data.len);
	z = ZSTD_compress2(f->cctx, f->zbuf.data, bound, j->data.data, j->data.len);
	if (ZSTD_isError(z))
		return pp_error(PP_EIO, "zstd: %s", ZSTD_getErrorName(z));
	put_le64(summary, SUMMARY_MAGIC | ((uint64_t)SUMMARY_SIZE << 32));
	memcpy(summary + 8, SUMMARY_TAG, 8);
	put_le64(summary + 16, j->lines);
	put_le64(summary + 24, (uint64_t)j->min_ts);
	put_le64(summary + 32, (uint64_t)j->max_ts);
	put_le64(summary + 40, j->data.len);
	iov[0].iov_base = summary;
	iov[0].iov_len = sizeof(summary);
	iov[1].iov_base = f->zbuf.data;
	iov[1].iov_len = z;
	for (tries = 0;; tries++) {
		if ((rc = segment_path(w, j->key, next_seq(w), &f->path)))
			return rc;
		rc = w->fs->ops->put(w->fs, f->path.data, iov, 2, true);
		if (rc == PP_EEXIST && w->opts.fixed_id) {
			pp_error_clear();
			*existed = true;
			return 0;
		}
		if (rc != PP_EEXIST || tries == 8)
			break;
	}
	*stored = sizeof(summary) + z;
	return rc;
}

static void *flusher_main(void *arg)
{
	struct raw_flusher *f = arg;
	struct raw_writer *w = f->w;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct raw_job j;
		uint64_t stored = 0;
		bool existed = false;
		int rc;
		while (!w->count && !w->stop)
			pthread_cond_wait(&w->wake, &w->mu);
		if (!w->count)
			break;
		/* Take the job off the queue; its buffer is ours until we free it. */
		j = w->queue[w->head];
		w->head = (w->head + 1) % RAW_QUEUE;
		w->count--;
		w->busy++;
		rc = w->err; /* after an error nothing more is stored; the caller stops */
		pthread_mutex_unlock(&w->mu);
		if (!rc)
			rc = store_segment(f, &j, &stored, &existed);
		buf_release(&j.data);
		pthread_mutex_lock(&w->mu);
		if (rc && !w->err) {
			w->err = rc;
			snprintf(w->errmsg, sizeof(w->errmsg), "%s", pp_errmsg());
		} else if (!rc && existed) {
			w->stats.existing++;
		} else if (!rc) {
			w->stats.segments++;
			w->stats.lines += j.lines;
			w->stats.raw_bytes += j.data.len;
			w->stats.stored_bytes += stored;
		}
		w->busy--;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The flusher's error, re-raised in the caller's thread (messages are per thread). */
static int flusher_error(struct raw_writer *w)
{
	return pp_error(w->err, "%s", w->errmsg);
}

/* ---- the caller's side ------------------------------------------------------------ */

/* Hands a partition's lines to the flusher (waiting for room) and empties the partition. */
static int submit(struct raw_writer *w, struct raw_partition *p)
{
	struct raw_job *j;

	if (p->lines == 0)
		return 0;
	pthread_mutex_lock(&w->mu);
	while (w->count == RAW_QUEUE && !w->err)
		pthread_cond_wait(&w->done, &w->mu);
	if (w->err) {
		pthread_mutex_unlock(&w->mu);
		return flusher_error(w);
	}
	j = &w->queue[(w->head + w->count) % RAW_QUEUE];
	j->key = p->key;
	j->data = p->data; /* moved: the flusher frees it */
	j->lines = p->lines;
	j->min_ts = p->min_ts;
	j->max_ts = p->max_ts;
	w->count++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	w->buffered -= p->data.len;
	buf_init(&p->data, 0);
	p->lines = 0;
	return 0;
}

int raw_writer_sync(struct raw_writer *w)
{
	int rc;

	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->mu);
	while (w->count || w->busy)
		pthread_cond_wait(&w->done, &w->mu);
	rc = w->err;
	pthread_mutex_unlock(&w->mu);
	return rc ? flusher_error(w) : 0;
}

static struct raw_partition *find_partition(struct raw_writer *w, int64_t key)
{
	struct raw_partition *p;
	size_t i;

	/* Few partitions are open at once and the newest is hit most: scan from the end. */
	for (i = w->nparts; i-- > 0;)
		if (w->parts[i].key == key)
			return &w->parts[i];
	if (pp_array_grow(&w->parts, w->nparts, &w->capparts, sizeof(*w->parts), 16))
		return NULL;
	p = &w->parts[w->nparts++];
	p->key = key;
	buf_init(&p->data, 0);
	p->lines = 0;
	p->reopened = false;
	p->waits = 0;
	return p;
}

static void drop_partition(struct raw_writer *w, size_t i)
{
	w->buffered -= w->parts[i].data.len;
	buf_release(&w->parts[i].data);
	w->parts[i] = w->parts[--w->nparts];
}

static int flush_largest(struct raw_writer *w)
{
	size_t i, best = 0;

	for (i = 1; i < w->nparts; i++)
		if (w->parts[i].data.len > w->parts[best].data.len)
			best = i;
	return submit(w, &w->parts[best]);
}

int raw_writer_add(struct raw_writer *w, int64_t ts, const char *line, size_t len)
{
	int64_t key = partition_key(w, ts);
	struct raw_partition *p = find_partition(w, key);
	int rc;

	if (!p)
		return PP_ENOMEM;
	if (p->lines == 0 && key + partition_span(w) <= w->flushed_before)
		p->reopened = true;
	if ((rc = buf_grow(&p->data, len + 1)))
		return rc;
	memcpy(p->data.data + p->data.len, line, len);
	p->data.len += len;
	p->data.data[p->data.len++] = '\n';
	p->data.data[p->data.len] = '\0';
	if (p->lines == 0 || ts < p->min_ts)
		p->min_ts = ts;
	if (p->lines == 0 || ts > p->max_ts)
		p->max_ts = ts;
	p->lines++;
	w->buffered += len + 1;
	if (p->data.len >= w->opts.segment_bytes && (rc = submit(w, p)))
		return rc;
	if (w->buffered > w->opts.memory_limit)
		return flush_largest(w);
	return 0;
}

int raw_writer_flush_before(struct raw_writer *w, int64_t ts)
{
	int64_t span = partition_span(w);
	size_t i;
	int rc;

	for (i = w->nparts; i-- > 0;) {
		struct raw_partition *p = &w->parts[i];
		if (p->key + span > ts || (p->reopened && ++p->waits < RAW_LATE_WAITS))
			continue;
		if ((rc = submit(w, p)))
			return rc;
		drop_partition(w, i);
	}
	w->flushed_before = ts > w->flushed_before ? ts : w->flushed_before;
	return 0;
}

int raw_writer_flush(struct raw_writer *w)
{
	size_t i, oldest;
	int rc;

	/* Oldest first, so sequence numbers follow time within a run. */
	while (w->nparts) {
		for (oldest = 0, i = 1; i < w->nparts; i++)
			if (w->parts[i].key < w->parts[oldest].key)
				oldest = i;
		if ((rc = submit(w, &w->parts[oldest])))
			return rc;
		drop_partition(w, oldest);
		if (w->prog)
			progress_set(w->prog, w->prog->done + 1);
	}
	return 0;
}

int raw_writer_close(struct raw_writer *w)
{
	int rc = w->nflushers ? raw_writer_flush(w) : 0;
	int rc2 = raw_writer_sync(w);

	rc = rc ? rc : rc2;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_broadcast(&w->wake);
		pthread_mutex_unlock(&w->mu);
		for (int i = 0; i < w->nflushers; i++) {
			struct raw_flusher *f = &w->flusher[i];
			if (f->running)
				pthread_join(f->thread, NULL);
			f->running = false;
			ZSTD_freeCCtx(f->cctx);
			f->cctx = NULL;
			buf_release(&f->zbuf);
			buf_release(&f->path);
		}
		w->started = false;
	}
	while (w->nparts)
		drop_partition(w, w->nparts - 1);
	pp_free(w->parts);
	w->parts = NULL;
	w->capparts = 0;
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
	return rc;
}
