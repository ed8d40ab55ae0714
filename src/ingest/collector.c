#include "ingest/collector.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strmap.h"
#include "core/timeutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_SUFFIX ".ndjson"
#define SEALED_SUFFIX ".ndjson.sealed"

const double collector_fsync_bucket_le[16] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 1e300,
};

struct waiter {
	uint64_t ticket;
	collector_done_fn fn;
	void *arg;
};

struct subscriber {
	collector_subscriber_fn fn;
	void *ctx;
};

struct collector {
	struct lake_fs *fs;
	struct collector_opts o;
	pthread_mutex_t mu;
	pthread_cond_t wake_committer, durable_cv, wake_sealer;
	pthread_t committer, sealer;
	bool threads_started, stop;
	int failed; /* first journal error; everything after it is refused */

	/* the batch being filled, and the tickets */
	struct buf pending;
	uint64_t next_ticket, durable_ticket;
	struct waiter *waiters;
	size_t nwaiters, capwaiters, waiter_head;

	/* journal (committer thread only, except at open/close) */
	int fd;
	char path[4096];
	size_t journal_size;
	int64_t journal_started;
	int64_t last_commit_ns;

	/* journals waiting to be sealed (sealer thread) */
	char **to_seal;
	size_t nto_seal, capto_seal;

	/* event_ids seen: two generations of the window, swapped every half window */
	struct strmap seen[2];
	int cur;
	int64_t rotated_at;

	struct subscriber *subs;
	size_t nsubs;

	struct collector_stats st;
};

void collector_opts_from_config(struct collector_opts *o, const struct config *cfg,
				const char *journal_dir)
{
	o->journal_dir = journal_dir;
	o->commit_interval_ms = cfg->commit_interval_ms;
	o->queue_bytes = cfg->queue_bytes;
	o->journal_bytes = cfg->journal_bytes;
	o->seal_interval_ms = cfg->seal_interval_ms;
	o->dedup_window_ms = cfg->dedup_window_ms;
	o->zstd_level = (int)cfg->zstd_level;
	o->segment_bytes = cfg->segment_bytes;
}

/* ---- event ids ------------------------------------------------------------------ */

static void rotate_seen(struct collector *c, int64_t now)
{
	if (now - c->rotated_at < c->o.dedup_window_ms / 2)
		return;
	/* the older generation is forgotten; ids stay remembered for at least half a window,
	 * at most a whole one */
	c->cur ^= 1;
	strmap_release(&c->seen[c->cur]);
	strmap_init(&c->seen[c->cur]);
	c->rotated_at = now;
}

/* Returns 1 if id was seen, 0 if it is new (and now remembered), PP_ENOMEM. */
static int seen_before(struct collector *c, struct span id)
{
	bool inserted;

	if (strmap_get(&c->seen[c->cur ^ 1], id.p, id.len))
		return 1;
	if (!strmap_put(&c->seen[c->cur], id.p, id.len, &inserted))
		return PP_ENOMEM;
	return inserted ? 0 : 1;
}

/* ---- journals -------------------------------------------------------------------- */

static int64_t line_ts(const char *line, size_t len)
{
	int64_t ts = 0;
	size_t i = 6;

	/* canonical lines start with {"ts":<digits> */
	if (len < 7 || memcmp(line, "{\"ts\":", 6))
		return 0;
	while (i < len && line[i] >= '0' && line[i] <= '9')
		ts = ts * 10 + (line[i++] - '0');
	return ts;
}

/* "journal-<ms>-<pid>.ndjson" -> writer id "j<ms>_<pid>": replays name segments alike. */
static void writer_id_of(const char *path, char *out, size_t n)
{
	const char *base = path_base(path);
	const char *dash = strchr(base, '-');
	size_t len = strcspn(dash ? dash + 1 : base, ".");

	snprintf(out, n, "j%.*s", (int)len, dash ? dash + 1 : base);
	for (char *q = out; *q; q++)
		if (*q == '-')
			*q = '_';
}

/*
 * Stores a journal's events in the raw zone and renames it *.sealed. Safe to repeat
 * after a crash at any point: the same bytes give the same segment names, and names
 * already stored are skipped. A last line without its newline was never acknowledged
 * (its batch did not finish) and is cut off first.
 */
