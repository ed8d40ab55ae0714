/* ppredict import: users' clickstream files into the raw zone (see src/ingest/import.h). */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "core/hash.h"
#include "ingest/manifest.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct import_opts {
	const char *format;
	bool json, force;
};

static const struct cli_opt import_options[] = {
	{ "format", 'f', OPT_STR, offsetof(struct import_opts, format), NULL, "FMT",
	  "retailrocket, rees46 or ndjson (required)" },
	{ "force", 0, OPT_FLAG, offsetof(struct import_opts, force), NULL, NULL,
	  "import files even if the same content was imported before" },
	{ "json", 0, OPT_FLAG, offsetof(struct import_opts, json), NULL, NULL,
	  "print the counts as JSON" },
};

/* The whole file, mapped read-only (or read, for stdin and pipes). */
struct input {
	const char *text;
	size_t len;
	void *map;
	struct buf owned;
};

static int input_open(struct input *in, const char *path)
{
	struct stat st;
	int fd, rc = 0;

	memset(in, 0, sizeof(*in));
	buf_init(&in->owned, 0);
	if (!strcmp(path, "-"))
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pp_error_errno(PP_EIO, "cannot open %s", path);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		in->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (in->map == MAP_FAILED) {
			in->map = NULL;
			rc = pp_error_errno(PP_EIO, "cannot map %s", path);
		} else {
			madvise(in->map, (size_t)st.st_size, MADV_SEQUENTIAL);
			in->text = in->map;
			in->len = (size_t)st.st_size;
		}
	} else if (!S_ISREG(st.st_mode)) {
		char chunk[65536];
		ssize_t r;
		while ((r = read(fd, chunk, sizeof(chunk))) > 0)
			if ((rc = buf_append(&in->owned, chunk, (size_t)r)))
				break;
		if (r < 0)
			rc = pp_error_errno(PP_EIO, "read %s", path);
		in->text = in->owned.data;
		in->len = in->owned.len;
	}
	close(fd);
	return rc;
}

static void input_close(struct input *in)
{
	if (in->map)
		munmap(in->map, in->len);
	buf_release(&in->owned);
}

static void print_skipped(const char *what, int64_t when, bool json, bool last)
{
	char at[32];

	time_format_rfc3339(when, at);
	if (json)
		printf("{\"file\":\"%s\",\"skipped\":true,\"imported_at\":\"%s\"}%s\n", what, at,
		       last ? "" : ",");
	else
		printf("%s: skipped, the same content was imported at %s (--force imports it "
		       "again)\n", what, at);
}

static void print_counts(const char *what, const struct import_stats *s, bool json, bool last)
{
	char a[32], b[32], c[32];

	if (json) {
		printf("{\"file\":\"%s\",\"rows\":%" PRIu64 ",\"accepted\":%" PRIu64 ",\"rejected\":%"
		       PRIu64 ",\"blank\":%" PRIu64 ",\"events\":%" PRIu64 ",\"categories\":%" PRIu64
		       ",\"item_properties\":%" PRIu64 "}%s\n", what, s->rows, s->accepted, s->rejected,
		       s->blank, s->by_kind[KIND_EVENTS], s->by_kind[KIND_CATEGORIES],
		       s->by_kind[KIND_ITEM_PROPERTIES], last ? "" : ",");
		return;
	}
	fmt_count(s->rows, a);
	fmt_count(s->accepted, b);
	fmt_count(s->rejected, c);
	printf("%s: %s rows, %s accepted, %s rejected", what, a, b, c);
	if (s->blank)
		printf(" (%" PRIu64 " blank line%s skipped)", s->blank, s->blank == 1 ? "" : "s");
	printf("\n");
}

static void add_stats(struct import_stats *t, const struct import_stats *s)
{
	int k;

	t->rows += s->rows;
	t->accepted += s->accepted;
	t->rejected += s->rejected;
	t->blank += s->blank;
	for (k = 0; k < KIND__COUNT; k++)
		t->by_kind[k] += s->by_kind[k];
}

