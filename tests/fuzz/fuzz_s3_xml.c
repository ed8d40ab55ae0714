/* Fuzz target: S3's XML answers as the S3 backend reads them (listings, uploads,
 * errors). Whatever the bytes, values come out no longer than the input and the search
 * moves forward. */
#include "fuzz.h"
#include "lake/s3_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tags[] = { "Contents", "Key", "Size", "IsTruncated",
					    "NextContinuationToken", "UploadId", "Code", "Message" };
	struct buf out = BUF_INIT, inner = BUF_INIT;
	const char *xml = (const char *)data;

	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		size_t from = 0, before;
		for (int i = 0; i < 64; i++) {
			before = from;
			if (!s3_xml_value(xml, size, tags[t], &from, &out))
				break;
			FUZZ_ASSERT(from > before && from <= size);
			FUZZ_ASSERT(out.len <= size);
			size_t at = 0; /* an element inside another, as listings nest them */
			if (s3_xml_value(out.data, out.len, "Key", &at, &inner))
				FUZZ_ASSERT(inner.len <= out.len && at <= out.len);
		}
	}
	buf_release(&out);
	buf_release(&inner);
	return 0;
}
