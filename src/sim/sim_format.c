#include "sim/sim_format.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "event/catalog.h"
#include "event/event.h"
#include "event/sessionize.h"

#include <math.h>

static const char *const root_names[] = {
	"electronics", "appliances", "computers", "apparel", "furniture", "kids", "construction",
	"sport", "auto", "accessories", "country_yard", "medicine", "stationery",
};
static const char *const leaf_names[] = {
	"smartphone", "tablet", "headphone", "video.tv", "kitchen.washer", "notebook", "shoes",
	"sofa", "toys", "tools.drill", "bicycle", "bag", "clocks", "audio.acoustic", "camera",
};

int sim_format_parse(const char *name, enum sim_format *out)
{
	if (!strcmp(name, "ndjson"))
		*out = SIM_NDJSON;
	else if (!strcmp(name, "retailrocket"))
		*out = SIM_RETAILROCKET;
	else if (!strcmp(name, "rees46"))
		*out = SIM_REES46;
	else
		return PP_EINVAL;
	return 0;
}

int sim_format_header(enum sim_format f, struct buf *out)
{
	switch (f) {
	case SIM_RETAILROCKET:
		return buf_puts(out, "timestamp,visitorid,event,itemid,transactionid\n");
	case SIM_REES46:
		return buf_puts(out, "event_time,event_type,product_id,category_id,category_code,"
				     "brand,price,user_id,user_session\n");
	default:
		return 0;
	}
}

static uint32_t price_cents(const struct sim *s, const struct sim_event *ev)
{
	uint32_t c = s->items[ev->item].price_cents;

	/* After the drift date prices are 15% higher. */
	if (s->p.drift_at && ev->ts >= s->p.drift_at)
		c = (uint32_t)((uint64_t)c * 115 / 100);
	return c;
}

/* Decimal digits of v at the end of tmp[24]; printf is too slow for the per-event path. */
static struct span u64_span(char *tmp, uint64_t v)
{
	char *p = tmp + 24;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return (struct span){ p, (size_t)(tmp + 24 - p) };
}

static struct span hex_span(char *tmp, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		tmp[i] = digits[v & 15];
	return (struct span){ tmp, 16 };
}

/* A probability as "0.123456" (8 places), without printf. */
static int put_prob(struct buf *out, double p)
{
	char tmp[24];
	uint64_t v = (uint64_t)(p * 1e8 + 0.5);
	int rc;

	if (p >= 1)
		return buf_putc(out, '1');
	if ((rc = buf_puts(out, "0.")))
		return rc;
	for (int i = 7; i >= 0; i--, v /= 10)
		tmp[i] = (char)('0' + v % 10);
	return buf_append(out, tmp, 8);
}

static int put_cents(struct buf *out, uint32_t cents)
{
	return buf_printf(out, "%u.%02u", cents / 100, cents % 100);
}

static int ndjson_event(const struct sim *s, const struct sim_event *ev, struct buf *out)
{
	char vid[24], iid[24], cid[24], tid[24], eid[24];
	struct event e;
	int rc;

	event_clear(&e);
	e.ts = ev->ts;
	e.type = (enum event_type)ev->type;
	e.visitor_id = u64_span(vid, sim_visitor_id(s, ev->visitor));
	e.item_id = u64_span(iid, s->items[ev->item].id);
	e.category_id = u64_span(cid, s->cats[s->items[ev->item].category].id);
	e.price = price_cents(s, ev) / 100.0;
	if (ev->txn)
		e.transaction_id = u64_span(tid, ev->txn);
	e.event_id = hex_span(eid, ev->seq * 0x9e3779b97f4a7c15ull ^ s->p.seed);
	if ((rc = event_write_json(&e, out)))
		return rc;
	return buf_putc(out, '\n');
}

static const char *rees46_type(uint8_t t)
{
	static const char *const names[] = { "view", "cart", "remove_from_cart", "purchase" };
	return names[t & 3];
}

static int rees46_time(struct buf *out, int64_t ts)
{
	struct civil c;

	civil_from_ms(ts, &c);
	return buf_printf(out, "%04d-%02d-%02d %02d:%02d:%02d UTC", c.year, c.month, c.day, c.hour,
			  c.min, c.sec);
}

static int rees46_category_code(const struct sim *s, uint32_t cat, struct buf *out)
{
	uint32_t root = cat;

	/* About a third of categories have no code, as in the real export. */
	if (cat % 3 == 2)
		return 0;
	while (s->cats[root].parent >= 0)
		root = (uint32_t)s->cats[root].parent;
	return buf_printf(out, "%s.%s", root_names[root % ARRAY_SIZE(root_names)],
			  leaf_names[cat % ARRAY_SIZE(leaf_names)]);
}

