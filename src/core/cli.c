#include "core/cli.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/progress.h"
#include "core/timeutil.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct common_opts {
	const char *config;
	bool progress, quiet, verbose, help;
	const char **sets;
	size_t nsets;
};

static const struct command *find_command(int argc, char **argv, int *used)
{
	size_t i, n0 = strlen(argv[0]);

	/* Two-word subcommands ("lake ls") first, then single words. */
	if (argc > 1) {
		for (i = 0; i < ncommands; i++) {
			const char *nm = commands[i]->name;
			if (strncmp(nm, argv[0], n0) == 0 && nm[n0] == ' ' &&
			    strcmp(nm + n0 + 1, argv[1]) == 0) {
				*used = 2;
				return commands[i];
			}
		}
	}
	for (i = 0; i < ncommands; i++) {
		if (strcmp(commands[i]->name, argv[0]) == 0) {
			*used = 1;
			return commands[i];
		}
	}
	return NULL;
}

static bool has_subcommands(const char *word);

bool cli_is_command(const char *const *words, size_t n)
{
	int used;
	const struct command *c;

	if (!n || n > INT_MAX)
		return false;
	c = find_command((int)n, (char **)words, &used);
	return c && (used == 2 || !(n > 1 && has_subcommands(words[0])));
}

static bool has_subcommands(const char *word)
{
	size_t i, n = strlen(word);

	for (i = 0; i < ncommands; i++)
		if (strncmp(commands[i]->name, word, n) == 0 && commands[i]->name[n] == ' ')
			return true;
	return false;
}

/* The width of the command column: the longest name. */
static int name_width(void)
{
	size_t w = 0;

	for (size_t i = 0; i < ncommands; i++)
		if (strlen(commands[i]->name) > w)
			w = strlen(commands[i]->name);
	return (int)w;
}

static void print_overview(FILE *f)
{
	size_t i;

	fprintf(f, "usage: ppredict <command> [options] [args]\n\n"
		   "Real-time e-commerce purchase prediction.\n\ncommands:\n");
	for (i = 0; i < ncommands; i++)
		fprintf(f, "  %-*s %s\n", name_width(), commands[i]->name, commands[i]->summary);
	fprintf(f, "\ncommon options: -c FILE (config), --set KEY=VALUE, --progress, -q, -v\n"
		   "'ppredict help <command>' shows a command's options.\n");
}

static void print_opt(FILE *f, const struct cli_opt *o)
{
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	fprintf(f, "  %-28s %s", left, o->help);
	if (o->def && o->type != OPT_FLAG)
		fprintf(f, " (default: %s)", o->def);
	fputc('\n', f);
}

static void print_command_help(FILE *f, const struct command *c)
{
	size_t i;

	fprintf(f, "usage: ppredict %s [options]%s%s\n\n%s\n", c->name, c->usage ? " " : "",
		c->usage ? c->usage : "", c->summary);
	if (c->details)
		fprintf(f, "\n%s\n", c->details);
	if (c->nopts) {
		fprintf(f, "\noptions:\n");
		for (i = 0; i < c->nopts; i++)
			print_opt(f, &c->opts[i]);
	}
	fprintf(f, "\ncommon options:\n"
		   "  -c, --config FILE            configuration file (else $PPREDICT_CONFIG, "
		   "./ppredict.yaml)\n"
		   "      --set KEY=VALUE          override one configuration key\n"
		   "      --progress               show progress even when stderr is not a terminal\n"
		   "  -q, --quiet                  only errors on stderr\n"
		   "  -v, --verbose                debug messages on stderr\n");
}

static int usage_error(const struct command *c, const char *fmt, ...) PP_PRINTF(2, 3);
static int usage_error(const struct command *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ppredict %s: %s\n", c->name, msg);
	fprintf(stderr, "usage: ppredict %s [options]%s%s (see 'ppredict help %s')\n", c->name,
		c->usage ? " " : "", c->usage ? c->usage : "", c->name);
	return EXIT_USAGE;
}

static int set_value(const struct command *c, const struct cli_opt *o, void *opts,
		     const char *v, bool from_default)
{
	char *field = (char *)opts + o->offset;
	size_t n = strlen(v);
	int64_t i64;
	double d;
	bool bounded = o->min != 0 || o->max != 0;

	switch (o->type) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_STR:
		*(const char **)field = v;
		return 0;
	case OPT_INT:
		if (parse_int64(v, n, &i64) || (bounded && (i64 < o->min || i64 > o->max)))
			break;
		*(int64_t *)field = i64;
		return 0;
	case OPT_DOUBLE:
		if (parse_double(v, n, &d) || (bounded && (d < o->min || d > o->max)))
			break;
		*(double *)field = d;
		return 0;
	case OPT_TIME:
		if (time_parse(v, n, &i64))
			break;
		*(int64_t *)field = i64;
		return 0;
	}
	if (from_default)
		return EXIT_FAIL;
	if (o->type == OPT_TIME)
		return usage_error(c, "--%s: expected a date (YYYY-MM-DD) or RFC 3339 time, got '%s'",
				   o->name, v);
	if (bounded)
		return usage_error(c, o->type == OPT_INT ? "--%s: expected a whole number from %.0f to %.0f, got '%s'"
							 : "--%s: expected a number from %g to %g, got '%s'",
				   o->name, o->min, o->max, v);
	return usage_error(c, "--%s: expected a %s, got '%s'", o->name,
			   o->type == OPT_INT ? "whole number" : "number", v);
}

