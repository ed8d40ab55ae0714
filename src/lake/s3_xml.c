#include "lake/s3_xml.h"

static const struct {
	const char *ent;
	char c;
} entities[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
		 { "&apos;", '\'' } };

/* A numeric reference &#NN; or &#xNN; of an ASCII character at p (before end): its
 * length, or 0. */
static size_t numeric_ref(const char *p, const char *end, char *c)
{
	bool hex = end - p > 3 && p[2] == 'x';
	const char *d = p + (hex ? 3 : 2);
	unsigned v = 0;
	size_t n = 0;

	for (; d < end && n < 4; d++, n++) {
		int x = *d >= '0' && *d <= '9' ? *d - '0'
			: hex && *d >= 'a' && *d <= 'f' ? *d - 'a' + 10
			: hex && *d >= 'A' && *d <= 'F' ? *d - 'A' + 10 : -1;
		if (x < 0)
			break;
		v = v * (hex ? 16 : 10) + (unsigned)x;
	}
	if (!n || d >= end || *d != ';' || !v || v > 127)
		return 0;
	*c = (char)v;
	return (size_t)(d + 1 - p);
}

bool s3_xml_value(const char *xml, size_t len, const char *tag, size_t *from, struct buf *out)
{
	char open[64], close[64];
	const char *p, *q;
	size_t on, cn;

	buf_reset(out);
	if (*from > len)
		return false;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	on = strlen(open);
	cn = strlen(close);
	if (!(p = memmem(xml + *from, len - *from, open, on)))
		return false;
	p += on;
	if (!(q = memmem(p, (size_t)(xml + len - p), close, cn)))
		return false;
	*from = (size_t)(q - xml) + cn;
	while (p < q) {
		size_t k, n = 0;
		char c = *p;
		if (*p == '&') {
			for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
				size_t el = strlen(entities[k].ent);
				if ((size_t)(q - p) >= el && !memcmp(p, entities[k].ent, el)) {
					c = entities[k].c;
					n = el;
					break;
				}
			}
			if (!n && q - p > 2 && p[1] == '#')
				n = numeric_ref(p, q, &c);
		}
		if (buf_putc(out, c))
			return false;
		p += n ? n : 1;
	}
	return true;
}
