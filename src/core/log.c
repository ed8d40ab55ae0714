#include "core/log.h"
#include "core/progress.h"

static const char *command = "";
static enum log_level level = LOG_INFO;

void log_set_command(const char *cmd)
{
	command = cmd ? cmd : "";
}

void log_set_level(enum log_level l)
{
	level = l;
}

enum log_level log_get_level(void)
{
	return level;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	static const char *tags[] = { "", "warning: ", "", "debug: " };
	char line[2048];
	va_list ap;

	if (l > level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	progress_clear_line();
	if (command[0])
		fprintf(stderr, "ppredict %s: %s%s\n", command, tags[l], line);
	else
		fprintf(stderr, "ppredict: %s%s\n", tags[l], line);
}
