/*
 * s3_xml.h - reading S3's XML answers (ListObjectsV2, multipart uploads, errors): not an
 * XML parser, a finder of <Tag>text</Tag> elements, which is all these answers need.
 */
#ifndef PP_S3_XML_H
#define PP_S3_XML_H

#include "core/buf.h"

/*
 * Finds the next <tag>...</tag> in xml[*from, len), puts its text with the five
 * predefined entities and numeric ASCII references decoded in out (reset first), and
 * moves *from past it. False when there is none (out is then empty).
 */
bool s3_xml_value(const char *xml, size_t len, const char *tag, size_t *from, struct buf *out);

#endif
