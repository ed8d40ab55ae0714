/*
 * s3_sign.h - AWS Signature Version 4 for S3 requests (the Authorization header).
 *
 * The caller gives the request's parts already in canonical form: the URI path encoded
 * (s3_uri_encode, '/' kept), the query string with its parameters sorted and encoded,
 * and the headers to sign (lower-case names, sorted, values trimmed; host,
 * x-amz-content-sha256 and x-amz-date at least).
 */
#ifndef PP_S3_SIGN_H
#define PP_S3_SIGN_H

#include "core/buf.h"

struct s3_header {
	const char *name, *value;
};

struct s3_credentials {
	const char *access_key, *secret_key, *session_token; /* token may be NULL */
	const char *region;
};

/* RFC 3986 percent-encoding of all but A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash). */
int s3_uri_encode(struct buf *out, const char *s, size_t n, bool keep_slash);

/* amz_date: "YYYYMMDDTHHMMSSZ". Appends "AWS4-HMAC-SHA256 Credential=..., ..." to out. */
int s3_authorization(struct buf *out, const struct s3_credentials *c, const char *method,
		     const char *uri, const char *query, const struct s3_header *headers,
		     size_t nheaders, const char *payload_sha256_hex, const char *amz_date);

#endif
