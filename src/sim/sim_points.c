/*
 * sim_points.c - the points file beside the simulator's truth (format in sim_points.h).
 */
#include "sim/sim_points.h"
#include "core/err.h"

#define RECORD 20

static void put_le(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int sim_points_append(struct buf *out, const struct sim_session_truth *t,
		      const struct sim_point *p, uint32_t n)
{
	uint32_t flags = (t->purchased ? 1u : 0u) | (t->bot ? 2u : 0u), i;
	int rc;

	for (i = 0; i < n; i++) {
		unsigned char r[RECORD];
		uint32_t a, b;
		memcpy(&a, &p[i].latent, 4);
		memcpy(&b, &p[i].observable, 4);
		put_le(r, (uint64_t)t->start_ts, 8);
		put_le(r + 8, a, 4);
		put_le(r + 12, b, 4);
		put_le(r + 16, flags, 4);
		if ((rc = buf_append(out, r, RECORD)))
			return rc;
	}
	return 0;
}

int sim_points_auc(const void *data, size_t len, const char *what, int64_t from, int64_t to,
		   struct sim_points_auc *out)
{
	const unsigned char *d = data;
	struct auc_hist latent = { 0 }, observable = { 0 };
	size_t off;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len < 8 || memcmp(d, SIM_POINTS_MAGIC, 8))
		return pp_error(PP_ECORRUPT, "%s: not a points file (expected it to start with %s)",
				what, SIM_POINTS_MAGIC);
	if ((len - 8) % RECORD)
		return pp_error(PP_ECORRUPT, "%s: %zu bytes after the header is not a whole number "
				"of %d-byte records", what, len - 8, RECORD);
	if ((rc = auc_hist_init(&latent)) || (rc = auc_hist_init(&observable)))
		goto out;
	for (off = 8; off < len; off += RECORD) {
		int64_t start = (int64_t)get_le(d + off, 8);
		uint32_t a = (uint32_t)get_le(d + off + 8, 4), b = (uint32_t)get_le(d + off + 12, 4);
		uint32_t flags = (uint32_t)get_le(d + off + 16, 4);
		float fa, fb;
		if (start < from || start > to || (flags & 2))
			continue;
		memcpy(&fa, &a, 4);
		memcpy(&fb, &b, 4);
		auc_hist_add(&latent, fa, flags & 1);
		auc_hist_add(&observable, fb, flags & 1);
		out->points++;
		out->positives += flags & 1;
	}
	out->latent = auc_hist_value(&latent);
	out->observable = auc_hist_value(&observable);
out:
	auc_hist_release(&latent);
	auc_hist_release(&observable);
	return rc;
}
