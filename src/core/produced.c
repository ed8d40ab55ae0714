/* Noting what a command produced for the pipeline (produced.h). */
#include "core/produced.h"
#include "core/buf.h"
#include "core/log.h"

#include <fcntl.h>
#include <unistd.h>

void produced_note(const char *key, const char *value, int64_t version)
{
	const char *path = getenv(PRODUCED_ENV);
	struct buf line = BUF_INIT;
	int fd;

	if (!path || !*path || !key || !value)
		return;
	buf_putc(&line, '{');
	buf_put_json_str(&line, key, strlen(key));
	buf_putc(&line, ':');
	buf_put_json_str(&line, value, strlen(value));
	if (version >= 0)
		buf_printf(&line, ",\"version\":%" PRId64, version);
	buf_puts(&line, "}\n");
	/* one write of one line with O_APPEND: lines of concurrent writers do not interleave */
	if (line.data && (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) >= 0) {
		if (write(fd, line.data, line.len) != (ssize_t)line.len)
			log_warn("%s: could not note what was produced", path);
		close(fd);
	}
	buf_release(&line);
}
