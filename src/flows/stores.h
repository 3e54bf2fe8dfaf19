/*
 * stores.h: the `stores:` and `sources:` sections of seam.yaml: the storefronts seam works
 * for (each a Drupal site's stores, the ERP company its orders go to, the provider secrets of
 * its webhooks) and the Standard Webhooks senders that report for one of them. Every flow
 * routes by store, and the webhook ingress above the flows verifies with the secrets kept here,
 * so the tables live at the flows layer, the lowest one both read (docs/design.md,
 * "Architecture"). The tables (stores.c) are the one place these keys, types and defaults are
 * written; the root schema (app/config.c) embeds them as MAPs.
 *
 * Names used across sections are checked at load (seam_stores_config_refs): the upstreams a
 * store names exist, order export has a storefront to fetch from, seam stores sharing one
 * Drupal site each name the commerce_stores they own and none is owned twice, and a source's
 * store exists. Thread-safety: constant tables; the checks are reentrant.
 */
#ifndef SEAM_FLOWS_STORES_H
#define SEAM_FLOWS_STORES_H

#include "core/config.h"

typedef struct seam_config_store_drupal {
	char *upstream;          /* name in upstreams: the storefront's JSON:API */
	seam_secretlist_t event_secrets; /* whsec_ secrets of POST /webhooks/drupal/{store} */
	char *payment_gateway;   /* Drupal payment gateway id for payments seam creates */
	char *payment_gateway_mode; /* test|live */
	char *payment_bundle;    /* JSON:API bundle of commerce_payment, e.g. payment_default */
	int64_t poll_interval_ms;   /* order poller period; 0 = off */
	seam_strlist_t stores;      /* UUIDs of the commerce_store(s) this seam store owns; empty:
				     * every store of the site (only when no other seam store
				     * shares the Drupal upstream) */
} seam_config_store_drupal_t;

typedef struct seam_config_store_erp {
	char *upstream;          /* name in upstreams; empty = no order export */
	char *company;           /* ERP company id */
	char *customer;          /* default customer number */
	char *shipping_account;  /* G/L account for shipping charges */
	char *mapping;           /* mapping name in mappings/ */
	seam_secretlist_t client_states; /* clientState of the ERP's webhook subscriptions
					  * (POST /webhooks/erp/{store}) */
} seam_config_store_erp_t;

/* stores.<name>: one storefront (Drupal store) and what it routes to. */
typedef struct seam_config_store {
	seam_config_store_drupal_t drupal;
	seam_secretlist_t stripe_secrets;  /* Stripe endpoint secrets (whsec_), rotation-ready */
	seam_secretlist_t adyen_hmac_keys; /* Adyen HMAC keys (hex) */
	seam_config_store_erp_t erp;
} seam_config_store_t;

/* sources.<name>: a Standard Webhooks sender. */
typedef struct seam_config_source {
	seam_secretlist_t secrets; /* whsec_... */
	char *store;               /* the store its events belong to */
	char *kind;                /* what its events are: payment | pim */
} seam_config_source_t;

/* The entry schemas of the two MAPs. */
extern const seam_cfg_schema_t seam_store_config_schema;
extern const seam_cfg_schema_t seam_source_config_schema;

/* At load: the names stores and sources use exist. stores: MAP of seam_config_store_t;
 * sources: of seam_config_source_t; upstreams: of seam_upstream_config_t
 * (http/client_config.h). One problem per broken name, on the line of the key naming it. */
void seam_stores_config_refs(const seam_cfg_check_t *chk, const seam_cfg_map_t *stores,
			     const seam_cfg_map_t *sources, const seam_cfg_map_t *upstreams);

#endif