static int seal_journal(struct lake_fs *fs, const struct collector_opts *o, const char *path,
			struct strmap *seen, uint64_t *segments)
{
	struct buf text = BUF_INIT, sealed = BUF_INIT;
	struct raw_writer_opts wo;
	struct raw_writer w;
	char id[64];
	const char *p, *end, *last_nl;
	int rc;

	if ((rc = fs_read_file(path, &text)))
		goto out;
	last_nl = text.len ? memrchr(text.data, '\n', text.len) : NULL;
	if ((size_t)(last_nl ? last_nl + 1 - text.data : 0) != text.len) {
		text.len = last_nl ? (size_t)(last_nl + 1 - text.data) : 0;
		if (truncate(path, (off_t)text.len)) {
			rc = pp_error_errno(PP_EIO, "truncate %s", path);
			goto out;
		}
	}
	writer_id_of(path, id, sizeof(id));
	raw_writer_opts_default(&wo, "raw/events", "collector");
	wo.fixed_id = id;
	wo.zstd_level = o->zstd_level;
	wo.segment_bytes = o->segment_bytes;
	wo.memory_limit = (size_t)1 << 40; /* whole journal in memory: grouping stays fixed */
	if ((rc = raw_writer_open(&w, fs, &wo))) {
		raw_writer_close(&w);
		goto out;
	}
	for (p = text.data, end = text.data + text.len; p < end && !rc;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(nl - p);
		rc = raw_writer_add(&w, line_ts(p, len), p, len);
		if (!rc && seen) {
			struct span ev_id = event_line_event_id(p, len);
			bool ins;
			if (ev_id.len && !strmap_put(seen, ev_id.p, ev_id.len, &ins))
				rc = PP_ENOMEM;
		}
		p = nl + 1;
	}
	{
		int rc2 = raw_writer_close(&w);
		rc = rc ? rc : rc2;
	}
	if (rc)
		goto out;
	if (segments)
		*segments += w.stats.segments;
	if ((rc = buf_printf(&sealed, "%s.sealed", path)))
		goto out;
	if (rename(path, sealed.data)) {
		rc = pp_error_errno(PP_EIO, "rename %s", path);
		goto out;
	}
	rc = fs_fsync_dir(o->journal_dir);
out:
	buf_release(&text);
	buf_release(&sealed);
	return rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* Loads the event_ids of a sealed journal still inside the window. */
static int remember_ids(const char *path, struct strmap *seen)
{
	struct buf text = BUF_INIT;
	const char *p, *end;
	int rc = fs_read_file(path, &text);

	for (p = text.data, end = text.data + text.len; !rc && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct span id = event_line_event_id(p, len);
		bool ins;
		if (id.len && !strmap_put(seen, id.p, id.len, &ins))
			rc = PP_ENOMEM;
		p += len + 1;
	}
	buf_release(&text);
	return rc;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Seals leftover journals; drops sealed ones older than the window, remembers the rest. */
static int recover_dir(struct lake_fs *fs, const struct collector_opts *o, struct strmap *seen,
		       uint64_t *segments)
{
	DIR *d = opendir(o->journal_dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int64_t now = time_now_ms();
	int rc = 0;

	if (!d)
		return pp_error_errno(PP_EIO, "cannot open %s", o->journal_dir);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "journal-", 8))
			continue;
		if (pp_array_grow(&names, n, &cap, sizeof(*names), 16) ||
		    !(names[n] = pp_strdup(de->d_name))) {
			rc = PP_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_str);
	for (i = 0; i < n && !rc; i++) {
		struct buf path = BUF_INIT;
		struct stat st;
		if ((rc = path_join(&path, o->journal_dir, names[i]))) {
			buf_release(&path);
			break;
		}
		if (has_suffix(names[i], JOURNAL_SUFFIX)) {
			log_info("sealing journal %s left by an earlier run", path.data);
			rc = seal_journal(fs, o, path.data, seen, segments);
		} else if (has_suffix(names[i], SEALED_SUFFIX) && stat(path.data, &st) == 0) {
			if ((int64_t)st.st_mtime * 1000 < now - o->dedup_window_ms)
				unlink(path.data);
			else if (seen)
				rc = remember_ids(path.data, seen);
		}
		buf_release(&path);
	}
	for (i = 0; i < n; i++)
		pp_free(names[i]);
	pp_free(names);
	return rc;
}

int collector_recover(struct lake_fs *fs, const struct collector_opts *o, uint64_t *segments)
{
	int rc = fs_mkdir_p(o->journal_dir);

	return rc ? rc : recover_dir(fs, o, NULL, segments);
}

static int open_journal(struct collector *c)
{
	int64_t now = time_now_ms();

	snprintf(c->path, sizeof(c->path), "%s/journal-%013" PRId64 "-%ld" JOURNAL_SUFFIX,
		 c->o.journal_dir, now, (long)getpid());
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (c->fd < 0)
		return pp_error_errno(PP_EIO, "cannot create journal %s", c->path);
	c->journal_size = 0;
	c->journal_started = now;
	return fs_fsync_dir(c->o.journal_dir);
}

/* ---- committer ------------------------------------------------------------------- */

static void record_fsync(struct collector *c, uint64_t ns)
{
	double secs = (double)ns / 1e9;
	int b = 0;

	while (b < 15 && secs > collector_fsync_bucket_le[b])
		b++;
	c->st.fsync_buckets[b]++;
	c->st.fsync_ns_total += ns;
	if (ns > c->st.fsync_ns_max)
		c->st.fsync_ns_max = ns;
	c->st.commits++;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Hands sealed journals to the sealer; called with the lock held. */
static int queue_seal(struct collector *c, const char *path)
{
	char *copy = pp_strdup(path);

	if (!copy || pp_array_grow(&c->to_seal, c->nto_seal, &c->capto_seal, sizeof(char *), 4)) {
		pp_free(copy);
		return PP_ENOMEM;
	}
	c->to_seal[c->nto_seal++] = copy;
	pthread_cond_signal(&c->wake_sealer);
	return 0;
}

/* Notifies the waiters whose tickets are durable (or all of them, on failure). */
static void release_waiters(struct collector *c)
{
	while (c->waiter_head < c->nwaiters) {
		struct waiter w = c->waiters[c->waiter_head];
		if (!c->failed && w.ticket > c->durable_ticket)
			break;
		c->waiter_head++;
		pthread_mutex_unlock(&c->mu);
		w.fn(w.arg, c->failed);
		pthread_mutex_lock(&c->mu);
	}
	if (c->waiter_head == c->nwaiters)
		c->waiter_head = c->nwaiters = 0;
	pthread_cond_broadcast(&c->durable_cv);
}

static void *committer_main(void *arg)
{
	struct collector *c = arg;
	struct buf batch = BUF_INIT;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		uint64_t ticket, t0;
		int64_t now;
		int err = 0;
		if (!c->pending.len && !c->stop) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1; /* wake up now and then to seal an idle journal by age */
			pthread_cond_timedwait(&c->wake_committer, &c->mu, &ts);
		}
		now = time_now_ms();
		rotate_seen(c, now);
		if (!c->pending.len) {
			if (c->stop)
				break;
			if (c->journal_size && !c->failed &&
			    now - c->journal_started >= c->o.seal_interval_ms) {
				close(c->fd);
				if (queue_seal(c, c->path) || open_journal(c))
					c->failed = PP_EIO;
			}
			continue;
		}
		/* Leave a little time between fsyncs so that one covers many requests. */
		if (c->o.commit_interval_ms > 0 && !c->stop) {
			int64_t since = (int64_t)(time_mono_ns() - (uint64_t)c->last_commit_ns) / 1000000;
			if (since < c->o.commit_interval_ms) {
				pthread_mutex_unlock(&c->mu);
				usleep((useconds_t)((c->o.commit_interval_ms - since) * 1000));
				pthread_mutex_lock(&c->mu);
			}
		}
		/* swap: requests fill a fresh buffer while this one is written */
		buf_reset(&batch);
		{
			struct buf tmp = batch;
			batch = c->pending;
			c->pending = tmp;
		}
		ticket = c->next_ticket;
		c->st.queue_bytes = 0;
		pthread_mutex_unlock(&c->mu);
		t0 = time_mono_ns();
		if (fs_fail_point("journal")) {
			errno = ENOSPC;
			err = pp_error_errno(PP_EIO, "journal %s", c->path);
		} else if (write_all(c->fd, batch.data, batch.len) || fdatasync(c->fd)) {
			err = pp_error_errno(PP_EIO, "journal %s", c->path);
		}
		pthread_mutex_lock(&c->mu);
		c->last_commit_ns = (int64_t)t0;
		if (err) {
			log_error("%s; refusing events from now on", pp_errmsg());
			c->failed = err;
		} else {
			record_fsync(c, time_mono_ns() - t0);
			c->journal_size += batch.len;
			c->durable_ticket = ticket;
			if (c->journal_size >= c->o.journal_bytes) {
				close(c->fd);
				if (queue_seal(c, c->path) || open_journal(c))
					c->failed = PP_EIO;
			}
		}
		release_waiters(c);
	}
	pthread_mutex_unlock(&c->mu);
	buf_release(&batch);
	return NULL;
}

