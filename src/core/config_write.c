/* config_write.c - the commented example ppredict.yaml and the effective-config dump. */
#include "core/config_internal.h"
#include "core/timeutil.h"

static int put_comment(struct buf *out, const char *indent, const char *text)
{
	int rc = 0;

	while (*text && !rc) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		rc = buf_printf(out, "%s# %.*s\n", indent, (int)len, text);
		text += len + (nl ? 1 : 0);
	}
	return rc;
}

static int section_header(struct buf *out, const char *key, const char **last)
{
	const char *dot = strchr(key, '.');
	size_t n = (size_t)(dot - key);

	if (*last && strncmp(*last, key, n) == 0 && (*last)[n] == '.')
		return 0;
	*last = key;
	return buf_printf(out, "%s%.*s:\n", out->len ? "\n" : "", (int)n, key);
}

int config_write_example(struct buf *out)
{
	const char *last = NULL;
	size_t i;
	int rc;

	rc = buf_puts(out, "# ppredict configuration. Every key is optional: a missing key takes the\n"
			   "# default shown. Unknown keys are errors. Relative paths are relative to\n"
			   "# this file's directory. Durations: 500ms 30s 30m 1h 7d; sizes: 64KiB 8MiB.\n");
	for (i = 0; i < config_noptions && !rc; i++) {
		const struct cfg_option *o = &config_options[i];
		const char *dot = strchr(o->key, '.');
		rc = section_header(out, o->key, &last);
		if (!rc)
			rc = put_comment(out, "  ", o->help);
		if (rc)
			break;
		if (o->type == CFG_KEYS)
			rc = buf_printf(out, "  %s: []\n", dot + 1);
		else if (!o->def[0]) /* an empty string, not YAML's null */
			rc = buf_printf(out, "  %s: \"\"\n", dot + 1);
		else
			rc = buf_printf(out, "  %s: %s\n", dot + 1, o->def);
	}
	return rc;
}

int config_dump(const struct config *c, struct buf *out)
{
	const char *last = NULL;
	char when[32];
	size_t i, k;
	int rc = 0;

	for (i = 0; i < config_noptions && !rc; i++) {
		const struct cfg_option *o = &config_options[i];
		const char *name = strchr(o->key, '.') + 1;
		const char *base = (const char *)c + o->offset;
		if ((rc = section_header(out, o->key, &last)))
			break;
		switch (o->type) {
		case CFG_STRING:
		case CFG_PATH:
		case CFG_ENUM:
		case CFG_URL:
		case CFG_ADDR:
			rc = buf_printf(out, "  %s: \"%s\"\n", name, *(char *const *)base);
			break;
		case CFG_INT:
		case CFG_DURATION:
			rc = buf_printf(out, "  %s: %" PRId64 "%s\n", name, *(const int64_t *)base,
					o->type == CFG_DURATION ? "ms" : "");
			break;
		case CFG_SIZE:
			rc = buf_printf(out, "  %s: %" PRIu64 "\n", name, *(const uint64_t *)base);
			break;
		case CFG_BOOL:
			rc = buf_printf(out, "  %s: %s\n", name, *(const bool *)base ? "true" : "false");
			break;
		case CFG_TIME:
			time_format_rfc3339(*(const int64_t *)base, when);
			rc = buf_printf(out, "  %s: %s\n", name, when);
			break;
		case CFG_KEYS:
			rc = buf_printf(out, "  %s:%s\n", name, c->nkeys ? "" : " []");
			for (k = 0; k < c->nkeys && !rc; k++)
				rc = buf_printf(out, "    - name: %s\n      scopes: [%s%s%s]\n",
						c->keys[k].name,
						c->keys[k].scopes & SCOPE_INGEST ? "ingest " : "",
						c->keys[k].scopes & SCOPE_PREDICT ? "predict " : "",
						c->keys[k].scopes & SCOPE_ADMIN ? "admin" : "");
			break;
		}
	}
	return rc;
}

