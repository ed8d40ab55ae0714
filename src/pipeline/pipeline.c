/* A configured DAG and what its runs need (pipeline.h). */
#include "pipeline/pipeline.h"
#include "core/buf.h"
#include "core/cli.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/timeutil.h"
#include "lake/lake_fs.h"
#include "lake/raw.h"
#include "pipeline/run_lock.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

static int load_dag(struct pipeline *p)
{
	const struct config *cfg = p->cfg;
	struct buf path = BUF_INIT, text = BUF_INIT;
	int rc;

	if (!cfg->pipeline_dag || !*cfg->pipeline_dag)
		return dag_default(&p->dag, cli_is_command);
	/* relative to the configuration file's directory, as the other paths in it */
	if (cfg->pipeline_dag[0] != '/' && cfg->base_dir)
		rc = path_join(&path, cfg->base_dir, cfg->pipeline_dag);
	else
		rc = buf_puts(&path, cfg->pipeline_dag);
	if (!rc && (rc = fs_read_file(path.data, &text)))
		rc = pp_error_wrap(rc, "pipeline.dag");
	if (!rc)
		rc = dag_parse(&p->dag, path.data, text.data ? text.data : "", text.len, cli_is_command);
	buf_release(&path);
	buf_release(&text);
	return rc;
}

int pipeline_open(struct pipeline *p, const struct config *cfg, const char *config_path,
		  const char *const *sets, size_t nsets)
{
	ssize_t n;
	int rc;

	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->config_path = config_path ? config_path : cfg->source;
	p->sets = sets;
	p->nsets = nsets;
	if ((n = readlink("/proc/self/exe", p->exe, sizeof(p->exe) - 1)) <= 0)
		return pp_error_errno(PP_EIO, "cannot find this program's path (/proc/self/exe)");
	p->exe[n] = 0;
	if (cfg->pipeline_dir[0] == '/')
		snprintf(p->dir, sizeof(p->dir), "%s", cfg->pipeline_dir);
	else if (strstr(cfg->lake_root, "://"))
		return pp_error(PP_ECONFIG, "pipeline.dir: %s is relative to lake.root, which is not a local "
				"directory (%s): give an absolute path", cfg->pipeline_dir, cfg->lake_root);
	else
		snprintf(p->dir, sizeof(p->dir), "%s/%s", cfg->lake_root, cfg->pipeline_dir);
	{ /* absolute: the history's log paths are read by processes in other directories */
		char abs[PATH_MAX];
		if ((rc = fs_mkdir_p(p->dir)))
			return pp_error_wrap(rc, "pipeline.dir");
		if (!realpath(p->dir, abs) || strlen(abs) >= sizeof(p->dir))
			return pp_error_errno(PP_EIO, "pipeline.dir %s", p->dir);
		memcpy(p->dir, abs, strlen(abs) + 1);
	}
	if ((rc = load_dag(p)))
		return rc;
	if ((rc = tz_load(&p->tz, p->dag.timezone, NULL))) {
		dag_release(&p->dag);
		return pp_error_wrap(rc, "%s: timezone", p->dag.file);
	}
	return 0;
}

void pipeline_close(struct pipeline *p)
{
	dag_release(&p->dag);
	tz_release(&p->tz);
}

