/* Unit tests of the raw zone: segment layout, summaries, atomic writes, reading back. */
#include "core/err.h"
#include "core/fsutil.h"
#include "core/timeutil.h"
#include "lake/raw.h"
#include "unit/test.h"

#include <dirent.h>
#include <pthread.h>

static struct lake_fs *open_lake(void)
{
	struct lake_fs *fs;

	CHECK_INT(lake_fs_open(&fs, test_tmpdir()), 0);
	return fs;
}

/* Hidden entries of a directory (temporary files). */
static int count_hidden(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static uint64_t count_lines(const char *s, size_t n)
{
	uint64_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

TEST(raw_writer_partitions_and_reads_back)
{
	struct lake_fs *fs = open_lake();
	struct raw_writer_opts o;
	struct raw_writer w;
	struct raw_segment_list l;
	struct buf text = BUF_INIT;
	const int64_t t0 = 1433221332117; /* 2015-06-02T05:02:12Z */
	char line[64];

	raw_writer_opts_default(&o, "raw/events", "test");
	o.flushers = 1; /* sequence numbers in submission order */
	CHECK_INT(raw_writer_open(&w, fs, &o), 0);
	for (int i = 0; i < 1000; i++) {
		int64_t ts = t0 + (int64_t)(i % 3) * MS_PER_HOUR + i; /* three hours, interleaved */
		int n = snprintf(line, sizeof(line), "{\"n\":%d}", i);
		CHECK_INT(raw_writer_add(&w, ts, line, (size_t)n), 0);
	}
	CHECK_INT(raw_writer_close(&w), 0);
	CHECK_INT(w.stats.segments, 3);
	CHECK_INT(w.stats.lines, 1000);
	CHECK_INT(raw_list_segments(fs, "raw/events", true, &l), 0);
	CHECK_INT(l.n, 3);
	CHECK_CONTAINS(l.seg[0].path, "raw/events/year=2015/month=06/day=02/hour=05/part-test_");
	CHECK_CONTAINS(l.seg[2].path, "/hour=07/");
	CHECK_CONTAINS(l.seg[0].path, "-000001.ndjson.zst");
	uint64_t total = 0;
	for (size_t i = 0; i < l.n; i++) {
		int64_t part;
		CHECK(l.seg[i].has_summary);
		CHECK_INT(raw_partition_of_path(l.seg[i].path, &part), 0);
		CHECK_INT(l.seg[i].partition, part);
		CHECK(l.seg[i].min_ts >= part && l.seg[i].max_ts < part + MS_PER_HOUR);
		buf_reset(&text);
		CHECK_INT(raw_segment_read(fs, l.seg[i].path, &text), 0);
		CHECK_INT(count_lines(text.data, text.len), l.seg[i].lines);
		CHECK_INT(text.len, l.seg[i].raw_bytes);
		total += l.seg[i].lines;
	}
	CHECK_INT(total, 1000);
	raw_segment_list_release(&l);
	buf_release(&text);
	lake_fs_close(fs);
}

TEST(raw_writer_limits_segment_and_memory)
{
	struct lake_fs *fs = open_lake();
	struct raw_writer_opts o;
	struct raw_writer w;
	char line[200];

	raw_writer_opts_default(&o, "raw/events", "lim");
	o.segment_bytes = 10000;
	o.memory_limit = 30000;
	CHECK_INT(raw_writer_open(&w, fs, &o), 0);
	memset(line, 'x', sizeof(line));
	for (int i = 0; i < 2000; i++) {
		/* 24 hours in rotation: memory, not segment size, forces most flushes */
		CHECK_INT(raw_writer_add(&w, 1433116800000 + (i % 24) * MS_PER_HOUR, line, 99), 0);
		CHECK(w.buffered <= o.memory_limit);
	}
	CHECK_INT(raw_writer_close(&w), 0);
	CHECK_INT(w.stats.lines, 2000);
	CHECK(w.stats.segments > 24);
	lake_fs_close(fs);
}

TEST(raw_flush_before_keeps_open_hours)
{
	struct lake_fs *fs = open_lake();
	struct raw_writer_opts o;
	struct raw_writer w;
	const int64_t h = 1433116800000;

	raw_writer_opts_default(&o, "raw/events", "fb");
	CHECK_INT(raw_writer_open(&w, fs, &o), 0);
	CHECK_INT(raw_writer_add(&w, h + 5, "a", 1), 0);
	CHECK_INT(raw_writer_add(&w, h + MS_PER_HOUR + 5, "b", 1), 0);
	CHECK_INT(raw_writer_flush_before(&w, h + MS_PER_HOUR + 10), 0);
	CHECK_INT(raw_writer_sync(&w), 0);
	CHECK_INT(w.stats.segments, 1); /* only the finished hour */
	CHECK_INT(w.nparts, 1);
	CHECK_INT(raw_writer_close(&w), 0);
	CHECK_INT(w.stats.segments, 2);
	lake_fs_close(fs);
}

TEST(fs_write_atomic_noreplace)
{
	struct iovec iov = { (void *)"hello", 5 };
	struct buf path = BUF_INIT, got = BUF_INIT;

	CHECK_INT(path_join(&path, test_tmpdir(), "f.txt"), 0);
	CHECK_INT(fs_write_atomic(path.data, &iov, 1, FS_NOREPLACE), 0);
	iov.iov_base = (void *)"other";
	CHECK_INT(fs_write_atomic(path.data, &iov, 1, FS_NOREPLACE), PP_EEXIST);
	CHECK_INT(fs_read_file(path.data, &got), 0);
	CHECK_STR(got.data, "hello");
	CHECK_INT(fs_write_atomic(path.data, &iov, 1, FS_REPLACE), 0);
	buf_reset(&got);
	CHECK_INT(fs_read_file(path.data, &got), 0);
	CHECK_STR(got.data, "other");
	buf_release(&path);
	buf_release(&got);
}

TEST(lake_paths_are_confined)
{
	struct lake_fs *fs = open_lake();
	struct iovec iov = { (void *)"x", 1 };

	CHECK_INT(fs->ops->put(fs, "../escape", &iov, 1, false), PP_EINVAL);
	CHECK_INT(fs->ops->put(fs, "/etc/passwd", &iov, 1, false), PP_EINVAL);
	CHECK_INT(fs->ops->put(fs, "raw/ok/file", &iov, 1, false), 0);
	lake_fs_close(fs);
}

TEST(raw_late_data_is_batched)
{
	struct lake_fs *fs = open_lake();
	struct raw_writer_opts o;
	struct raw_writer w;
	const int64_t h = 1433116800000;

	raw_writer_opts_default(&o, "raw/events", "late");
	CHECK_INT(raw_writer_open(&w, fs, &o), 0);
	CHECK_INT(raw_writer_add(&w, h + 5, "a", 1), 0);
	CHECK_INT(raw_writer_flush_before(&w, h + 2 * MS_PER_HOUR), 0);
	CHECK_INT(raw_writer_sync(&w), 0);
	CHECK_INT(w.stats.segments, 1);
	/* late lines for the hour already written wait for more company */
	for (int i = 1; i < RAW_LATE_WAITS; i++) {
		CHECK_INT(raw_writer_add(&w, h + 10 + i, "late", 4), 0);
		CHECK_INT(raw_writer_flush_before(&w, h + (2 + i) * MS_PER_HOUR), 0);
		CHECK_INT(raw_writer_sync(&w), 0);
		CHECK_INT(w.stats.segments, 1);
	}
	CHECK_INT(raw_writer_flush_before(&w, h + 40 * MS_PER_HOUR), 0);
	CHECK_INT(raw_writer_sync(&w), 0);
	CHECK_INT(w.stats.segments, 2); /* all the late lines in one segment */
	CHECK_INT(w.stats.lines, RAW_LATE_WAITS);
	CHECK_INT(raw_writer_close(&w), 0);
	lake_fs_close(fs);
}

/* A file past the page cache's threshold, in pieces of odd sizes at odd offsets (their
 * first and last blocks shared with their neighbours, some inside one block), written out
 * of order, and one from odd-sized buffers: every byte where it belongs. */
TEST(fs_atomic_uncached_pieces)
{
	static const size_t cut[] = { 0, 1, 4095, 4097, 12288, 12290, 1100000, 1100009, 3300001, FS_UNCACHED_MIN + 5, FS_UNCACHED_MIN + 70001 };
	enum { NCUT = sizeof(cut) / sizeof(cut[0]) };
	size_t size = cut[NCUT - 1];
	char *data = malloc(size);
	struct buf path = BUF_INIT, got = BUF_INIT;
	struct fs_atomic a;

	for (size_t i = 0; i < size; i++)
		data[i] = (char)(i * 131 + i / 4096);
	CHECK_INT(path_join(&path, test_tmpdir(), "big.bin"), 0);
	CHECK_INT(fs_atomic_open(&a, path.data, size, FS_REPLACE), 0);
	for (size_t k = NCUT - 1; k-- > 0;) /* last piece first */
		CHECK_INT(fs_atomic_pwrite(&a, data + cut[k], cut[k + 1] - cut[k], cut[k]), 0);
	CHECK_INT(fs_atomic_commit(&a), 0);
	CHECK_INT(fs_read_file(path.data, &got), 0);
	CHECK_INT(got.len, size);
	CHECK(!memcmp(got.data, data, size));
	const struct iovec iov[3] = { { data, 5 }, { data + 5, 3000001 }, { data + 3000006, size - 3000006 } };
	data[0] ^= 1;
	CHECK_INT(fs_write_atomic(path.data, iov, 3, FS_REPLACE), 0);
	buf_reset(&got);
	CHECK_INT(fs_read_file(path.data, &got), 0);
	CHECK_INT(got.len, size);
	CHECK(!memcmp(got.data, data, size));
	free(data);
	buf_release(&path);
	buf_release(&got);
}

struct piece_job {
	struct lake_writer *w;
	const char *data;
	size_t from, to; /* pieces of 1000 bytes, every other one */
};

static void *write_pieces(void *arg)
{
	struct piece_job *j = arg;

	for (size_t k = j->from; k < j->to; k += 2)
		if (lake_writer_pwrite(j->w, j->data + k * 1000, 1000, k * 1000))
			return (void *)1;
	return NULL;
}

/* An object written in pieces from two threads: whole once committed, invisible and gone
 * when aborted; pieces past its size refused; noreplace kept. */
TEST(lake_writer_pieces)
{
	enum { PIECES = 3000 }; /* 3 MB: the room is reserved up front */
	struct lake_fs *fs = open_lake();
	struct lake_writer w;
	struct buf got = BUF_INIT, path = BUF_INIT;
	char *data = malloc(PIECES * 1000);
	struct piece_job a, b;
	pthread_t t;
	void *res;

	for (size_t i = 0; i < PIECES * 1000; i++)
		data[i] = (char)(i * 7 + i / 1000);
	CHECK_INT(lake_writer_open(&w, fs, "features/m.bin", PIECES * 1000, false), 0);
	a = (struct piece_job){ &w, data, 0, PIECES };
	b = (struct piece_job){ &w, data, 1, PIECES };
	CHECK_INT(pthread_create(&t, NULL, write_pieces, &a), 0);
	CHECK(write_pieces(&b) == NULL);
	pthread_join(t, &res);
	CHECK(res == NULL);
	CHECK_INT(lake_writer_pwrite(&w, data, 2, PIECES * 1000 - 1), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "features/m.bin");
	CHECK_INT(fs->ops->get(fs, "features/m.bin", 0, UINT64_MAX, &got), PP_ENOENT); /* not yet */
	CHECK_INT(lake_writer_commit(&w), 0);
	buf_reset(&got);
	CHECK_INT(fs->ops->get(fs, "features/m.bin", 0, UINT64_MAX, &got), 0);
	CHECK_INT(got.len, PIECES * 1000);
	CHECK(!memcmp(got.data, data, PIECES * 1000));
	/* aborted: the old object stays, no temporary file is left */
	CHECK_INT(lake_writer_open(&w, fs, "features/m.bin", 10, false), 0);
	CHECK_INT(lake_writer_pwrite(&w, "0123456789", 10, 0), 0);
	lake_writer_abort(&w);
	buf_reset(&got);
	CHECK_INT(fs->ops->get(fs, "features/m.bin", 0, UINT64_MAX, &got), 0);
	CHECK_INT(got.len, PIECES * 1000);
	CHECK_INT(path_join(&path, test_tmpdir(), "features"), 0);
	CHECK_INT(count_hidden(path.data), 0);
	CHECK_INT(lake_writer_open(&w, fs, "features/m.bin", 10, true), PP_EEXIST);
	free(data);
	buf_release(&got);
	buf_release(&path);
	lake_fs_close(fs);
}
