/*
 * ids.h: identifiers. Row ids (UUIDv7: time-ordered, so indexes stay append-mostly), random
 * UUIDv4, correlation ids, and W3C Trace Context (traceparent) parsing and formatting.
 *
 * A correlation id is the 32-hex-digit trace id when the request came with a valid traceparent,
 * else a sanitised X-Correlation-ID (printable, at most 64 chars from [A-Za-z0-9._:-]), else a
 * new random trace id. Using the trace id means seam's ids line up with tracing systems.
 * Thread-safety: all functions are reentrant.
 */
#ifndef SEAM_CORE_IDS_H
#define SEAM_CORE_IDS_H

#include <stddef.h>
#include <stdint.h>

#define SEAM_UUID_STR_LEN 37   /* 36 chars + NUL */
#define SEAM_CID_MAX 65        /* correlation id: at most 64 chars + NUL */

/* UUIDv7 (RFC 9562) in canonical lower-case form. */
void seam_id_new(char out[SEAM_UUID_STR_LEN]);
/* UUIDv4. */
void seam_uuid4(char out[SEAM_UUID_STR_LEN]);
/* 1 when s is a canonical UUID (any version, either case). */
int seam_uuid_valid(const char *s);

/* traceparent "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>". Returns 0 and fills
 * trace_id (33 bytes) / parent_id (17 bytes) / flags when valid (version 00, not all-zero ids,
 * lower-case hex), -1 otherwise. Any out pointer may be NULL. As the W3C spec asks, a later
 * version (01..fe; ff is invalid) is read with the 00 layout when it is exactly 55 chars or
 * continues with '-' after them. */
int seam_traceparent_parse(const char *tp, char trace_id[33], char parent_id[17], uint8_t *flags);
/* Writes a traceparent for trace_id with a new random parent (span) id, flags 01. A trace_id
 * that is not 32 hex digits is first mapped as by seam_cid_trace_id. */
void seam_traceparent_make(const char *trace_id, char out[56]);

/* Chooses the correlation id from the two inbound header values (either may be NULL). */
void seam_cid_from_headers(const char *traceparent, const char *x_correlation_id,
			   char out[SEAM_CID_MAX]);
/* A new random correlation id (32 hex digits, usable as a trace id). */
void seam_cid_new(char out[SEAM_CID_MAX]);
/* A trace id (32 hex) for outbound traceparent: cid itself when it is 32 hex digits, else the
 * first 32 hex of SHA-256(cid) so one cid maps to one trace. */
void seam_cid_trace_id(const char *cid, char out[33]);

#endif