static int run_import(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct import_opts *o = vopts;
	const struct import_format *fmt;
	struct import_stats total = { 0 };
	struct lake_fs *fs = NULL;
	struct import_manifest manifest;
	struct importer im;
	struct {
		uint64_t hash, size;
		struct import_stats st;
		bool record;
	} *done = NULL;
	struct progress prog;
	uint64_t t0 = time_mono_ns(), bytes = 0;
	int i, rc, failed = 0;
	char rate[32];

	if (!o->format)
		return pp_error(PP_EUSAGE, "--format is required (retailrocket, rees46 or ndjson)");
	fmt = import_format_find(o->format);
	if (!fmt)
		return pp_error(PP_EUSAGE, "--format: expected retailrocket, rees46 or ndjson, got '%s'",
				o->format);
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		return rc;
	if ((rc = import_manifest_load(fs, &manifest))) {
		lake_fs_close(fs);
		return rc;
	}
	done = pp_calloc((size_t)argc, sizeof(*done));
	if (!done) {
		import_manifest_release(&manifest);
		lake_fs_close(fs);
		return PP_ENOMEM;
	}
	importer_open(&im, fs, &ctx->cfg);
	for (i = 0; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0)
			bytes += (uint64_t)st.st_size;
	}
	progress_start(&prog, "import", "rows", 0);
	im.prog = &prog;
	im.total_bytes = bytes;
	if (o->json)
		printf("{\"files\":[\n");
	for (i = 0; i < argc; i++) {
		struct import_stats st = { 0 };
		struct input in;
		int64_t when;
		bool is_stdin = !strcmp(argv[i], "-");
		rc = input_open(&in, argv[i]);
		if (!rc && !is_stdin) {
			done[i].size = in.len;
			done[i].hash = pp_hash64(in.text, in.len, 0);
			if (!o->force && import_manifest_find(&manifest, done[i].hash, in.len, &when)) {
				input_close(&in);
				progress_clear_line();
				print_skipped(argv[i], when, o->json, i + 1 == argc);
				continue;
			}
		}
		if (!rc)
			rc = importer_run(&im, fmt, argv[i], in.text, in.len, &st);
		input_close(&in);
		done[i].st = st;
		done[i].record = rc == 0 && !is_stdin;
		if (rc == PP_ENOMEM || rc == PP_EIO) {
			progress_clear_line();
			break;
		}
		if (rc) {
			log_error("%s", pp_errmsg());
			failed++;
		}
		progress_clear_line();
		print_counts(argv[i], &st, o->json, i + 1 == argc);
		add_stats(&total, &st);
		rc = 0;
	}
	progress_finish(&prog);
	{
		int rc2 = importer_close(&im);
		rc = rc ? rc : rc2;
	}
	/* Recorded only now that the rows are durable. */
	if (!rc) {
		bool any = false;
		for (i = 0; i < argc && !rc; i++) {
			if (!done[i].record)
				continue;
			any = true;
			rc = import_manifest_add(&manifest, argv[i], fmt->name, done[i].size,
						 done[i].hash, im.imported_at, &done[i].st);
		}
		if (!rc && any)
			rc = import_manifest_save(fs, &manifest);
	}
	import_manifest_release(&manifest);
	pp_free(done);
	lake_fs_close(fs);
	if (rc)
		return rc;
	double secs = (double)(time_mono_ns() - t0) / 1e9;
	fmt_rate(secs > 0 ? (double)total.rows / secs : 0, rate);
	if (o->json) {
		printf("],\"total\":");
		print_counts("total", &total, true, true);
		printf(",\"seconds\":%.3f}\n", secs);
	} else {
		if (argc > 1)
			print_counts("total", &total, false, true);
		printf("%.2f s, %s rows/s; stored in %s/raw%s\n", secs, rate, ctx->cfg.lake_root,
		       total.rejected ? ", rejected rows in raw/quarantine (ppredict lake cat "
				       "--zone quarantine)" : "");
	}
	if (failed)
		return pp_error(PP_EINVAL, "%d of %d files could not be imported", failed, argc);
	return 0;
}

const struct command cmd_import = {
	.name = "import",
	.fn = run_import,
	.summary = "import RetailRocket, REES46 or NDJSON files into the raw zone",
	.usage = "FILE...",
	CMD_OPTS(import_options, struct import_opts),
	.min_args = 1,
	.max_args = -1,
	.details = "Rows that fail validation go to raw/quarantine with file, line and reason;\n"
		   "the rest are stored. RetailRocket's category_tree.csv and\n"
		   "item_properties*.csv are recognised by their headers ('-' reads stdin).",
};