static void *sealer_main(void *arg)
{
	struct collector *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		char *path;
		uint64_t segs = 0;
		int rc;
		while (!c->nto_seal && !c->stop)
			pthread_cond_wait(&c->wake_sealer, &c->mu);
		if (!c->nto_seal)
			break;
		path = c->to_seal[0];
		memmove(c->to_seal, c->to_seal + 1, (c->nto_seal - 1) * sizeof(char *));
		c->nto_seal--;
		pthread_mutex_unlock(&c->mu);
		rc = seal_journal(c->fs, &c->o, path, NULL, &segs);
		if (rc)
			log_error("sealing %s: %s (it will be sealed at the next start)", path,
				  pp_errmsg());
		pp_free(path);
		pthread_mutex_lock(&c->mu);
		if (!rc) {
			c->st.sealed_journals++;
			c->st.segments += segs;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* ---- public ---------------------------------------------------------------------- */

int collector_open(struct collector **out, struct lake_fs *fs, const struct collector_opts *o)
{
	struct collector *c = pp_calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return PP_ENOMEM;
	c->fs = fs;
	c->o = *o;
	c->fd = -1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->wake_committer, NULL);
	pthread_cond_init(&c->durable_cv, NULL);
	pthread_cond_init(&c->wake_sealer, NULL);
	buf_init(&c->pending, 0);
	strmap_init(&c->seen[0]);
	strmap_init(&c->seen[1]);
	c->rotated_at = time_now_ms();
	if ((rc = fs_mkdir_p(o->journal_dir)) ||
	    (rc = recover_dir(fs, o, &c->seen[0], &c->st.segments)) || (rc = open_journal(c)))
		goto fail;
	if (pthread_create(&c->committer, NULL, committer_main, c)) {
		rc = pp_error(PP_ENOMEM, "cannot start the committer thread");
		goto fail;
	}
	if (pthread_create(&c->sealer, NULL, sealer_main, c)) {
		pthread_mutex_lock(&c->mu);
		c->stop = true;
		pthread_cond_broadcast(&c->wake_committer);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->committer, NULL);
		rc = pp_error(PP_ENOMEM, "cannot start the sealer thread");
		goto fail;
	}
	c->threads_started = true;
	*out = c;
	return 0;
fail:
	collector_close(c);
	return rc;
}

