#include "lake/raw.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"

#include <unistd.h>
#include <zstd.h>

#define SUMMARY_MAGIC 0x184D2A50u /* first of the 16 zstd skippable-frame magics */
#define SUMMARY_TAG "PPSEG1\0\0"
#define SUMMARY_SIZE 40 /* tag 8 + lines 8 + min 8 + max 8 + raw bytes 8 */

void raw_writer_opts_default(struct raw_writer_opts *o, const char *zone, const char *role)
{
	o->zone = zone;
	o->partitioning = RAW_BY_HOUR;
	o->role = role;
	o->zstd_level = 3;
	o->segment_bytes = 64u << 20;
	o->memory_limit = 256u << 20;
}

int raw_writer_open(struct raw_writer *w, struct lake_fs *fs, const struct raw_writer_opts *o)
{
	uint64_t salt = (uint64_t)time_now_ms() * 1000003u ^ (uint64_t)getpid() * 2654435761u ^
			time_mono_ns();

	memset(w, 0, sizeof(*w));
	w->fs = fs;
	w->opts = *o;
	/* pid and clocks make ids unique per run; put's noreplace guards the rest. */
	salt ^= salt >> 29;
	salt *= 0xbf58476d1ce4e5b9ull;
	snprintf(w->id, sizeof(w->id), "%s_%08" PRIx32, o->role, (uint32_t)(salt >> 32));
	buf_init(&w->zbuf, 0);
	buf_init(&w->path, 0);
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx)
		return PP_ENOMEM;
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, o->zstd_level);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
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

static int segment_path(struct raw_writer *w, const struct raw_partition *p)
{
	struct civil c;
	int rc;

	buf_reset(&w->path);
	civil_from_ms(p->key, &c);
	if (w->opts.partitioning == RAW_BY_HOUR)
		rc = buf_printf(&w->path, "%s/year=%04d/month=%02d/day=%02d/hour=%02d/", w->opts.zone,
				c.year, c.month, c.day, c.hour);
	else if (w->opts.partitioning == RAW_BY_DAY)
		rc = buf_printf(&w->path, "%s/year=%04d/month=%02d/day=%02d/", w->opts.zone, c.year,
				c.month, c.day);
	else
		rc = buf_printf(&w->path, "%s/", w->opts.zone);
	return rc ? rc : buf_printf(&w->path, "part-%s-%06" PRIu64 ".ndjson.zst", w->id, w->seq);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int write_segment(struct raw_writer *w, struct raw_partition *p)
{
	unsigned char summary[8 + SUMMARY_SIZE];
	struct iovec iov[2];
	size_t bound, z;
	int rc, tries;

	if (p->lines == 0)
		return 0;
	bound = ZSTD_compressBound(p->data.len);
	buf_reset(&w->zbuf);
	if ((rc = buf_grow(&w->zbuf, bound)))
		return rc;
	ZSTD_CCtx_setPledgedSrcSize(w->cctx, p->data.len);
	z = ZSTD_compress2(w->cctx, w->zbuf.data, bound, p->data.data, p->data.len);
	if (ZSTD_isError(z))
		return pp_error(PP_EIO, "zstd: %s", ZSTD_getErrorName(z));
	put_le64(summary, SUMMARY_MAGIC | ((uint64_t)SUMMARY_SIZE << 32));
	memcpy(summary + 8, SUMMARY_TAG, 8);
	put_le64(summary + 16, p->lines);
	put_le64(summary + 24, (uint64_t)p->min_ts);
	put_le64(summary + 32, (uint64_t)p->max_ts);
	put_le64(summary + 40, p->data.len);
	iov[0].iov_base = summary;
	iov[0].iov_len = sizeof(summary);
	iov[1].iov_base = w->zbuf.data;
	iov[1].iov_len = z;
	for (tries = 0;; tries++) {
		w->seq++;
		if ((rc = segment_path(w, p)))
			return rc;
		rc = w->fs->ops->put(w->fs, w->path.data, iov, 2, true);
		if (rc != PP_EEXIST || tries == 8)
			break;
	}
	if (rc)
		return rc;
	w->stats.segments++;
	w->stats.lines += p->lines;
	w->stats.raw_bytes += p->data.len;
	w->stats.stored_bytes += sizeof(summary) + z;
	w->buffered -= p->data.len;
	buf_release(&p->data); /* give the memory back: this partition may stay quiet now */
	p->lines = 0;
	return 0;
}

static struct raw_partition *find_partition(struct raw_writer *w, int64_t key)
{
	size_t i;

	/* Few partitions are open at once and the newest is hit most: scan from the end. */
	for (i = w->nparts; i-- > 0;)
		if (w->parts[i].key == key)
			return &w->parts[i];
	if (pp_array_grow(&w->parts, w->nparts, &w->capparts, sizeof(*w->parts), 16))
		return NULL;
	struct raw_partition *p = &w->parts[w->nparts++];
	p->key = key;
	buf_init(&p->data, 0);
	p->lines = 0;
	p->reopened = false;
	p->waits = 0;
	return p;
}

static void drop_partition(struct raw_writer *w, size_t i)
{
	buf_release(&w->parts[i].data);
	w->parts[i] = w->parts[--w->nparts];
}

static int flush_largest(struct raw_writer *w)
{
	size_t i, best = 0;

	for (i = 1; i < w->nparts; i++)
		if (w->parts[i].data.len > w->parts[best].data.len)
			best = i;
	return write_segment(w, &w->parts[best]);
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
	if (p->data.len >= w->opts.segment_bytes && (rc = write_segment(w, p)))
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
		if ((rc = write_segment(w, p)))
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
		if ((rc = write_segment(w, &w->parts[oldest])))
			return rc;
		drop_partition(w, oldest);
	}
	return 0;
}

int raw_writer_close(struct raw_writer *w)
{
	int rc = w->cctx ? raw_writer_flush(w) : 0;

	while (w->nparts)
		drop_partition(w, w->nparts - 1);
	pp_free(w->parts);
	w->parts = NULL;
	w->capparts = 0;
	ZSTD_freeCCtx(w->cctx);
	w->cctx = NULL;
	buf_release(&w->zbuf);
	buf_release(&w->path);
	return rc;
}
