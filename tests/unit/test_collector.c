/* Unit tests of the collector: group commit, deduplication, sealing, crash recovery. */
#include "core/err.h"
#include "core/fsutil.h"
#include "core/timeutil.h"
#include "ingest/collector.h"
#include "unit/test.h"

#include <pthread.h>
#include <unistd.h>

static void opts(struct collector_opts *o, struct buf *dir)
{
	memset(o, 0, sizeof(*o));
	CHECK_INT(path_join(dir, test_tmpdir(), "lake/_meta/journal"), 0);
	o->journal_dir = dir->data;
	o->commit_interval_ms = 1;
	o->queue_bytes = 1 << 20;
	o->journal_bytes = 1 << 20;
	o->seal_interval_ms = 60000;
	o->dedup_window_ms = 600000;
	o->zstd_level = 1;
	o->segment_bytes = 64 << 20;
}

static struct lake_fs *lake(void)
{
	struct buf root = BUF_INIT;
	struct lake_fs *fs;

	CHECK_INT(path_join(&root, test_tmpdir(), "lake"), 0);
	CHECK_INT(lake_fs_open(&fs, root.data), 0);
	buf_release(&root);
	return fs;
}

static uint64_t raw_lines(struct lake_fs *fs, struct buf *all)
{
	struct raw_segment_list l;
	uint64_t n = 0;

	CHECK_INT(raw_list_segments(fs, "raw/events", true, &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		n += l.seg[i].lines;
		if (all)
			CHECK_INT(raw_segment_read(fs, l.seg[i].path, all), 0);
	}
	raw_segment_list_release(&l);
	return n;
}

static int line_for(char *buf, size_t n, int i, const char *event_id)
{
	return snprintf(buf, n, "{\"ts\":%lld,\"visitor_id\":\"v%d\",\"event\":\"view\",\"item_id\":\"i\"%s%s%s}",
			1433221332117LL + i * 1000LL, i, event_id ? ",\"event_id\":\"" : "",
			event_id ? event_id : "", event_id ? "\"" : "");
}

TEST(collector_commits_dedups_and_seals)
{
	struct collector_opts o;
	struct buf dir = BUF_INIT, all = BUF_INIT;
	struct lake_fs *fs = lake();
	struct collector *c;
	struct collector_item items[3];
	char l0[256], l1[256], l2[256];
	bool dup[3];
	uint64_t t1, t2;

	opts(&o, &dir);
	CHECK_INT(collector_open(&c, fs, &o), 0);
	items[0] = (struct collector_item){ { l0, (size_t)line_for(l0, sizeof(l0), 0, "e0") }, SPAN_LIT("e0") };
	items[1] = (struct collector_item){ { l1, (size_t)line_for(l1, sizeof(l1), 1, NULL) }, { NULL, 0 } };
	items[2] = (struct collector_item){ { l2, (size_t)line_for(l2, sizeof(l2), 2, "e0") }, SPAN_LIT("e0") };
	CHECK_INT(collector_submit(c, items, 3, dup, &t1), 0);
	CHECK(!dup[0] && !dup[1] && dup[2]); /* the same event_id twice in one request */
	CHECK_INT(collector_wait(c, t1), 0);
	CHECK_INT(collector_submit(c, items, 1, dup, &t2), 0); /* a retry later */
	CHECK(dup[0]);
	CHECK_INT(collector_wait(c, t2), 0);
	struct collector_stats st;
	collector_get_stats(c, &st);
	CHECK_INT(st.accepted, 2);
	CHECK_INT(st.duplicates, 2);
	CHECK(st.commits >= 1);
	CHECK_INT(raw_lines(fs, NULL), 0); /* durable in the journal, not yet sealed */
	CHECK_INT(collector_close(c), 0);
	CHECK_INT(raw_lines(fs, &all), 2);
	CHECK_CONTAINS(all.data, "\"visitor_id\":\"v1\"");
	buf_release(&dir);
	buf_release(&all);
	lake_fs_close(fs);
}

struct notified {
	pthread_mutex_t mu;
	int count, status;
};

static void on_done(void *arg, int status)
{
	struct notified *n = arg;

	pthread_mutex_lock(&n->mu);
	n->count++;
	n->status |= status;
	pthread_mutex_unlock(&n->mu);
}

TEST(collector_notifies_and_refuses_when_full)
{
	struct collector_opts o;
	struct buf dir = BUF_INIT;
	struct lake_fs *fs = lake();
	struct collector *c;
	struct notified n = { PTHREAD_MUTEX_INITIALIZER, 0, 0 };
	char line[256];
	bool dup;
	uint64_t t = 0;

	opts(&o, &dir);
	o.commit_interval_ms = 200; /* slow commits, so the queue fills */
	o.queue_bytes = 65536;
	CHECK_INT(collector_open(&c, fs, &o), 0);
	struct collector_item it = { { line, (size_t)line_for(line, sizeof(line), 1, NULL) }, { NULL, 0 } };
	int refused = 0, submitted = 0;
	for (int i = 0; i < 2000 && !refused; i++) {
		int rc = collector_submit(c, &it, 1, &dup, &t);
		if (rc == PP_ELIMIT)
			refused = 1;
		else {
			CHECK_INT(rc, 0);
			submitted++;
			CHECK_INT(collector_notify(c, t, on_done, &n), 0);
		}
	}
	CHECK(refused);
	CHECK_INT(collector_wait(c, t), 0);
	CHECK_INT(collector_close(c), 0);
	CHECK_INT(n.count, submitted);
	CHECK_INT(n.status, 0);
	CHECK_INT(raw_lines(fs, NULL), submitted);
	buf_release(&dir);
	lake_fs_close(fs);
}

TEST(collector_recovers_a_crashed_journal_once)
{
	struct collector_opts o;
	struct buf dir = BUF_INIT, path = BUF_INIT, text = BUF_INIT;
	struct lake_fs *fs = lake();
	struct collector *c;
	char line[256];
	uint64_t segs = 0;
	bool dup;
	uint64_t t;

	opts(&o, &dir);
	CHECK_INT(fs_mkdir_p(dir.data), 0);
	/* a journal as a killed server leaves it: acknowledged lines, then half a batch */
	for (int i = 0; i < 5; i++) {
		int n = line_for(line, sizeof(line), i, i == 4 ? "e4" : NULL);
		CHECK_INT(buf_append(&text, line, (size_t)n), 0);
		CHECK_INT(buf_putc(&text, '\n'), 0);
	}
	CHECK_INT(buf_puts(&text, "{\"ts\":1433221339999,\"visitor_id\":\"half"), 0);
	CHECK_INT(path_join(&path, dir.data, "journal-1433221332117-4242.ndjson"), 0);
	struct iovec iov = { text.data, text.len };
	CHECK_INT(fs_write_atomic(path.data, &iov, 1, FS_REPLACE), 0);
	CHECK_INT(collector_recover(fs, &o, &segs), 0);
	CHECK(segs >= 1);
	CHECK_INT(raw_lines(fs, NULL), 5);
	CHECK(!fs_exists(path.data));
	/* a crash after the segments but before the rename: replaying stores nothing new */
	CHECK_INT(buf_printf(&path, ".sealed"), 0);
	struct buf again = BUF_INIT;
	CHECK_INT(buf_append(&again, path.data, path.len - 7), 0);
	CHECK_INT(rename(path.data, again.data), 0);
	segs = 0;
	CHECK_INT(collector_recover(fs, &o, &segs), 0);
	CHECK_INT(segs, 0);
	CHECK_INT(raw_lines(fs, NULL), 5);
	/* the sealed journal still teaches the next collector its event_ids */
	CHECK_INT(collector_open(&c, fs, &o), 0);
	int n = line_for(line, sizeof(line), 9, "e4");
	struct collector_item it = { { line, (size_t)n }, SPAN_LIT("e4") };
	CHECK_INT(collector_submit(c, &it, 1, &dup, &t), 0);
	CHECK(dup);
	CHECK_INT(collector_close(c), 0);
	CHECK_INT(raw_lines(fs, NULL), 5);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&again);
	buf_release(&text);
	lake_fs_close(fs);
}