static const struct cli_opt *match_opt(const struct command *c, const char *name, size_t n,
				       char short_name)
{
	size_t i;

	for (i = 0; i < c->nopts; i++) {
		const struct cli_opt *o = &c->opts[i];
		if (short_name ? o->short_name == short_name
			       : strlen(o->name) == n && memcmp(o->name, name, n) == 0)
			return o;
	}
	return NULL;
}

/* Common options; returns 1 when `arg` was one (and *i advanced past its value). */
static int match_common(const struct command *c, struct common_opts *co, int argc, char **argv,
			int *i, int *err)
{
	const char *a = argv[*i];
	const char *val = NULL;

	if (!strcmp(a, "--progress"))
		co->progress = true;
	else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
		co->quiet = true;
	else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
		co->verbose = true;
	else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		co->help = true;
	else if (!strcmp(a, "-c") || !strcmp(a, "--config") || !strcmp(a, "--set")) {
		if (*i + 1 >= argc) {
			*err = usage_error(c, "%s needs a value", a);
			return 1;
		}
		val = argv[++*i];
	} else if (!strncmp(a, "--config=", 9)) {
		val = a + 9;
	} else if (!strncmp(a, "--set=", 6)) {
		val = a + 6;
	} else {
		return 0;
	}
	if (val && (!strcmp(a, "--set") || !strncmp(a, "--set=", 6))) {
		const char **ns = pp_realloc(co->sets, sizeof(*ns) * (co->nsets + 1));
		if (!ns) {
			*err = EXIT_FAIL;
			return 1;
		}
		co->sets = ns;
		co->sets[co->nsets++] = val;
	} else if (val) {
		co->config = val;
	}
	return 1;
}

