#include "ship/ship.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "ship/client.h"
#include "ship/registry.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

struct tailed {
	size_t reg;    /* index of its registry entry */
	int fd;
	bool matched;  /* a pattern matched it in the last scan */
	int64_t gone_since;
	struct buf header; /* a CSV file's header line, empty otherwise */
};

struct shipper {
	const struct ship_opts *o;
	const struct config *cfg;
	struct ship_stats *st;
	struct ship_registry reg;
	struct tailed *files;
	size_t nfiles, capfiles;
	struct ship_client *client;
	struct importer im;
	struct import_sink sink;
	struct buf batch, chunk, reply;
	uint64_t *batch_lines; /* the source line of each event in the batch */
	size_t nbatch, capbatch;
	size_t limit_events;   /* halved on 413 */
	/* the chunk being converted */
	const struct ship_entry *cur;
	uint64_t base_line;
	bool prefixed;
	uint64_t warned; /* refusals logged one by one so far; later ones only counted */
};

#define SHIP_WARNINGS 20

static bool stopping(const struct shipper *s)
{
	return s->o->stop && *s->o->stop;
}

/* ---- conversion: lines -> canonical events with an event_id -------------------- */

static uint64_t source_line(const struct shipper *s, uint64_t line_in_chunk)
{
	return s->base_line + line_in_chunk - (s->prefixed ? 1 : 0);
}

static int on_record(void *ctx, enum import_kind kind, int64_t ts, struct span text, uint64_t line)
{
	struct shipper *s = ctx;
	uint64_t src = source_line(s, line);
	const char *props;
	size_t head;
	int rc;

	(void)ts;
	if (kind != KIND_EVENTS) {
		if (s->warned++ < SHIP_WARNINGS)
			log_warn("%s:%" PRIu64 ": catalogue files are not shipped (use ppredict import)",
				 s->cur->path, src);
		s->st->rejected++;
		return 0;
	}
	/* canonical lines carry event_id before props; look there only */
	props = memmem(text.p, text.len, ",\"props\":", 9);
	head = props ? (size_t)(props - text.p) : text.len;
	if (memmem(text.p, head, ",\"event_id\":", 12)) {
		rc = buf_append(&s->batch, text.p, text.len);
	} else {
		rc = buf_append(&s->batch, text.p, text.len - 1);
		if (!rc)
			rc = buf_printf(&s->batch, ",\"event_id\":\"ship-%" PRIx64 "-%" PRIx64 "-%" PRIu64
					"-%" PRIu64 "\"}", s->cur->dev, s->cur->ino, s->cur->generation, src);
	}
	if (!rc)
		rc = buf_putc(&s->batch, '\n');
	if (!rc && pp_array_grow(&s->batch_lines, s->nbatch, &s->capbatch, sizeof(uint64_t), 512))
		rc = PP_ENOMEM;
	if (!rc)
		s->batch_lines[s->nbatch++] = src;
	return rc;
}

static int on_reject(void *ctx, const char *source, uint64_t line, const char *reason,
		     struct span raw)
{
	struct shipper *s = ctx;

	(void)raw;
	if (s->warned++ < SHIP_WARNINGS)
		log_warn("%s:%" PRIu64 ": %s (not shipped)%s", source, source_line(s, line), reason,
			 s->warned == SHIP_WARNINGS ? "; further refusals are only counted" : "");
	s->st->rejected++;
	return 0;
}

/* ---- sending ------------------------------------------------------------------------ */

static void log_rejections(struct shipper *s)
{
	const char *p = strstr(s->reply.data, "\"rejected\":[{");
	int shown = 0;

	while (p && shown < 5 && s->warned++ < SHIP_WARNINGS) {
		unsigned long idx;
		const char *m = strstr(p, "\"index\":");
		const char *msg = m ? strstr(m, "\"message\":\"") : NULL;
		if (!m || !msg || sscanf(m + 8, "%lu", &idx) != 1)
			break;
		msg += 11;
		log_warn("%s:%" PRIu64 ": refused by the server: %.*s", s->cur->path,
			 idx < s->nbatch ? s->batch_lines[idx] : 0, (int)strcspn(msg, "\""), msg);
		s->st->rejected++;
		shown++;
		p = strstr(msg, "{\"index\":");
	}
}