static int rees46_session(const struct sim *s, const struct sim_event *ev, struct buf *out)
{
	uint64_t st = s->p.seed ^ ((uint64_t)ev->visitor << 20) ^ ev->session;
	uint64_t a = splitmix64(&st), b = splitmix64(&st);

	return buf_printf(out, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
			  a >> 32, (a >> 16) & 0xffff, a & 0xfff, 0x8000 | (b >> 48 & 0x3fff),
			  b & (uint64_t)0xffffffffffff);
}

static int rees46_event(const struct sim *s, const struct sim_event *ev, struct buf *out)
{
	const struct sim_item *it = &s->items[ev->item];
	int rc;

	if ((rc = rees46_time(out, ev->ts)) ||
	    (rc = buf_printf(out, ",%s,%" PRIu64 ",%" PRIu64 ",", rees46_type(ev->type), it->id,
			     (uint64_t)2053013552226107603 + s->cats[it->category].id)) ||
	    (rc = rees46_category_code(s, it->category, out)) ||
	    (rc = (it->brand % 5 == 4 ? buf_puts(out, ",,") : buf_printf(out, ",brand%u,", it->brand))) ||
	    (rc = put_cents(out, price_cents(s, ev))) ||
	    (rc = buf_printf(out, ",%" PRIu64 ",", 500000000 + sim_visitor_id(s, ev->visitor))) ||
	    (rc = rees46_session(s, ev, out)))
		return rc;
	return buf_putc(out, '\n');
}

int sim_format_event(const struct sim *s, enum sim_format f, const struct sim_event *ev,
		     struct buf *out)
{
	switch (f) {
	case SIM_NDJSON:
		return ndjson_event(s, ev, out);
	case SIM_REES46:
		return rees46_event(s, ev, out);
	case SIM_RETAILROCKET:
		if (ev->type == EV_REMOVEFROMCART)
			return 1;
		if (ev->txn)
			return buf_printf(out, "%" PRId64 ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu32 "\n",
					  ev->ts, sim_visitor_id(s, ev->visitor),
					  event_type_name(ev->type), s->items[ev->item].id, ev->txn);
		return buf_printf(out, "%" PRId64 ",%" PRIu64 ",%s,%" PRIu64 ",\n", ev->ts,
				  sim_visitor_id(s, ev->visitor), event_type_name(ev->type),
				  s->items[ev->item].id);
	}
	return PP_EINVAL;
}

int sim_format_malformed(const struct sim *s, enum sim_format f, uint64_t kind,
			 const struct sim_event *near, struct buf *out)
{
	uint64_t vid = sim_visitor_id(s, near->visitor), iid = s->items[near->item].id;
	size_t start = out->len;
	int rc;

	kind %= 6;
	if (f == SIM_NDJSON) {
		switch (kind) {
		case 0: /* cut off mid-object, as by a crashed tracker */
			if ((rc = ndjson_event(s, near, out)))
				return rc;
			out->len = start + (out->len - start) / 2;
			return buf_putc(out, '\n');
		case 1:
			return buf_printf(out, "{\"ts\":%" PRId64 ",\"visitor_id\":\"%" PRIu64 "\","
				"\"event\":\"click\",\"item_id\":\"%" PRIu64 "\"}\n", near->ts, vid, iid);
		case 2:
			return buf_printf(out, "{\"ts\":%" PRId64 ",\"visitor_id\":\"%" PRIu64 "\","
				"\"event\":\"view\",\"item_id\":\"%" PRIu64 "\",\"price\":-4.99}\n",
				near->ts, vid, iid);
		case 3:
			return buf_printf(out, "{\"ts\":%" PRId64 ",\"event\":\"view\",\"item_id\":\"%"
				PRIu64 "\"}\n", near->ts, iid);
		case 4:
			return buf_printf(out, "{\"ts\":\"yesterday\",\"visitor_id\":\"%" PRIu64 "\","
				"\"event\":\"view\",\"item_id\":\"%" PRIu64 "\"}\n", vid, iid);
		default:
			return buf_puts(out, "<html><body>502 Bad Gateway</body></html>\n");
		}
	}
	if (f == SIM_RETAILROCKET) {
		switch (kind) {
		case 0:
			return buf_printf(out, "%" PRId64 ",%" PRIu64 ",view\n", near->ts, vid);
		case 1:
			return buf_printf(out, "14332213x2117,%" PRIu64 ",view,%" PRIu64 ",\n", vid, iid);
		case 2:
			return buf_printf(out, "%" PRId64 ",%" PRIu64 ",click,%" PRIu64 ",\n", near->ts,
					  vid, iid);
		case 3:
			return buf_printf(out, "%" PRId64 ",,view,%" PRIu64 ",\n", near->ts, iid);
		case 4:
			return buf_printf(out, "%" PRId64 ",%" PRIu64 ",transaction,%" PRIu64 ",\n",
					  near->ts, vid, iid);
		default:
			return buf_puts(out, "\"unterminated,quote\n");
		}
	}
	switch (kind) {
	case 0:
		return buf_puts(out, "2019-10-01 00:00:00 UTC,view,44600062\n");
	case 1:
		return buf_printf(out, "2019-13-45 00:00:00 UTC,view,%" PRIu64 ",1,,,1.00,%" PRIu64
				  ",x\n", iid, vid);
	case 2:
		return buf_printf(out, "2019-10-01 00:00:00 UTC,wishlist,%" PRIu64 ",1,,,1.00,%" PRIu64
				  ",x\n", iid, vid);
	case 3:
		return buf_printf(out, "2019-10-01 00:00:00 UTC,view,%" PRIu64 ",1,,,-1.00,%" PRIu64
				  ",x\n", iid, vid);
	case 4:
		return buf_printf(out, "2019-10-01 00:00:00 UTC,view,%" PRIu64 ",1,,,abc,%" PRIu64
				  ",x\n", iid, vid);
	default:
		return buf_printf(out, "2019-10-01 00:00:00 UTC,view,,1,,,1.00,%" PRIu64 ",x\n", vid);
	}
}