/* Parses argv[0..argc) into opts and co; positional arguments are compacted into argv. */
static int parse_args(const struct command *c, void *opts, struct common_opts *co, int *argc,
		      char **argv)
{
	int i, npos = 0, err = 0;
	bool only_pos = false;

	for (i = 0; i < *argc; i++) {
		char *a = argv[i];
		const struct cli_opt *o = NULL;
		const char *val = NULL;

		if (only_pos || a[0] != '-' || !strcmp(a, "-")) {
			argv[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (match_common(c, co, *argc, argv, &i, &err)) {
			if (err)
				return err;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			o = match_opt(c, a + 2, n, 0);
			val = eq ? eq + 1 : NULL;
		} else if (a[2] == '\0') {
			o = match_opt(c, NULL, 0, a[1]);
		}
		if (!o)
			return usage_error(c, "unknown option '%s'", a);
		if (o->type == OPT_FLAG) {
			if (val)
				return usage_error(c, "--%s takes no value", o->name);
			set_value(c, o, opts, "", false);
			continue;
		}
		if (!val) {
			if (i + 1 >= *argc)
				return usage_error(c, "--%s needs a value (%s)", o->name,
						   o->arg ? o->arg : "VALUE");
			val = argv[++i];
		}
		if ((err = set_value(c, o, opts, val, false)))
			return err;
	}
	*argc = npos;
	if (npos < c->min_args)
		return usage_error(c, "missing arguments");
	if (c->max_args >= 0 && npos > c->max_args)
		return usage_error(c, "unexpected argument '%s'", argv[c->max_args]);
	return 0;
}

static int apply_config(struct cmd_ctx *ctx, const struct common_opts *co)
{
	static const char *levels[] = { "error", "warn", "info", "debug" };
	size_t i;
	int rc;

	rc = config_load(&ctx->cfg, co->config);
	if (rc)
		return rc;
	for (i = 0; i < co->nsets; i++) {
		char key[128];
		const char *eq = strchr(co->sets[i], '=');
		if (!eq || (size_t)(eq - co->sets[i]) >= sizeof(key))
			return pp_error(PP_EUSAGE, "--set: expected KEY=VALUE, got '%s'", co->sets[i]);
		memcpy(key, co->sets[i], (size_t)(eq - co->sets[i]));
		key[eq - co->sets[i]] = '\0';
		if ((rc = config_set(&ctx->cfg, key, eq + 1, "--set")))
			return rc;
	}
	for (i = 0; i < ARRAY_SIZE(levels); i++)
		if (!strcmp(ctx->cfg.log_level, levels[i]))
			log_set_level((enum log_level)i);
	if (co->quiet)
		log_set_level(LOG_ERROR);
	if (co->verbose)
		log_set_level(LOG_DEBUG);
	return 0;
}

static int run_command(const struct command *c, int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct cmd_ctx ctx = { .cmd = c };
	void *opts = NULL;
	size_t i;
	int rc;

	log_set_command(c->name);
	opts = pp_calloc(1, c->opts_size ? c->opts_size : 1);
	if (!opts) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	for (i = 0; i < c->nopts; i++) {
		if (c->opts[i].def && c->opts[i].type != OPT_FLAG &&
		    set_value(c, &c->opts[i], opts, c->opts[i].def, true)) {
			log_error("internal: bad default for --%s", c->opts[i].name);
			rc = EXIT_FAIL;
			goto out;
		}
	}
	rc = parse_args(c, opts, &co, &argc, argv);
	if (rc)
		goto out;
	if (co.help) {
		print_command_help(stdout, c);
		goto out;
	}
	progress_enable(co.progress);
	ctx.progress = co.progress;
	ctx.config_path = co.config;
	ctx.sets = co.sets;
	ctx.nsets = co.nsets;
	rc = apply_config(&ctx, &co);
	if (!rc)
		rc = c->fn(&ctx, opts, argc, argv);
	if (rc) {
		progress_clear_line();
		if (rc == PP_EUSAGE) {
			fprintf(stderr, "ppredict %s: %s\n", c->name, pp_errmsg());
			rc = EXIT_USAGE;
		} else {
			fprintf(stderr, "ppredict %s: %s\n", c->name, pp_errmsg());
			rc = EXIT_FAIL;
		}
	}
	config_release(&ctx.cfg);
out:
	pp_free(co.sets);
	pp_free(opts);
	return rc;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	int used;

	if (argc == 0) {
		print_overview(stdout);
		return EXIT_OK;
	}
	c = find_command(argc, argv, &used);
	if (!c || (used == 1 && argc > 1 && has_subcommands(argv[0]))) {
		if (has_subcommands(argv[0])) {
			size_t i, n = strlen(argv[0]);
			printf("'%s' commands:\n", argv[0]);
			for (i = 0; i < ncommands; i++)
				if (!strncmp(commands[i]->name, argv[0], n) && commands[i]->name[n] == ' ')
					printf("  %-*s %s\n", name_width(), commands[i]->name,
					       commands[i]->summary);
			return EXIT_OK;
		}
		fprintf(stderr, "ppredict help: no command '%s' (see 'ppredict help')\n", argv[0]);
		return EXIT_USAGE;
	}
	print_command_help(stdout, c);
	return EXIT_OK;
}

/*
 * `ppredict -c FILE simulate ...` works like `ppredict simulate -c FILE ...`: common
 * options given before the command are moved after it. Returns the new argc.
 */
static int hoist_common_options(int argc, char **argv)
{
	int lead = 1, i;

	while (lead < argc && argv[lead][0] == '-' && strcmp(argv[lead], "--version") &&
	       strcmp(argv[lead], "-h") && strcmp(argv[lead], "--help")) {
		bool takes_value = !strcmp(argv[lead], "-c") || !strcmp(argv[lead], "--config") ||
				   !strcmp(argv[lead], "--set");
		lead += takes_value && lead + 1 < argc ? 2 : 1;
	}
	if (lead == 1 || lead >= argc)
		return argc;
	/* rotate argv[1..lead) to the end: the command comes first */
	for (int k = 1; k < lead; k++) {
		char *moved = argv[1];
		for (i = 1; i + 1 < argc; i++)
			argv[i] = argv[i + 1];
		argv[argc - 1] = moved;
	}
	return argc;
}

int cli_main(int argc, char **argv)
{
	const struct command *c;
	int used = 0;

	argc = hoist_common_options(argc, argv);
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("ppredict %s\n", PP_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 2, argv + 2);
	c = find_command(argc - 1, argv + 1, &used);
	if (!c) {
		if (has_subcommands(argv[1])) {
			fprintf(stderr, "ppredict %s: %s '%s' (see 'ppredict help %s')\n", argv[1],
				argc > 2 ? "unknown subcommand" : "missing subcommand",
				argc > 2 ? argv[2] : "", argv[1]);
			return EXIT_USAGE;
		}
		fprintf(stderr, "ppredict: '%s' is not a command (see 'ppredict help')\n", argv[1]);
		return EXIT_USAGE;
	}
	return run_command(c, argc - 1 - used, argv + 1 + used);
}
