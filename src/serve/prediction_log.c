/* The sampled prediction log in the raw zone (prediction_log.h). */
#include "serve/prediction_log.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/ticker.h"
#include "core/timeutil.h"
#include "features/registry.h"
#include "lake/raw.h"

#include <math.h>
#include <pthread.h>

#define FLUSH_EVERY_MS 60000
#define FLUSH_BYTES (4u << 20)

struct prediction_log {
	pthread_mutex_t mu;
	struct ticker flusher; /* writes what waits every FLUSH_EVERY_MS */
	struct raw_writer raw;
	double sample;
	struct buf line;
	size_t pending;
	uint64_t dropped;
};

static void flush_locked(struct prediction_log *pl)
{
	if (!pl->pending)
		return;
	if (raw_writer_flush(&pl->raw)) {
		pl->dropped += pl->pending;
		log_warn("prediction log: %s (%" PRIu64 " records lost so far)", pp_errmsg(), pl->dropped);
		pp_error_clear();
	}
	pl->pending = 0;
}

static void flush_tick(void *arg)
{
	struct prediction_log *pl = arg;

	pthread_mutex_lock(&pl->mu);
	flush_locked(pl);
	pthread_mutex_unlock(&pl->mu);
}

int prediction_log_open(struct prediction_log **out, struct lake_fs *fs, const struct config *cfg)
{
	struct prediction_log *pl;
	struct raw_writer_opts o;
	int rc;

	*out = NULL;
	if (cfg->predict_log_permille <= 0)
		return 0;
	if (!(pl = pp_calloc(1, sizeof(*pl))))
		return PP_ENOMEM;
	raw_writer_opts_default(&o, "raw/predictions", "serve");
	o.zstd_level = (int)cfg->zstd_level;
	o.memory_limit = 2 * FLUSH_BYTES;
	o.flushers = 1;
	if ((rc = raw_writer_open(&pl->raw, fs, &o))) {
		pp_free(pl);
		return pp_error_wrap(rc, "the prediction log (raw/predictions)");
	}
	pthread_mutex_init(&pl->mu, NULL);
	buf_init(&pl->line, 0);
	pl->sample = (double)cfg->predict_log_permille / 1000.0;
	if ((rc = ticker_start(&pl->flusher, FLUSH_EVERY_MS, flush_tick, pl))) {
		prediction_log_close(pl);
		return rc;
	}
	*out = pl;
	return 0;
}

int prediction_log_close(struct prediction_log *pl)
{
	int rc;

	if (!pl)
		return 0;
	ticker_stop(&pl->flusher);
	rc = raw_writer_close(&pl->raw);
	buf_release(&pl->line);
	pthread_mutex_destroy(&pl->mu);
	pp_free(pl);
	return rc;
}

bool prediction_log_sampled(struct prediction_log *pl)
{
	static __thread uint64_t x;

	if (!pl)
		return false;
	if (pl->sample >= 1)
		return true;
	if (!x)
		x = time_mono_ns() ^ (uint64_t)(uintptr_t)&x;
	x ^= x << 13; /* xorshift64 */
	x ^= x >> 7;
	x ^= x << 17;
	return (double)(x >> 11) / 9007199254740992.0 < pl->sample;
}

void prediction_log_add(struct prediction_log *pl, int64_t at, const char *model, const char *keys_json,
			const struct feature_registry *r, const double *vec, double probability, bool label,
			uint64_t latency_ns)
{
	int64_t now = time_now_ms();
	char when[32], at_text[32];

	if (!pl)
		return;
	time_format_rfc3339(now, when);
	time_format_rfc3339(at, at_text);
	pthread_mutex_lock(&pl->mu);
	buf_reset(&pl->line);
	buf_printf(&pl->line, "{\"ts\":\"%s\",\"at\":\"%s\",\"model_version\":\"%s\",%s\"probability\":%.9g,"
		   "\"label\":%s,\"latency_us\":%.1f,\"features\":{", when, at_text, model, keys_json, probability,
		   label ? "true" : "false", (double)latency_ns / 1000.0);
	for (size_t i = 0; i < r->nfeatures; i++) {
		buf_printf(&pl->line, "%s\"%s\":", i ? "," : "", r->names[i]);
		if (isnan(vec[i]) || isinf(vec[i]))
			buf_puts(&pl->line, "null");
		else
			buf_printf(&pl->line, "%.9g", vec[i]);
	}
	buf_puts(&pl->line, "}}");
	if (raw_writer_add(&pl->raw, now, pl->line.data, pl->line.len)) {
		pl->dropped++;
		pp_error_clear();
	} else {
		pl->pending++;
	}
	if (pl->raw.buffered >= FLUSH_BYTES)
		flush_locked(pl);
	pthread_mutex_unlock(&pl->mu);
}
