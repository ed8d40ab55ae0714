#include "core/outfile.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"

#include <sys/stat.h>
#include <unistd.h>

bool out_file_is_special(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

int out_file_open(struct out_file *o, const char *path)
{
	struct buf t = BUF_INIT;
	const char *base = path_base(path);
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->path = pp_strdup(path);
	if (!o->path)
		return PP_ENOMEM;
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	if (out_file_is_special(path)) {
		o->f = fopen(path, "w");
		return o->f ? 0 : pp_error_errno(PP_EIO, "cannot open %s", path);
	}
	/* The directory is created as needed: --out data/rr/events.csv just works. */
	if ((rc = buf_printf(&t, "%.*s", (int)(base - path), path)))
		goto out;
	if (t.len > 1 && (rc = fs_mkdir_p(t.data)))
		goto out;
	if ((rc = buf_printf(&t, ".%s.tmp-%ld", base, (long)getpid())))
		goto out;
	o->f = fopen(t.data, "w");
	if (!o->f) {
		rc = pp_error_errno(PP_EIO, "cannot create %s", t.data);
		goto out;
	}
	o->tmp = buf_detach(&t, NULL);
	if (!o->tmp)
		rc = PP_ENOMEM;
out:
	buf_release(&t);
	return rc;
}

int out_file_write(struct out_file *o, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, o->f) != n)
		return pp_error_errno(PP_EIO, "write %s", o->path);
	return 0;
}

int out_file_close(struct out_file *o, bool commit)
{
	int rc = 0;

	if (!o->f)
		goto out;
	if (o->f == stdout) {
		if (fflush(stdout))
			rc = pp_error_errno(PP_EIO, "write stdout");
	} else if (!o->tmp) {
		if (fclose(o->f))
			rc = pp_error_errno(PP_EIO, "write %s", o->path);
	} else {
		if (fflush(o->f) || fsync(fileno(o->f)))
			rc = pp_error_errno(PP_EIO, "write %s", o->tmp);
		fclose(o->f);
		if (!rc && commit && rename(o->tmp, o->path))
			rc = pp_error_errno(PP_EIO, "rename %s", o->tmp);
		if (rc || !commit)
			unlink(o->tmp);
	}
out:
	o->f = NULL;
	pp_free(o->tmp);
	pp_free(o->path);
	o->tmp = o->path = NULL;
	return rc;
}