size_t pipeline_argv(const struct pipeline *p, const char *const *args, size_t n, const char **argv)
{
	size_t k = 0;

	argv[k++] = p->exe;
	if (p->config_path) {
		argv[k++] = "-c";
		argv[k++] = p->config_path;
	}
	for (size_t i = 0; i < p->nsets; i++) {
		argv[k++] = "--set";
		argv[k++] = p->sets[i];
	}
	for (size_t i = 0; i < n; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	return k;
}

int pipeline_path(const struct pipeline *p, const char *name, char *out, size_t n)
{
	if ((size_t)snprintf(out, n, "%s/%s", p->dir, name) >= n)
		return pp_error(PP_ELIMIT, "pipeline.dir: %s/%s is too long a path", p->dir, name);
	return 0;
}

int pipeline_lock_path(const struct pipeline *p, char *out, size_t n)
{
	char name[80];

	snprintf(name, sizeof(name), "%s.lock", p->dag.name);
	return pipeline_path(p, name, out, n);
}

void pipeline_lock_holder(const struct pipeline *p, char *out, size_t n)
{
	char lock[1300];

	out[0] = 0;
	if (!pipeline_lock_path(p, lock, sizeof(lock)))
		run_lock_holder(lock, out, n);
}

/* The UTC instant of a local wall time given as ms since the epoch (the zone's offset found
 * at the guess, then at the corrected guess). */
static int64_t local_to_utc(const struct pipeline *p, int64_t local)
{
	int64_t utc = local - (int64_t)tz_offset(&p->tz, local) * MS_PER_SEC;

	return local - (int64_t)tz_offset(&p->tz, utc) * MS_PER_SEC;
}

int pipeline_day_start(const struct pipeline *p, const char *date, int64_t *ms)
{
	int64_t local;

	if (strlen(date) != 10 || time_parse(date, 10, &local))
		return pp_error(PP_EUSAGE, "'%s': expected a date (YYYY-MM-DD)", date);
	*ms = local_to_utc(p, local);
	return 0;
}

int64_t pipeline_next_day(const struct pipeline *p, int64_t day_ms)
{
	int64_t local = day_ms + (int64_t)tz_offset(&p->tz, day_ms) * MS_PER_SEC;

	return local_to_utc(p, floor_div(local, MS_PER_DAY) * MS_PER_DAY + MS_PER_DAY);
}

static void local_date(const struct pipeline *p, int64_t ms, char out[11])
{
	struct civil c;

	civil_from_ms(ms + (int64_t)tz_offset(&p->tz, ms) * MS_PER_SEC, &c);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)c.year % 10000u, (unsigned)c.month % 100u, (unsigned)c.day % 100u);
}

void pipeline_interval_dates(const struct pipeline *p, int64_t start, int64_t end, char from[11], char to[11])
{
	local_date(p, start, from);
	local_date(p, end > start ? end - 1 : start, to);
}

int pipeline_data_state(const struct pipeline *p, char version[17], int64_t *newest_day)
{
	struct lake_fs *fs = NULL;
	struct raw_segment_list l;
	uint64_t h = 0;
	int64_t newest = INT64_MIN;
	int rc;

	if ((rc = lake_fs_open_config(&fs, p->cfg)))
		return rc;
	rc = raw_list_segments(fs, raw_zone_dir("events"), false, &l);
	lake_fs_close(fs);
	if (rc)
		return rc;
	/* the segments' names and sizes, in the listing's order (by path) */
	for (size_t i = 0; i < l.n; i++) {
		h = pp_hash64(l.seg[i].path, strlen(l.seg[i].path), h ^ l.seg[i].size);
		if (l.seg[i].partition > newest)
			newest = l.seg[i].partition;
	}
	snprintf(version, 17, "%016" PRIx64, (uint64_t)(h ^ l.n));
	/* the newest partition's UTC day, taken as that date in the DAG's zone */
	*newest_day = newest == INT64_MIN ? -1 : local_to_utc(p, floor_div(newest, MS_PER_DAY) * MS_PER_DAY);
	raw_segment_list_release(&l);
	return 0;
}

json_t *pipeline_json(const struct pipeline *p)
{
	const struct dag *d = &p->dag;
	json_t *tasks = json_array(), *j;
	char next[32] = "", holder[300];
	int64_t nx;

	pipeline_lock_holder(p, holder, sizeof(holder));
	if (d->schedule_text && (nx = cron_next(&d->schedule, &p->tz, time_now_ms())) > 0)
		time_format_rfc3339(nx, next);
	for (size_t i = 0; i < d->ntasks; i++) {
		const struct dag_task *t = &d->tasks[d->order[i]];
		json_t *deps = json_array(), *args = json_array();
		for (size_t k = 0; k < t->ndeps; k++)
			json_array_append_new(deps, json_string(d->tasks[t->deps[k]].name));
		for (size_t k = 0; k < t->nargs; k++)
			json_array_append_new(args, json_string(t->args[k]));
		json_array_append_new(tasks, json_pack("{s:s,s:o,s:o,s:i,s:f,s:f,s:b,s:b}", "name", t->name, "command",
						       args, "depends_on", deps, "retries", t->retries, "retry_delay_s",
						       (double)t->retry_delay_ms / 1000.0, "timeout_s",
						       (double)t->timeout_ms / 1000.0, "depends_on_past", t->depends_on_past,
						       "soft", t->soft));
	}
	j = json_pack("{s:s,s:s,s:s?,s:s,s:b,s:s,s:o}", "dag", d->name, "file", d->file, "schedule", d->schedule_text,
		      "timezone", d->timezone, "catchup", d->catchup, "next_run", next, "tasks", tasks);
	json_object_set_new(j, "lock_holder", holder[0] ? json_string(holder) : json_null());
	return j;
}
