#include "core/progress.h"
#include "core/timeutil.h"

#include <unistd.h>

static int enabled = -1; /* -1: not decided yet */
static bool line_shown;

void progress_enable(bool force)
{
	enabled = force || isatty(STDERR_FILENO);
}

bool progress_enabled(void)
{
	if (enabled < 0)
		progress_enable(false);
	return enabled;
}

void fmt_count(uint64_t v, char out[32])
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v), i, o = 0;

	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = '\0';
}

void fmt_rate(double v, char out[32])
{
	if (v >= 1e9)
		snprintf(out, 32, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(out, 32, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(out, 32, "%.1fk", v / 1e3);
	else
		snprintf(out, 32, "%.0f", v);
}

void progress_start(struct progress *p, const char *what, const char *unit, uint64_t total)
{
	p->what = what;
	p->unit = unit;
	p->total = total;
	p->done = 0;
	p->start_ns = p->last_ns = time_mono_ns();
	p->tick = 0;
}

static void draw(struct progress *p, uint64_t now)
{
	double secs = (double)(now - p->start_ns) / 1e9;
	double rate = secs > 0 ? (double)p->done / secs : 0;
	char done[32], total[32], r[32];

	fmt_count(p->done, done);
	fmt_rate(rate, r);
	if (p->total) {
		double pct = 100.0 * (double)p->done / (double)p->total;
		double eta = rate > 0 && p->total > p->done ? (double)(p->total - p->done) / rate : 0;
		fmt_count(p->total, total);
		fprintf(stderr, "\r\033[K%s: %s/%s %s  %3.0f%%  %s %s/s  ETA %.0fs", p->what, done,
			total, p->unit, pct > 100 ? 100 : pct, r, p->unit, eta);
	} else {
		fprintf(stderr, "\r\033[K%s: %s %s  %s %s/s  %.0fs", p->what, done, p->unit, r,
			p->unit, secs);
	}
	fflush(stderr);
	line_shown = true;
}

void progress_set(struct progress *p, uint64_t done)
{
	uint64_t now;

	p->done = done;
	if (!progress_enabled())
		return;
	now = time_mono_ns();
	if (now - p->start_ns < 1000000000ull || now - p->last_ns < 200000000ull)
		return;
	p->last_ns = now;
	draw(p, now);
}

void progress_finish(struct progress *p)
{
	if (line_shown) {
		draw(p, time_mono_ns());
		fputc('\n', stderr);
		line_shown = false;
	}
}

void progress_clear_line(void)
{
	if (line_shown) {
		fputs("\r\033[K", stderr);
		line_shown = false;
	}
}
