/* Quality reports in the lake (report_store.h). */
#include "quality/report_store.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <unistd.h>

int report_store(struct lake_fs *fs, const char *kind, const json_t *report, int64_t ms,
		 char *where, size_t where_size)
{
	char stamp[32], path[200];
	char *text = json_dumps(report, JSON_COMPACT);
	struct iovec iov;
	int rc;

	if (!text)
		return PP_ENOMEM;
	time_format_rfc3339(ms, stamp);
	for (char *p = stamp; *p; p++) /* a name without ':' */
		if (*p == ':' || *p == '.')
			*p = '-';
	snprintf(path, sizeof(path), QUALITY_DIR "/%s/%s-%08x.json", kind, stamp, (unsigned)getpid());
	iov = (struct iovec){ text, strlen(text) };
	if (!(rc = fs->ops->put(fs, path, &iov, 1, false))) {
		char latest[160];
		snprintf(latest, sizeof(latest), QUALITY_DIR "/%s/latest.json", kind);
		rc = fs->ops->put(fs, latest, &iov, 1, false);
	}
	snprintf(where, where_size, "%s", path);
	free(text); /* jansson's */
	return rc;
}

int report_latest(struct lake_fs *fs, const char *kind, json_t **report)
{
	struct buf text = BUF_INIT;
	char path[160];
	json_error_t jerr;
	int rc;

	*report = NULL;
	snprintf(path, sizeof(path), QUALITY_DIR "/%s/latest.json", kind);
	if ((rc = fs->ops->get(fs, path, 0, UINT64_MAX, &text)))
		goto out;
	if (!(*report = json_loadb(text.data ? text.data : "", text.len, 0, &jerr)))
		rc = pp_error(PP_ECORRUPT, "%s: %s (line %d)", path, jerr.text, jerr.line);
out:
	buf_release(&text);
	return rc;
}

int quality_gate(struct lake_fs *fs)
{
	json_t *run, *suites;
	struct buf why = BUF_INIT;
	size_t failed = 0;
	int rc = report_latest(fs, "checks", &run);

	if (rc == PP_ENOENT)
		return pp_error(PP_ENOENT, "no quality check has run (`ppredict check`)");
	if (rc)
		return rc;
	suites = json_object_get(run, "suites");
	for (size_t i = 0; i < json_array_size(suites); i++) {
		const json_t *suite = json_array_get(suites, i), *results = json_object_get(suite, "results");
		const char *table = json_string_value(json_object_get(
			json_object_get(json_object_get(suite, "meta"), "batch_spec"), "table"));
		for (size_t k = 0; k < json_array_size(results); k++) {
			const json_t *one = json_array_get(results, k), *conf = json_object_get(one, "expectation_config");
			const char *sev = json_string_value(json_object_get(json_object_get(conf, "meta"), "severity"));
			if (json_is_true(json_object_get(one, "success")) || (sev && !strcmp(sev, "warn")))
				continue;
			if (failed++ < 5)
				buf_printf(&why, "%s%s %s(%s)", failed > 1 ? ", " : "", table ? table : "?",
					   json_string_value(json_object_get(conf, "expectation_type")),
					   json_string_value(json_object_get(json_object_get(conf, "kwargs"), "column"))
						   ?: "table");
		}
	}
	json_decref(run);
	if (failed)
		rc = pp_error(PP_EINVAL, "quality gate: %zu expectation%s of severity error failed in the "
			      "latest check: %s%s", failed, failed == 1 ? "" : "s", why.data ? why.data : "",
			      failed > 5 ? ", ..." : "");
	buf_release(&why);
	return rc;
}