/* Sends the batch until the server takes it; returns 0, 1 if stopping, or an error. */
static int send_batch(struct shipper *s)
{
	int64_t backoff = 100;
	int status;

	for (;;) {
		status = ship_client_post(s->client, &s->batch, &s->reply);
		if (status == 200) {
			s->st->batches++;
			s->st->events += s->nbatch;
			log_rejections(s);
			return 0;
		}
		if (status == 400) {
			/* nothing in it was valid: sending it again cannot help */
			log_warn("%s: the server refused a batch of %zu events: %.200s", s->cur->path,
				 s->nbatch, s->reply.data);
			s->st->rejected += s->nbatch;
			return 0;
		}
		if (status == 413 && s->limit_events > 1) {
			s->limit_events /= 2;
			return 2; /* resend in smaller pieces */
		}
		if (status == 401 || status == 403 || status == 404 || status == 415)
			return pp_error(PP_ECONFIG, "the server answers %d: %.200s", status, s->reply.data);
		/* down, overloaded (429) or failing (503): wait and try again */
		if (stopping(s))
			return 1;
		s->st->retries++;
		log_info("server %s (status %d); retrying in %" PRId64 " ms",
			 status ? "busy" : "unreachable", status, backoff);
		for (int64_t waited = 0; waited < backoff && !stopping(s); waited += 50)
			usleep(50000);
		backoff = backoff * 2 > 10000 ? 10000 : backoff * 2;
	}
}

/* ---- files ---------------------------------------------------------------------------- */

static int read_header(struct shipper *s, struct tailed *t)
{
	char first[65536];
	ssize_t n = pread(t->fd, first, sizeof(first), 0);
	const char *nl = n > 0 ? memchr(first, '\n', (size_t)n) : NULL;
	size_t len;

	buf_reset(&t->header);
	if (!nl || !s->o->format->csv)
		return 0;
	len = (size_t)(nl - first);
	if (len && first[len - 1] == '\r')
		len--;
	if (import_is_header(s->o->format, first, len))
		return buf_append(&t->header, first, len);
	return 0;
}

static struct tailed *track(struct shipper *s, const char *path, const struct stat *st)
{
	struct ship_entry *e = ship_registry_find(&s->reg, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	size_t i, reg;
	struct tailed *t;

	if (!e) {
		e = ship_registry_add(&s->reg, (uint64_t)st->st_dev, (uint64_t)st->st_ino, path);
		if (!e)
			return NULL;
		log_info("%s: new file, shipping from its start", path);
	} else if (strcmp(e->path, path)) {
		char *np = pp_strdup(path);
		if (np) {
			pp_free(e->path);
			e->path = np;
		}
	}
	reg = (size_t)(e - s->reg.e);
	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].reg == reg)
			return &s->files[i];
	if (pp_array_grow(&s->files, s->nfiles, &s->capfiles, sizeof(*s->files), 8))
		return NULL;
	t = &s->files[s->nfiles];
	memset(t, 0, sizeof(*t));
	buf_init(&t->header, 0);
	t->reg = reg;
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0)
		return NULL;
	read_header(s, t);
	s->nfiles++;
	s->st->files++;
	return t;
}

static int scan(struct shipper *s)
{
	size_t i, p;

	for (i = 0; i < s->nfiles; i++)
		s->files[i].matched = false;
	for (p = 0; p < s->o->npatterns; p++) {
		glob_t g;
		if (glob(s->o->patterns[p], GLOB_NOSORT, NULL, &g))
			continue;
		for (i = 0; i < g.gl_pathc; i++) {
			struct stat st;
			struct tailed *t;
			if (stat(g.gl_pathv[i], &st) || !S_ISREG(st.st_mode))
				continue;
			t = track(s, g.gl_pathv[i], &st);
			if (t) {
				t->matched = true;
				t->gone_since = 0;
			}
		}
		globfree(&g);
	}
	return 0;
}

/* Drops files that stopped matching (rotated away) once read to the end and quiet. */
static void forget_rotated(struct shipper *s, int64_t now)
{
	size_t i = 0;

	while (i < s->nfiles) {
		struct tailed *t = &s->files[i];
		struct stat st;
		if (t->matched || fstat(t->fd, &st)) {
			i++;
			continue;
		}
		if (!t->gone_since)
			t->gone_since = now;
		if ((uint64_t)st.st_size > s->reg.e[t->reg].offset ||
		    now - t->gone_since < s->o->rotate_grace_ms) {
			i++;
			continue;
		}
		log_info("%s: done (rotated away)", s->reg.e[t->reg].path);
		close(t->fd);
		buf_release(&t->header);
		s->files[i] = s->files[--s->nfiles];
	}
}

