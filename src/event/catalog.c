#include "event/catalog.h"

int catalog_write_category(struct buf *out, struct span category_id, struct span parent_id)
{
	int rc;

	if ((rc = buf_puts(out, "{\"category_id\":")) ||
	    (rc = buf_put_json_str(out, category_id.p, category_id.len)))
		return rc;
	if (parent_id.len && ((rc = buf_puts(out, ",\"parent_id\":")) ||
			      (rc = buf_put_json_str(out, parent_id.p, parent_id.len))))
		return rc;
	return buf_putc(out, '}');
}

int catalog_write_property(struct buf *out, int64_t ts, struct span item_id,
			   struct span property, struct span value)
{
	int rc;

	if ((rc = buf_puts(out, "{\"ts\":")) || (rc = buf_put_i64(out, ts)) ||
	    (rc = buf_puts(out, ",\"item_id\":")) ||
	    (rc = buf_put_json_str(out, item_id.p, item_id.len)) ||
	    (rc = buf_puts(out, ",\"property\":")) ||
	    (rc = buf_put_json_str(out, property.p, property.len)) ||
	    (rc = buf_puts(out, ",\"value\":")) ||
	    (rc = buf_put_json_str(out, value.p, value.len)))
		return rc;
	return buf_putc(out, '}');
}
