/*
 * progress.h - one self-overwriting status line on stderr for long jobs.
 *
 * Shown only when enabled (progress_enable: stderr is a terminal, or --progress) and only
 * once a job has run for a second, so short commands stay quiet. progress_update is cheap
 * enough for a per-event call: it reads the clock once every 4096 calls.
 *   simulate: 512,345/1,000,000 events  51%  1.23M events/s  ETA 0s
 */
#ifndef PP_PROGRESS_H
#define PP_PROGRESS_H

#include "core/common.h"

struct progress {
	const char *what;  /* "simulate" */
	const char *unit;  /* "events" */
	uint64_t total;    /* 0 when unknown: no percentage or ETA */
	uint64_t done;
	uint64_t start_ns;
	uint64_t last_ns;
	unsigned tick;
};

/* force: show even when stderr is not a terminal (--progress). */
void progress_enable(bool force);
bool progress_enabled(void);

void progress_start(struct progress *p, const char *what, const char *unit, uint64_t total);
void progress_set(struct progress *p, uint64_t done);
void progress_finish(struct progress *p);

static inline void progress_update(struct progress *p, uint64_t done)
{
	p->done = done;
	if (PP_UNLIKELY((++p->tick & 4095) == 0))
		progress_set(p, done);
}

/* Erases a shown progress line so a log message can print cleanly. */
void progress_clear_line(void);

/* "1,234,567" into out. */
void fmt_count(uint64_t v, char out[32]);
/* "1.23M" style rate into out. */
void fmt_rate(double v, char out[32]);

#endif