int collector_submit(struct collector *c, const struct collector_item *items, size_t n,
		     bool *dup, uint64_t *ticket)
{
	size_t i, bytes = 0;
	int rc = 0;

	for (i = 0; i < n; i++)
		bytes += items[i].line.len + 1;
	pthread_mutex_lock(&c->mu);
	if (c->failed) {
		rc = pp_error(PP_EIO, "the journal failed earlier; events are refused");
		goto out;
	}
	if (c->pending.len + bytes > c->o.queue_bytes && c->pending.len) {
		rc = pp_error(PP_ELIMIT, "the ingest queue is full (%zu bytes pending)", c->pending.len);
		goto out;
	}
	if ((rc = buf_grow(&c->pending, bytes)))
		goto out;
	size_t appended = 0;
	for (i = 0; i < n; i++) {
		int seen = items[i].event_id.len ? seen_before(c, items[i].event_id) : 0;
		if (seen < 0) {
			rc = seen;
			goto out;
		}
		dup[i] = seen;
		if (seen) {
			c->st.duplicates++;
			continue;
		}
		memcpy(c->pending.data + c->pending.len, items[i].line.p, items[i].line.len);
		c->pending.len += items[i].line.len;
		c->pending.data[c->pending.len++] = '\n';
		c->st.accepted++;
		appended++;
	}
	buf_terminate(&c->pending);
	/*
	 * Nothing new (all duplicates): wait for the newest batch, which may hold the
	 * originals, rather than for a batch that will never be written.
	 */
	*ticket = appended ? ++c->next_ticket : c->next_ticket;
	c->st.queue_bytes = c->pending.len;
	pthread_cond_signal(&c->wake_committer);
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int collector_notify(struct collector *c, uint64_t ticket, collector_done_fn fn, void *arg)
{
	int status;

	pthread_mutex_lock(&c->mu);
	if (ticket > c->durable_ticket && !c->failed) {
		if (pp_array_grow(&c->waiters, c->nwaiters, &c->capwaiters, sizeof(*c->waiters), 64)) {
			pthread_mutex_unlock(&c->mu);
			return PP_ENOMEM;
		}
		c->waiters[c->nwaiters++] = (struct waiter){ ticket, fn, arg };
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	status = c->failed;
	pthread_mutex_unlock(&c->mu);
	fn(arg, status);
	return 0;
}

int collector_wait(struct collector *c, uint64_t ticket)
{
	int status;

	pthread_mutex_lock(&c->mu);
	while (ticket > c->durable_ticket && !c->failed)
		pthread_cond_wait(&c->durable_cv, &c->mu);
	status = ticket <= c->durable_ticket ? 0 : c->failed;
	pthread_mutex_unlock(&c->mu);
	return status;
}

int collector_subscribe(struct collector *c, collector_subscriber_fn fn, void *ctx)
{
	struct subscriber *ns = pp_realloc(c->subs, (c->nsubs + 1) * sizeof(*ns));

	if (!ns)
		return PP_ENOMEM;
	c->subs = ns;
	c->subs[c->nsubs++] = (struct subscriber){ fn, ctx };
	return 0;
}

void collector_publish(struct collector *c, const struct event *evs, size_t n)
{
	for (size_t i = 0; n && i < c->nsubs; i++)
		c->subs[i].fn(c->subs[i].ctx, evs, n);
}

bool collector_ready(struct collector *c)
{
	bool ok;

	pthread_mutex_lock(&c->mu);
	ok = !c->failed;
	pthread_mutex_unlock(&c->mu);
	return ok;
}

void collector_get_stats(struct collector *c, struct collector_stats *st)
{
	pthread_mutex_lock(&c->mu);
	*st = c->st;
	st->queue_bytes = c->pending.len;
	pthread_mutex_unlock(&c->mu);
}

int collector_close(struct collector *c)
{
	int rc = 0;
	size_t i;

	if (!c)
		return 0;
	if (c->threads_started) {
		pthread_mutex_lock(&c->mu);
		c->stop = true;
		pthread_cond_broadcast(&c->wake_committer);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->committer, NULL); /* commits what is pending first */
		pthread_mutex_lock(&c->mu);
		pthread_cond_broadcast(&c->wake_sealer);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->sealer, NULL);
		rc = c->failed;
		if (rc)
			rc = pp_error(rc, "the journal failed; unsealed journals are sealed at the next start");
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
		/* the last journal and any left queued are sealed now; a failure leaves them for
		 * the next start */
		if (!rc && c->journal_size)
			rc = seal_journal(c->fs, &c->o, c->path, NULL, &c->st.segments);
		else if (!c->journal_size)
			unlink(c->path);
	}
	for (i = 0; i < c->nto_seal; i++) {
		if (!rc)
			rc = seal_journal(c->fs, &c->o, c->to_seal[i], NULL, &c->st.segments);
		pp_free(c->to_seal[i]);
	}
	pp_free(c->to_seal);
	pp_free(c->waiters);
	pp_free(c->subs);
	buf_release(&c->pending);
	strmap_release(&c->seen[0]);
	strmap_release(&c->seen[1]);
	pthread_cond_destroy(&c->wake_committer);
	pthread_cond_destroy(&c->durable_cv);
	pthread_cond_destroy(&c->wake_sealer);
	pthread_mutex_destroy(&c->mu);
	pp_free(c);
	return rc;
}
