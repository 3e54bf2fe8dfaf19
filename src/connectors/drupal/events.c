/*
 * events.c: the storefront module's order events, as the webhook ingress receives them (see
 * drupal.h and contracts/bridge/v1/event.schema.json). Reads only what seam needs before it
 * fetches the order itself: the type, the order and its commerce_store, and what the orders
 * table notes while the export job is queued (number, state, total).
 * Thread-safety: pure.
 */
#include "connectors/drupal/drupal_int.h"

#include <string.h>

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

seam_err_t seam_drupal_event_read(const json_t *doc, seam_drupal_event_t *out,
				  const char **reason)
{
	const json_t *data = json_object_get(doc, "data"), *total = json_object_get(data, "total");

	memset(out, 0, sizeof *out);
	if (reason)
		*reason = NULL;
	if (!json_is_object(doc) || !(out->type = str(doc, "type"))) {
		if (reason)
			*reason = "missing_type";
		return SEAM_PARSE;
	}
	out->order_uuid = str(data, "order_uuid");
	if (!out->order_uuid || !*out->order_uuid) {
		out->order_uuid = NULL;
		if (reason)
			*reason = "missing_order_uuid";
		return SEAM_PARSE;
	}
	out->store_uuid = str(data, "store_uuid");
	out->order_number = str(data, "order_number");
	out->state = str(data, "state");
	out->total = str(total, "number");
	out->currency = str(total, "currency_code");
	return SEAM_OK;
}
