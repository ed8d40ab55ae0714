#include "lake/s3_sign.h"
#include "core/sha256.h"

int s3_uri_encode(struct buf *out, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = buf_grow(out, n * 3);

	for (size_t i = 0; i < n && !rc; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && keep_slash)) {
			buf_putc_unsafe(out, (char)c);
		} else {
			buf_putc_unsafe(out, '%');
			buf_putc_unsafe(out, hex[c >> 4]);
			buf_putc_unsafe(out, hex[c & 15]);
		}
	}
	if (!rc)
		buf_terminate(out);
	return rc;
}

static void hmac_str(const uint8_t *key, size_t keylen, const char *msg, uint8_t out[32])
{
	hmac_sha256(key, keylen, msg, strlen(msg), out);
}

int s3_authorization(struct buf *out, const struct s3_credentials *c, const char *method,
		     const char *uri, const char *query, const struct s3_header *headers,
		     size_t nheaders, const char *payload_sha256_hex, const char *amz_date)
{
	struct buf creq = BUF_INIT, signed_names = BUF_INIT, sts = BUF_INIT, key = BUF_INIT;
	uint8_t digest[32], k[32];
	char date[9], hex[65];
	int rc = 0;

	memcpy(date, amz_date, 8);
	date[8] = 0;
	/* the canonical request */
	rc = buf_printf(&creq, "%s\n%s\n%s\n", method, uri, query);
	for (size_t i = 0; i < nheaders && !rc; i++) {
		rc = buf_printf(&creq, "%s:%s\n", headers[i].name, headers[i].value);
		if (!rc)
			rc = buf_printf(&signed_names, "%s%s", i ? ";" : "", headers[i].name);
	}
	if (!rc)
		rc = buf_printf(&creq, "\n%s\n%s", signed_names.data, payload_sha256_hex);
	/* the string to sign */
	if (!rc) {
		sha256(creq.data, creq.len, digest);
		sha256_hex(digest, hex);
		rc = buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", amz_date, date,
				c->region, hex);
	}
	/* the signing key: HMAC chain over date, region, service, "aws4_request" */
	if (!rc && !(rc = buf_printf(&key, "AWS4%s", c->secret_key))) {
		hmac_str((const uint8_t *)key.data, key.len, date, k);
		hmac_str(k, 32, c->region, k);
		hmac_str(k, 32, "s3", k);
		hmac_str(k, 32, "aws4_request", k);
		hmac_sha256(k, 32, sts.data, sts.len, digest);
		sha256_hex(digest, hex);
		rc = buf_printf(out, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/s3/aws4_request,SignedHeaders=%s,"
				     "Signature=%s", c->access_key, date, c->region, signed_names.data, hex);
	}
	memset(key.data, 0, key.len);
	buf_release(&creq);
	buf_release(&signed_names);
	buf_release(&sts);
	buf_release(&key);
	return rc;
}
