/*
 * providers.h: the one table of the senders seam accepts webhooks from. A row per provider
 * says everything the rest of seam needs to know about it, so the webhook ingress
 * (api/webhooks.c) and the payments flow are generic over the rows:
 *
 *   name          the path segment (POST /webhooks/<name>/{param}), the inbox's provider
 *                 column, the "provider" label of seam_webhooks_received_total,
 *                 seam_webhooks_rejected_total and seam_payment_events_total, and the system
 *                 of its timeline entries;
 *   param         what the last path segment names, "store" (stores.<name>) or "source"
 *                 (sources.<name>), and so whose secrets verify it and which store its events
 *                 belong to (seam_providers_store);
 *   secrets       the config key of its secrets, a getter, whether an entry without any has
 *                 an endpoint at all, and how `seam check` tells a secret that cannot work;
 *   verify        the delivery's signature on the raw bytes (verify), or every item's after
 *                 parsing when the scheme signs items (verify_items, Adyen);
 *   split         how a verified body becomes events, and each event's id (the inbox's dedup
 *                 key), or the reason it is quarantined;
 *   contract      the contract its payloads are checked against once authentic (a registry
 *                 ref, contract/registry.h): the whole body, or each element of the array
 *                 member contract_items (Adyen's notificationItems, signed and checked one by
 *                 one); a payload that violates it is quarantined with the validator's errors
 *                 (api/webhooks.c);
 *   ack           what the sender is answered once the events are stored;
 *   kind          what its events are, and so the job the ingress makes of them: payment
 *                 events each get their own payment.apply job; storefront order events the
 *                 order export or cancel of their order (api/webhooks.c);
 *   normalize     payment providers: the reader of one stored event into the canonical event
 *                 (domain/psp_event.h) and its built-in type table; an integrator's changes
 *                 to that table are the payments flow's own section, payment_events.<name>
 *                 (flows/payments.c).
 *
 * The wire functions (verify, split, normalize, rules) are the connectors'; the rows bind them
 * to the config, whose store and source types are this layer's (flows/stores.h), so the table
 * lives at the flows layer, the lowest one that sees both (docs/design.md, "Architecture").
 * A new payment provider is its connector file (signature, split, normalize, tables) and a row
 * here; its config keys (secrets, payment_events.<name>) and the route in api/routes.c are the
 * only other places it appears.
 *
 * Thread-safety: the table is read-only. Everything returned is static or borrowed from the
 * maps.
 */
#ifndef SEAM_FLOWS_PROVIDERS_H
#define SEAM_FLOWS_PROVIDERS_H

#include <stddef.h>

#include "connectors/webhook_sig.h"
#include "core/config.h"
#include "domain/psp_event.h"
#include "flows/stores.h"

typedef enum seam_provider_kind_e {
	SEAM_PROVIDER_PAYMENTS,   /* payment events: one payment.apply job each */
	SEAM_PROVIDER_STOREFRONT, /* the storefront's order events: the order's export or cancel */
	SEAM_PROVIDER_CATALOG,    /* the PIM's product events: the product's catalog sync */
	SEAM_PROVIDER_STOCK,      /* the ERP's change notifications: a fetch of what changed */
} seam_provider_kind_e;

typedef struct seam_provider {
	const char *name;
	const char *param;    /* "store" | "source" */
	const char *section;  /* the config map param names: "stores" | "sources" */
	const char *source_kind; /* "source" providers: the sources.<name>.kind they take (a
				  * source of another kind has no endpoint here) */
	seam_provider_kind_e kind;

	/* config: <section>.<entry>.<secrets_key> */
	const char *secrets_key;
	const seam_secretlist_t *(*secrets)(const void *entry); /* an entry's secrets */
	int endpoint_needs_secrets; /* 1: an entry without secrets has no endpoint (404) */
	int (*secret_ok)(const seam_secret_t *s); /* NULL: any value may be right */
	const char *secret_what;    /* what a secret is, for the message when secret_ok says no */

	/* the wire */
	seam_webhook_verify_fn verify;             /* or NULL, then verify_items */
	seam_webhook_verify_items_fn verify_items;
	seam_webhook_split_fn split;
	const char *contract;       /* "stripe.event@v1": what an authentic payload must hold */
	const char *contract_items; /* NULL: the body is one payload; else the array member
				     * whose every element is one (checked and quarantined alone) */
	const char *ack; /* text/plain body of the 200 once stored; NULL: JSON {received, ...} */

	/* payment providers; NULL for others */
	seam_psp_normalize_fn normalize;
	const seam_psp_rule_t *(*rules)(size_t *n);
} seam_provider_t;

/* Every row, in a stable order; *n set. */
const seam_provider_t *seam_providers_list(size_t *n);
/* The row named name, or NULL. */
const seam_provider_t *seam_providers_find(const char *name);
/* Its position in seam_providers_list (for per-provider arrays). */
size_t seam_providers_index(const seam_provider_t *p);

/* The entries of p's section: stores (MAP of seam_config_store_t) for "store" providers,
 * sources (of seam_config_source_t) for "source" ones. */
const seam_cfg_map_t *seam_providers_entries(const seam_provider_t *p,
					     const seam_cfg_map_t *stores,
					     const seam_cfg_map_t *sources);
/* The secrets of the entry a path names (entry: the path's store or source), or NULL when
 * there is no such entry. stores, sources: the MAPs of flows/stores.h. */
const seam_secretlist_t *seam_providers_secrets(const seam_provider_t *p,
						const seam_cfg_map_t *stores,
						const seam_cfg_map_t *sources, const char *entry);
/* The store the events of an entry belong to: the entry itself for "store" providers, the
 * source's store (sources: MAP of seam_config_source_t) for "source" ones; NULL when the
 * source is not configured. Borrowed. */
const char *seam_providers_store(const seam_provider_t *p, const seam_cfg_map_t *sources,
				 const char *entry);

#endif
