/*
 * stores.c: the `stores:` and `sources:` tables and their checks (see stores.h).
 */
#include "flows/stores.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http/client_config.h"

#define F(st, fld) offsetof(st, fld)

static const seam_cfg_field_t drupal_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_config_store_drupal_t, upstream), 0, NULL,
	 "Upstream (in upstreams:) serving the storefront's JSON:API.", NULL, NULL, 0, 0},
	{"event_secrets", SEAM_CFG_SECRETLIST, F(seam_config_store_drupal_t, event_secrets), 0,
	 NULL, "whsec_ secrets of the storefront module's events (rotation: several).", NULL, NULL,
	 0, 0},
	{"payment_gateway", SEAM_CFG_STR, F(seam_config_store_drupal_t, payment_gateway), 0, NULL,
	 "Payment gateway of payments seam creates: its UUID (least privilege: the integration "
	 "account needs no access to gateway config) or machine name (needs it).", NULL, NULL, 0, 0},
	{"payment_gateway_mode", SEAM_CFG_ENUM, F(seam_config_store_drupal_t, payment_gateway_mode),
	 0, "test", "Gateway mode written on payments.", NULL, "test|live", 0, 0},
	{"payment_bundle", SEAM_CFG_STR, F(seam_config_store_drupal_t, payment_bundle), 0,
	 "payment_default", "JSON:API bundle of commerce_payment.", NULL, NULL, 0, 0},
	{"poll_interval", SEAM_CFG_DURATION, F(seam_config_store_drupal_t, poll_interval_ms), 0,
	 "60s", "Order poller period (the safety net for lost events); 0 = off.", NULL, NULL, 0,
	 86400000},
	{"store", SEAM_CFG_STRLIST, F(seam_config_store_drupal_t, stores), SEAM_CFG_UUID, NULL,
	 "UUID(s) of the commerce_store(s) this seam store owns (one, or a list): only their orders "
	 "are exported, by events and the poller alike; checked against the site at start. "
	 "Required when seam stores share a Drupal upstream.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t drupal_schema = {"drupal", sizeof(seam_config_store_drupal_t),
						drupal_fields,
						sizeof drupal_fields / sizeof drupal_fields[0]};

static const seam_cfg_field_t erp_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_config_store_erp_t, upstream), 0, NULL,
	 "Upstream (in upstreams:) of this store's ERP; unset = no order export.", NULL, NULL, 0,
	 0},
	{"company", SEAM_CFG_STR, F(seam_config_store_erp_t, company), 0, NULL,
	 "ERP company id.", NULL, NULL, 0, 0},
	{"customer", SEAM_CFG_STR, F(seam_config_store_erp_t, customer), 0, NULL,
	 "Default ERP customer number for web orders.", NULL, NULL, 0, 0},
	{"shipping_account", SEAM_CFG_STR, F(seam_config_store_erp_t, shipping_account), 0, NULL,
	 "ERP G/L account for shipping charges (an Account line).", NULL, NULL, 0, 0},
	{"mapping", SEAM_CFG_STR, F(seam_config_store_erp_t, mapping), 0, "order_to_erp",
	 "Mapping (mappings/NAME.lua) from the Drupal order to the ERP sales order.", NULL, NULL, 0,
	 0},
	{"client_states", SEAM_CFG_SECRETLIST, F(seam_config_store_erp_t, client_states), 0, NULL,
	 "The clientState seam gives the ERP's webhook subscriptions (the first; the others are "
	 "still accepted, for rotation): POST /webhooks/erp/{store} refuses notifications without "
	 "one of them (401). Unset = no ERP webhook endpoint for this store.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t erp_schema = {"erp", sizeof(seam_config_store_erp_t), erp_fields,
					     sizeof erp_fields / sizeof erp_fields[0]};

static const seam_cfg_field_t store_fields[] = {
	{"drupal", SEAM_CFG_SECTION, F(seam_config_store_t, drupal), 0, NULL, "The storefront.",
	 &drupal_schema, NULL, 0, 0},
	{"stripe_secrets", SEAM_CFG_SECRETLIST, F(seam_config_store_t, stripe_secrets), 0, NULL,
	 "Stripe webhook endpoint secrets; unset = no Stripe endpoint for this store.", NULL, NULL,
	 0, 0},
	{"adyen_hmac_keys", SEAM_CFG_SECRETLIST, F(seam_config_store_t, adyen_hmac_keys), 0, NULL,
	 "Adyen HMAC keys (hex); unset = no Adyen endpoint for this store.", NULL, NULL, 0, 0},
	{"erp", SEAM_CFG_SECTION, F(seam_config_store_t, erp), 0, NULL, "Order export.",
	 &erp_schema, NULL, 0, 0},
};
const seam_cfg_schema_t seam_store_config_schema = {
	"store", sizeof(seam_config_store_t), store_fields,
	sizeof store_fields / sizeof store_fields[0]};

