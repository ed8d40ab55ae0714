/*
 * cli.h - the command table and table-driven option parsing.
 *
 * Each command declares its options once, as a table of {name, type, offset, default,
 * help}; main() uses the table to fill the command's options struct (defaults first,
 * then argv), to print `ppredict help <command>`, and to reject unknown options. The
 * common options (-c, --set, --progress, -q, -v, -h) are parsed for every command.
 * Option values of type OPT_STR point into argv and are never freed.
 */
#ifndef PP_CLI_H
#define PP_CLI_H

#include "core/common.h"
#include "core/config.h"

enum opt_type {
	OPT_FLAG,   /* bool, no argument */
	OPT_STR,    /* const char * */
	OPT_INT,    /* int64_t, with min/max */
	OPT_DOUBLE, /* double, with min/max */
	OPT_TIME,   /* int64_t ms: a date or RFC 3339 time */
};

struct cli_opt {
	const char *name; /* long name, without "--" */
	char short_name;  /* 0 for none */
	enum opt_type type;
	size_t offset;
	const char *def; /* default as text, or NULL */
	const char *arg; /* placeholder in help: "N", "FILE" */
	const char *help;
	double min, max; /* OPT_INT / OPT_DOUBLE bounds (both 0: unbounded) */
};

/* What every command gets besides its own options. */
struct cmd_ctx {
	const struct command *cmd;
	struct config cfg;
	const char *config_path;
	const char *const *sets; /* the --set KEY=VALUE given, for commands that start others */
	size_t nsets;
	bool progress;
};

struct command {
	const char *name; /* "simulate", or "lake ls" for a subcommand */
	int (*fn)(struct cmd_ctx *ctx, void *opts, int argc, char **argv);
	const char *summary;
	const char *usage; /* positional part: "[DIR]", "FILE..." */
	const struct cli_opt *opts;
	size_t nopts;
	size_t opts_size; /* sizeof the options struct */
	int min_args, max_args; /* positional count; max -1 = any */
	const char *details; /* longer help text, or NULL */
};

#define CMD_OPTS(table, type) .opts = (table), .nopts = ARRAY_SIZE(table), .opts_size = sizeof(type)

extern const struct command *const commands[];
extern const size_t ncommands;

/* Whether the first words name a command ("etl", "models promote"). */
bool cli_is_command(const char *const *words, size_t n);

/* Runs ppredict with argv; returns the process exit code (0, 1 failure, 2 usage). */
int cli_main(int argc, char **argv);

#endif