/* Ships the next batch of one file. *sent tells whether there was anything to send. */
static int step(struct shipper *s, struct tailed *t, const char *registry, bool *sent)
{
	struct ship_entry *e = &s->reg.e[t->reg];
	struct import_stats ist = { 0 };
	struct stat st;
	size_t got, used = 0, lines = 0, i;
	ssize_t n;
	int rc;

	*sent = false;
	if (fstat(t->fd, &st))
		return pp_error_errno(PP_EIO, "stat %s", e->path);
	if ((uint64_t)st.st_size < e->offset) {
		log_info("%s: truncated (copytruncate?); shipping it again from its start", e->path);
		e->generation++;
		e->offset = e->line = 0;
		read_header(s, t);
		if ((rc = ship_registry_save(&s->reg, registry)))
			return rc;
	}
	if ((uint64_t)st.st_size == e->offset)
		return 0;
	got = (size_t)((uint64_t)st.st_size - e->offset);
	if (got > s->o->batch_bytes)
		got = s->o->batch_bytes;
	buf_reset(&s->chunk);
	if ((rc = buf_grow(&s->chunk, got + t->header.len + 1)))
		return rc;
	if (t->header.len && e->offset > 0) {
		buf_append(&s->chunk, t->header.data, t->header.len);
		buf_putc(&s->chunk, '\n');
	}
	size_t at = s->chunk.len;
	n = pread(t->fd, s->chunk.data + at, got, (off_t)e->offset);
	if (n <= 0)
		return n < 0 ? pp_error_errno(PP_EIO, "read %s", e->path) : 0;
	/* whole lines only, at most limit_events of them; a partial last line waits */
	for (i = 0; i < (size_t)n && lines < s->limit_events; i++) {
		if (s->chunk.data[at + i] == '\n') {
			lines++;
			used = i + 1;
		}
	}
	if (!used)
		return 0;
	s->chunk.len = at + used;
	buf_terminate(&s->chunk);
	s->cur = e;
	s->base_line = e->line;
	s->prefixed = t->header.len && e->offset > 0;
	buf_reset(&s->batch);
	s->nbatch = 0;
	event_limits_from_config(&s->im.limits, s->cfg); /* "now" moves on */
	rc = importer_run(&s->im, s->o->format, e->path, s->chunk.data, s->chunk.len, &ist);
	if (rc && rc != PP_EINVAL)
		return rc;
	if (rc == PP_EINVAL) {
		log_warn("%s", pp_errmsg()); /* a header the format does not know */
		s->st->rejected += lines;
	}
	s->st->lines += lines;
	if (s->nbatch) {
		rc = send_batch(s);
		if (rc == 1)
			return 0; /* stopping: the offset stays, the batch goes again next time */
		if (rc == 2) {
			s->st->lines -= lines;
			return 0; /* smaller batches from the same offset */
		}
		if (rc)
			return rc;
	}
	e->offset += used;
	e->line += lines;
	*sent = true;
	return ship_registry_save(&s->reg, registry);
}

int ship_run(const struct ship_opts *o, const struct config *cfg, struct ship_stats *st)
{
	struct shipper s = { .o = o, .cfg = cfg, .st = st, .limit_events = o->batch_events };
	int rc;

	memset(st, 0, sizeof(*st));
	buf_init(&s.batch, 0);
	buf_init(&s.chunk, 0);
	buf_init(&s.reply, 1 << 20);
	if ((rc = ship_registry_load(&s.reg, o->registry)) ||
	    (rc = ship_client_open(&s.client, o->url, o->key)))
		goto out;
	importer_open(&s.im, NULL, cfg);
	s.sink = (struct import_sink){ &s, on_record, on_reject };
	s.im.sink = &s.sink;
	while (!stopping(&s)) {
		bool any = false;
		size_t i;
		if ((rc = scan(&s)))
			break;
		for (i = 0; i < s.nfiles && !stopping(&s); i++) {
			bool sent;
			if ((rc = step(&s, &s.files[i], o->registry, &sent)))
				goto done;
			any |= sent;
		}
		forget_rotated(&s, time_mono_ns() / 1000000);
		if (!any) {
			if (o->once)
				break;
			usleep((useconds_t)o->poll_ms * 1000);
		}
	}
done:
	importer_close(&s.im);
out:
	for (size_t i = 0; i < s.nfiles; i++) {
		close(s.files[i].fd);
		buf_release(&s.files[i].header);
	}
	pp_free(s.files);
	pp_free(s.batch_lines);
	ship_client_close(s.client);
	ship_registry_release(&s.reg);
	buf_release(&s.batch);
	buf_release(&s.chunk);
	buf_release(&s.reply);
	return rc;
}
