/*
 * timeline.h: the cross-system story of an entity (an order, a payment), written by every
 * step of every flow with its correlation id, and read by `seam ctl trace` and the API.
 *
 * An entry is (entity type, entity id, correlation id, system, event, detail JSON, time).
 * "system" says where it happened (seam, drupal, erp, stripe, adyen, ...); "event" is a short
 * stable verb phrase ("event.received", "export.created", "payment.transition"). Entries are
 * append-only. Thread-safety: functions use the caller's connection or acquire their own.
 */
#ifndef SEAM_FLOWS_TIMELINE_H
#define SEAM_FLOWS_TIMELINE_H

#include <jansson.h>

#include "core/err.h"
#include "store/store.h"

/* Appends one entry on db (joins the caller's transaction when there is one). detail is a
 * JSON object or NULL and is STOLEN. Personal data must already be masked. */
seam_err_t seam_timeline_add(seam_db_t *db, const char *entity_type, const char *entity_id,
			     const char *cid, const char *system, const char *event, json_t *detail,
			     seam_error_t *err);

/* Same, acquiring a connection (for callers outside a transaction). */
seam_err_t seam_timeline_log(seam_store_t *st, const char *entity_type, const char *entity_id,
			     const char *cid, const char *system, const char *event, json_t *detail,
			     seam_error_t *err);

/* Same, through the group committer of q (durable on return, the COMMIT shared): what a job
 * handler uses outside a transaction of its own. q NULL: seam_timeline_log on st. */
typedef struct seam_queue seam_queue_t;
seam_err_t seam_timeline_submit(seam_queue_t *q, seam_store_t *st, const char *entity_type,
				const char *entity_id, const char *cid, const char *system,
				const char *event, json_t *detail, seam_error_t *err);

/* The entries of one entity (and nothing else), oldest first: a JSON array of
 * {at, entity_type, entity_id, correlation_id, system, event, detail}. Every step writes its
 * entry on the entity it was made for, so nothing is joined in by correlation id (a poll run
 * or a webhook batch shares one across many orders; a poll run has its own entity "poll",
 * id the store). Returns a new reference in *out. */
seam_err_t seam_timeline_for_entity(seam_store_t *st, const char *entity_type,
				    const char *entity_id, json_t **out, seam_error_t *err);
/* Entries with this correlation id, oldest first. */
seam_err_t seam_timeline_for_cid(seam_store_t *st, const char *cid, json_t **out,
				 seam_error_t *err);

#endif
