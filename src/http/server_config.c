/*
 * server_config.c: the `http:` section's table (see server_config.h).
 */
#include "http/server_config.h"

#include <stddef.h>

#define F(fld) offsetof(seam_http_config_t, fld)

static const seam_cfg_field_t fields[] = {
	{"threads", SEAM_CFG_INT, F(threads), 0, "4",
	 "HTTP worker threads (libmicrohttpd thread pool).", NULL, NULL, 1, 256},
	{"body_limit", SEAM_CFG_SIZE, F(body_limit), 0, "1MiB",
	 "Largest request body accepted; larger gets 413.", NULL, NULL, 1024, 1LL << 30},
	{"request_timeout", SEAM_CFG_DURATION, F(request_timeout_ms), 0, "30s",
	 "A connection idle this long (slow headers or body) is closed.", NULL, NULL, 1000,
	 3600000},
	{"header_limit", SEAM_CFG_SIZE, F(header_limit), 0, "32KiB",
	 "Memory for one connection's request line and headers; beyond it 431.", NULL, NULL, 4096,
	 1 << 20},
	{"connection_limit", SEAM_CFG_INT, F(connection_limit), 0, "1024",
	 "Concurrent connections accepted.", NULL, NULL, 1, 100000},
	{"drain_timeout", SEAM_CFG_DURATION, F(drain_timeout_ms), 0, "10s",
	 "On SIGTERM, how long requests in flight may take to finish.", NULL, NULL, 0, 600000},
};

const seam_cfg_schema_t seam_http_config_schema = {"http", sizeof(seam_http_config_t), fields,
						   sizeof fields / sizeof fields[0]};