int sim_format_categories(const struct sim *s, bool csv, struct buf *out)
{
	char a[24], b[24];
	uint32_t k;
	int rc = csv ? buf_puts(out, "categoryid,parentid\n") : 0;

	for (k = 0; k < s->ncats && !rc; k++) {
		const struct sim_category *c = &s->cats[k];
		struct span parent = { NULL, 0 };
		if (c->parent >= 0)
			parent = u64_span(b, s->cats[c->parent].id);
		if (csv) {
			rc = buf_printf(out, "%" PRIu64 ",%.*s\n", c->id, (int)parent.len,
					parent.p ? parent.p : "");
			continue;
		}
		if (!(rc = catalog_write_category(out, u64_span(a, c->id), parent)))
			rc = buf_putc(out, '\n');
	}
	return rc;
}

static int property(struct buf *out, bool csv, int64_t ts, uint64_t item, const char *prop,
		    const char *value)
{
	char tmp[24];
	int rc;

	if (csv)
		return buf_printf(out, "%" PRId64 ",%" PRIu64 ",%s,%s\n", ts, item, prop, value);
	rc = catalog_write_property(out, ts, u64_span(tmp, item), span_of(prop), span_of(value));
	return rc ? rc : buf_putc(out, '\n');
}

int sim_format_item_properties(const struct sim *s, bool csv, struct buf *out)
{
	int rc = csv ? buf_puts(out, "timestamp,itemid,property,value\n") : 0;
	int64_t snap[2] = { s->p.start_ms, s->p.drift_at };
	char v[48];
	uint32_t i;
	int k;

	/* A snapshot at the start, and another at the drift when prices changed. */
	for (k = 0; k < (s->p.drift_at ? 2 : 1) && !rc; k++) {
		for (i = 0; i < s->nitems && !rc; i++) {
			const struct sim_item *it = &s->items[i];
			uint32_t cents = k ? (uint32_t)((uint64_t)it->price_cents * 115 / 100)
					   : it->price_cents;
			snprintf(v, sizeof(v), "%" PRIu64, s->cats[it->category].id);
			if (!(rc = property(out, csv, snap[k], it->id, "categoryid", v)) &&
			    !(rc = property(out, csv, snap[k], it->id, "available",
					    it->available ? "1" : "0"))) {
				snprintf(v, sizeof(v), "n%u.%02u0", cents / 100, cents % 100);
				rc = property(out, csv, snap[k], it->id, "790", v);
			}
		}
	}
	return rc;
}

int sim_truth_header(struct buf *out)
{
	return buf_puts(out, "session_id,visitor_id,start_ts,events,intent,propensity,purchased,"
			     "bot\n");
}

int sim_truth_line(const struct sim *s, const struct sim_session_truth *t, struct buf *out)
{
	struct buf id = BUF_INIT;
	char vid[24];
	struct span v = u64_span(vid, sim_visitor_id(s, t->visitor));
	int rc = session_id_format(&id, v, t->start_ts);

	if (!rc && !(rc = buf_append(out, id.data, id.len)) && !(rc = buf_putc(out, ',')) &&
	    !(rc = buf_append(out, v.p, v.len)) && !(rc = buf_putc(out, ',')) &&
	    !(rc = buf_put_i64(out, t->start_ts)) && !(rc = buf_putc(out, ',')) &&
	    !(rc = buf_put_u64(out, t->events)) && !(rc = buf_putc(out, ',')) &&
	    !(rc = put_prob(out, t->intent)) && !(rc = buf_putc(out, ',')) &&
	    !(rc = put_prob(out, t->propensity)))
		rc = buf_puts(out, t->purchased ? (t->bot ? ",1,1\n" : ",1,0\n")
						: (t->bot ? ",0,1\n" : ",0,0\n"));
	buf_release(&id);
	return rc;
}