static const seam_cfg_field_t source_fields[] = {
	{"secrets", SEAM_CFG_SECRETLIST, F(seam_config_source_t, secrets), SEAM_CFG_REQUIRED, NULL,
	 "Signing secrets (several during rotation): whsec_ for payment sources.", NULL, NULL, 0,
	 0},
	{"store", SEAM_CFG_STR, F(seam_config_source_t, store), SEAM_CFG_REQUIRED, NULL,
	 "The store (in stores:) its events belong to.", NULL, NULL, 0, 0},
	{"kind", SEAM_CFG_ENUM, F(seam_config_source_t, kind), 0, "payment",
	 "What its events are: payment (Standard Webhooks at /webhooks/standard/{source}) or pim "
	 "(Akeneo Events API at /webhooks/pim/{source}, secrets: the connection's event secret).",
	 NULL, "payment|pim", 0, 0},
};
const seam_cfg_schema_t seam_source_config_schema = {"source", sizeof(seam_config_source_t),
						source_fields,
						sizeof source_fields / sizeof source_fields[0]};

/* Two upstream names for one site: the same name, or the same base_url. */
static int same_site(const seam_cfg_map_t *upstreams, const char *a, const char *b)
{
	const seam_upstream_config_t *ua = seam_cfg_map_get(upstreams, a);
	const seam_upstream_config_t *ub = seam_cfg_map_get(upstreams, b);
	return !strcmp(a, b) || (ua && ub && ua->base_url && ub->base_url &&
				 !strcasecmp(ua->base_url, ub->base_url));
}

/* Seam stores on one Drupal upstream split its commerce_stores between them: each must name
 * the ones it owns (else every poller would export every order), and no UUID may be owned
 * twice. Reported once per pair, on the later store. */
static void check_store_owners(const seam_cfg_check_t *chk, const seam_cfg_map_t *stores,
			       const seam_cfg_map_t *upstreams, size_t i)
{
	const seam_config_store_t *st = stores->items[i];
	const char *name = stores->names[i];
	if (!st->drupal.upstream)
		return;
	for (size_t j = 0; j < i; j++) {
		const seam_config_store_t *o = stores->items[j];
		if (!o->drupal.upstream || !same_site(upstreams, o->drupal.upstream, st->drupal.upstream))
			continue;
		if (!st->drupal.stores.n || !o->drupal.stores.n) {
			int line = seam_cfg_check_line(chk, "stores.%s.drupal", name);
			seam_cfg_check_addf(chk, line,
					    "stores.%s and stores.%s share the Drupal site of upstream "
					    "'%s': each needs drupal.store, the UUID(s) of the "
					    "commerce_store(s) it owns",
					    stores->names[j], name, st->drupal.upstream);
			continue;
		}
		int line = seam_cfg_check_line(chk, "stores.%s.drupal.store", name);
		for (size_t a = 0; a < st->drupal.stores.n; a++)
			for (size_t b = 0; b < o->drupal.stores.n; b++)
				if (!strcasecmp(st->drupal.stores.items[a], o->drupal.stores.items[b]))
					seam_cfg_check_addf(chk, line,
							    "stores.%s.drupal.store: %s is already owned "
							    "by stores.%s (one commerce_store, one seam "
							    "store)",
							    name, st->drupal.stores.items[a],
							    stores->names[j]);
	}
}

void seam_stores_config_refs(const seam_cfg_check_t *chk, const seam_cfg_map_t *stores,
			     const seam_cfg_map_t *sources, const seam_cfg_map_t *upstreams)
{
	for (size_t i = 0; i < stores->n; i++) {
		const seam_config_store_t *st = stores->items[i];
		const char *name = stores->names[i];
		int dline = seam_cfg_check_line(chk, "stores.%s.drupal.upstream", name);
		int eline = seam_cfg_check_line(chk, "stores.%s.erp.upstream", name);
		if (st->drupal.upstream && !seam_cfg_map_get(upstreams, st->drupal.upstream))
			seam_cfg_check_addf(chk, dline,
					    "stores.%s.drupal.upstream: '%s' is not defined in upstreams",
					    name, st->drupal.upstream);
		if (st->erp.upstream && !seam_cfg_map_get(upstreams, st->erp.upstream))
			seam_cfg_check_addf(chk, eline,
					    "stores.%s.erp.upstream: '%s' is not defined in upstreams",
					    name, st->erp.upstream);
		if (st->erp.upstream && !st->drupal.upstream)
			seam_cfg_check_addf(chk, eline,
					    "stores.%s: order export (erp.upstream) needs drupal.upstream "
					    "to fetch orders from", name);
		check_store_owners(chk, stores, upstreams, i);
	}
	for (size_t i = 0; i < sources->n; i++) {
		const seam_config_source_t *src = sources->items[i];
		const char *name = sources->names[i];
		if (!seam_cfg_map_get(stores, src->store))
			seam_cfg_check_addf(chk, seam_cfg_check_line(chk, "sources.%s.store", name),
					    "sources.%s.store: '%s' is not defined in stores", name,
					    src->store);
	}
}
