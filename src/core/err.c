#include "core/err.h"

static _Thread_local char errmsg[1024];
static _Thread_local int errcode;

const char *pp_strerror(int code)
{
	switch (code) {
#define X(name, value, desc) \
	case value:          \
		return desc;
		PP_ERRORS(X)
#undef X
	}
	return "unknown error";
}

int pp_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	errcode = code;
	return code;
}

int pp_error_errno(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	n = strlen(errmsg);
	if (n < sizeof(errmsg))
		snprintf(errmsg + n, sizeof(errmsg) - n, ": %s", strerror(saved));
	errcode = code;
	return code;
}

int pp_error_wrap(int code, const char *fmt, ...)
{
	char prefix[512];
	char old[sizeof(errmsg)];
	va_list ap;

	memcpy(old, errmsg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (errcode == code && old[0])
		snprintf(errmsg, sizeof(errmsg), "%s: %s", prefix, old);
	else
		snprintf(errmsg, sizeof(errmsg), "%s: %s", prefix, pp_strerror(code));
	errcode = code;
	return code;
}

const char *pp_errmsg(void)
{
	if (errmsg[0])
		return errmsg;
	return pp_strerror(errcode);
}

void pp_error_clear(void)
{
	errmsg[0] = '\0';
	errcode = 0;
}