struct seen_events {
	int n, batches;
	char last[64];
};

static void on_events(void *ctx, const struct event *evs, size_t n)
{
	struct seen_events *s = ctx;

	s->n += (int)n;
	s->batches++;
	snprintf(s->last, sizeof(s->last), "%.*s", (int)evs[n - 1].visitor_id.len, evs[n - 1].visitor_id.p);
}

TEST(collector_subscribers_see_published_events)
{
	struct collector_opts o;
	struct buf dir = BUF_INIT;
	struct lake_fs *fs = lake();
	struct collector *c;
	struct seen_events a = { 0 }, b = { 0 };
	struct event ev[2];

	opts(&o, &dir);
	CHECK_INT(collector_open(&c, fs, &o), 0);
	CHECK_INT(collector_subscribe(c, on_events, &a), 0);
	CHECK_INT(collector_subscribe(c, on_events, &b), 0);
	event_clear(&ev[0]);
	event_clear(&ev[1]);
	ev[0].visitor_id = span_of("v41");
	ev[1].visitor_id = span_of("v42");
	collector_publish(c, ev, 2);
	collector_publish(c, ev, 0); /* nothing: no call */
	CHECK_INT(a.n, 2);
	CHECK_INT(a.batches, 1);
	CHECK_INT(b.n, 2);
	CHECK_STR(a.last, "v42");
	CHECK_INT(collector_close(c), 0);
	buf_release(&dir);
	lake_fs_close(fs);
}
