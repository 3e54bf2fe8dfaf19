/*
 * server_config.c: the `http:` section's table (see server_config.h).
 */
#include "http/server_config.h"

#include <stddef.h>

#define F(fld) offsetof(seam_http_config_t, fld)

static const seam_cfg_field_t fields[] = {
	{"threads", SEAM_CFG_INT, F(threads), 0, "4",
	 "HTTP event loop threads (handlers run on them).", NULL, NULL, 1, 256},
	{"body_limit", SEAM_CFG_SIZE, F(body_limit), 0, "1MiB",
	 "Largest request body accepted; larger gets 413.", NULL, NULL, 1024, 1LL << 30},
	{"request_timeout", SEAM_CFG_DURATION, F(request_timeout_ms), 0, "30s",
	 "A keep-alive connection idle this long is closed; a request stalled this long gets 408.",
	 NULL, NULL, 1000, 3600000},
	{"header_limit", SEAM_CFG_SIZE, F(header_limit), 0, "32KiB",
	 "Memory for one connection's request line and headers; beyond it 431.", NULL, NULL, 4096,
	 1 << 20},
	{"connection_limit", SEAM_CFG_INT, F(connection_limit), 0, "1024",
	 "Concurrent connections; when full, the oldest one not being served is closed for a new "
	 "one.", NULL, NULL, 1, 100000},
	{"drain_timeout", SEAM_CFG_DURATION, F(drain_timeout_ms), 0, "10s",
	 "On SIGTERM, how long requests in flight may take to finish.", NULL, NULL, 0, 600000},
	{"header_timeout", SEAM_CFG_DURATION, F(header_timeout_ms), 0, "10s",
	 "Whole request line and headers, from accept (or the request's first byte on a keep-alive "
	 "connection); later gets 408 and a close.", NULL, NULL, 100, 3600000},
	{"body_min_rate", SEAM_CFG_INT, F(body_min_rate), 0, "1024",
	 "Bytes/s a request body must average once header_timeout of grace is spent; slower gets "
	 "408 and a close (0: no minimum).", NULL, NULL, 0, 1LL << 30},
	{"per_ip_limit", SEAM_CFG_INT, F(per_ip_limit), 0, "256",
	 "Connections one client address may hold; more get 503 and a close (0: no cap).", NULL,
	 NULL, 0, 100000},
};

const seam_cfg_schema_t seam_http_config_schema = {"http", sizeof(seam_http_config_t), fields,
						   sizeof fields / sizeof fields[0]};
