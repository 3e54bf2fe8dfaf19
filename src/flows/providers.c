/*
 * providers.c: the provider table (see providers.h). The rows point at the connectors'
 * functions; what is here besides is the glue a row needs and no connector owns: where in the
 * config its secrets are, and the storefront events' split (the reader is drupal/events.c).
 * Thread-safety: read-only.
 */
#include "flows/providers.h"

#include "connectors/erp_stock.h"

#include <string.h>

#include "connectors/adyen.h"
#include "connectors/drupal/drupal.h"
#include "connectors/pim_events.h"
#include "connectors/stdwebhooks.h"
#include "connectors/stripe.h"
#include "core/crypto.h"

/* ---- config ---- */

static const seam_secretlist_t *stripe_secrets(const void *entry)
{
	return &((const seam_config_store_t *)entry)->stripe_secrets;
}

static const seam_secretlist_t *erp_client_states(const void *entry)
{
	return &((const seam_config_store_t *)entry)->erp.client_states;
}

static const seam_secretlist_t *adyen_keys(const void *entry)
{
	return &((const seam_config_store_t *)entry)->adyen_hmac_keys;
}

static const seam_secretlist_t *source_secrets(const void *entry)
{
	return &((const seam_config_source_t *)entry)->secrets;
}

static const seam_secretlist_t *storefront_secrets(const void *entry)
{
	return &((const seam_config_store_t *)entry)->drupal.event_secrets;
}

static int whsec_ok(const seam_secret_t *s)
{
	uint8_t k[SEAM_STDWEBHOOKS_KEY_MAX];
	long n = seam_stdwebhooks_secret_decode(s->value, k, sizeof k);
	explicit_bzero(k, sizeof k);
	return n >= 1;
}

static int hmac_key_ok(const seam_secret_t *s)
{
	uint8_t k[SEAM_ADYEN_KEY_MAX];
	long n = seam_hex_decode(s->value, s->len, k, sizeof k);
	explicit_bzero(k, sizeof k);
	return n >= 16;
}

/* ---- the storefront's order events ---- */

/* One event per delivery, its id the webhook-id header (Standard Webhooks signed); one that
 * names no order cannot be exported and is quarantined. */
static seam_err_t storefront_split(const seam_webhook_delivery_t *d, const json_t *doc,
				   seam_webhook_events_t *out, seam_error_t *err)
{
	const char *id = d->header(d->ud, "webhook-id"), *reason = "malformed_json";
	seam_drupal_event_t ev;
	seam_err_t rc = seam_webhook_events_init(out, 1, err);
	if (rc != SEAM_OK)
		return rc;
	if (!doc || seam_drupal_event_read(doc, &ev, &reason) != SEAM_OK) {
		out->quarantine = reason;
		out->event_id = id;
		return SEAM_OK;
	}
	out->items[0] = (seam_webhook_event_t){.id = id, .type = ev.type, .doc = doc};
	out->n = 1;
	return SEAM_OK;
}

/* ---- the PIM's product events ---- */

/* Akeneo's message: up to 10 events, each its own inbox row (its event_id) and job. A message
 * seam cannot read is quarantined whole with the reader's reason. */
static seam_err_t pim_split(const seam_webhook_delivery_t *d, const json_t *doc,
			    seam_webhook_events_t *out, seam_error_t *err)
{
	seam_pim_changes_t ch = {0};
	json_t *events = json_object_get(doc, "events"), *e;
	size_t i, n = 0;
	seam_err_t rc = seam_pim_events_read(d->body, d->len, &ch, NULL);
	if (rc == SEAM_NOMEM)
		return seam_errorf(err, rc, "out of memory");
	if (rc != SEAM_OK) {
		if ((rc = seam_webhook_events_init(out, 1, err)) != SEAM_OK)
			return rc;
		out->quarantine = ch.reason ? ch.reason : "malformed_json";
		seam_pim_changes_dispose(&ch);
		return SEAM_OK;
	}
	seam_pim_changes_dispose(&ch);
	if ((rc = seam_webhook_events_init(out, json_array_size(events) ? json_array_size(events) : 1,
					   err)) != SEAM_OK)
		return rc;
	json_array_foreach(events, i, e) {
		const char *id = json_string_value(json_object_get(e, "event_id"));
		if (!id)
			continue; /* an action seam does not act on may come without one */
		out->items[n++] = (seam_webhook_event_t){
			.id = id, .type = json_string_value(json_object_get(e, "action")), .doc = e};
	}
	out->n = n;
	return SEAM_OK;
}

/* ---- the table ---- */

#define STD_SECRET "is not a Standard Webhooks secret (whsec_ followed by base64)"

