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