static const seam_provider_t providers[] = {
	{
		.name = "drupal", .param = "store", .section = "stores",
		.kind = SEAM_PROVIDER_STOREFRONT,
		.secrets_key = "drupal.event_secrets",
		.secrets = storefront_secrets, .endpoint_needs_secrets = 1, .secret_ok = whsec_ok,
		.secret_what = STD_SECRET,
		.verify = seam_stdwebhooks_verify_delivery, .split = storefront_split,
		.contract = "bridge.event@v1",
	},
	{
		.name = "stripe", .param = "store", .section = "stores",
		.kind = SEAM_PROVIDER_PAYMENTS,
		.secrets_key = "stripe_secrets", .secrets = stripe_secrets,
		.endpoint_needs_secrets = 1,
		.verify = seam_stripe_verify_delivery, .split = seam_stripe_split,
		.contract = "stripe.event@v1",
		.normalize = seam_stripe_normalize, .rules = seam_stripe_rules,
	},
	{
		.name = "adyen", .param = "store", .section = "stores",
		.kind = SEAM_PROVIDER_PAYMENTS,
		.secrets_key = "adyen_hmac_keys", .secrets = adyen_keys,
		.endpoint_needs_secrets = 1, .secret_ok = hmac_key_ok,
		.secret_what = "is not an Adyen HMAC key (hex, at least 32 digits)",
		.verify_items = seam_adyen_verify_items, .split = seam_adyen_split,
		.contract = "adyen.notification@v1", .contract_items = "notificationItems",
		.ack = "[accepted]", /* what Adyen waits for */
		.normalize = seam_adyen_normalize, .rules = seam_adyen_rules,
	},
	{
		.name = "standard", .param = "source", .section = "sources",
		.kind = SEAM_PROVIDER_PAYMENTS,
		.secrets_key = "secrets", .secrets = source_secrets,
		.secret_ok = whsec_ok, .secret_what = STD_SECRET,
		.verify = seam_stdwebhooks_verify_delivery, .split = seam_stdwebhooks_split,
		.contract = "standard.event@v1",
		.normalize = seam_stdwebhooks_normalize, .rules = seam_stdwebhooks_rules,
		.source_kind = "payment",
	},
	{
		.name = "pim", .param = "source", .section = "sources",
		.kind = SEAM_PROVIDER_CATALOG, .source_kind = "pim",
		.secrets_key = "secrets", .secrets = source_secrets,
		.verify = seam_pim_events_verify_delivery, .split = pim_split,
		.contract = "pim.event@v1",
	},
	{
		/* Business Central's webhook notifications: no signature, every item carries the
		 * clientState seam subscribed with; the subscription handshake (?validationToken=)
		 * is answered by the route before this row is used (api/webhooks.c) */
		.name = "erp", .param = "store", .section = "stores",
		.kind = SEAM_PROVIDER_STOCK,
		.secrets_key = "erp.client_states", .secrets = erp_client_states,
		.endpoint_needs_secrets = 1,
		.verify_items = seam_erp_notification_verify, .split = seam_erp_notification_split,
		.contract = "erp.notification@v1", .contract_items = "value",
	},
};
#define NPROVIDERS (sizeof providers / sizeof providers[0])

const seam_provider_t *seam_providers_list(size_t *n)
{
	*n = NPROVIDERS;
	return providers;
}

const seam_provider_t *seam_providers_find(const char *name)
{
	for (size_t i = 0; name && i < NPROVIDERS; i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

size_t seam_providers_index(const seam_provider_t *p)
{
	return (size_t)(p - providers);
}

const seam_cfg_map_t *seam_providers_entries(const seam_provider_t *p,
					     const seam_cfg_map_t *stores,
					     const seam_cfg_map_t *sources)
{
	return strcmp(p->param, "store") == 0 ? stores : sources;
}

const seam_secretlist_t *seam_providers_secrets(const seam_provider_t *p,
						const seam_cfg_map_t *stores,
						const seam_cfg_map_t *sources, const char *entry)
{
	const void *e = seam_cfg_map_get(seam_providers_entries(p, stores, sources), entry);
	const seam_config_source_t *src = e;
	if (e && p->source_kind && (!src->kind || strcmp(src->kind, p->source_kind) != 0))
		return NULL; /* a source of another kind has no endpoint here */
	return e ? p->secrets(e) : NULL;
}

const char *seam_providers_store(const seam_provider_t *p, const seam_cfg_map_t *sources,
				 const char *entry)
{
	const seam_config_source_t *src;
	if (strcmp(p->param, "store") == 0)
		return entry;
	src = seam_cfg_map_get(sources, entry);
	return src ? src->store : NULL;
}
