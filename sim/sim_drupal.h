/*
 * sim_drupal.h: the Drupal Commerce double. It answers core JSON:API as the captured Drupal
 * 10.5 + Commerce 3.2 site does (docs/sim.md lists what it answers), keeps orders on a
 * Commerce workflow, recomputes total_paid like PaymentOrderUpdater, sends the storefront
 * module's signed order events, and serves the module's payment-transition endpoint.
 *
 * Resources (application/vnd.api+json):
 *   GET  /jsonapi                                            index of resource types
 *   GET  /jsonapi/{entity_type}/{bundle}                     collection: filter, sort, page,
 *                                                            include, fields
 *   GET  /jsonapi/{entity_type}/{bundle}/{uuid}              one resource (include)
 *   GET  /jsonapi/{entity_type}/{bundle}/{uuid}/{field}      related resource(s)
 *   POST /jsonapi/{entity_type}/{bundle}                     create: orders, order items,
 *                                                            payments, products, variations,
 *                                                            product attribute values
 *   PATCH /jsonapi/{entity_type}/{bundle}/{uuid}             update: only the attributes and
 *                                                            relationships sent change; a
 *                                                            payment is never updatable (403)
 *   POST /seam/payment/{uuid}/transition                     the seam_bridge module endpoint
 * Types: commerce_order--default, commerce_order_item--default,
 *   commerce_payment--payment_default, commerce_payment--payment_manual,
 *   commerce_product--default (with the storefront module's seam_pim_id),
 *   commerce_product_variation--default (attribute_color, attribute_size),
 *   commerce_product_attribute_value--color, --size, commerce_store--online,
 *   commerce_payment_gateway--commerce_payment_gateway, profile--customer, user--user and the
 *   config types they reference.
 * Control: POST /_sim/drupal/orders (create and place orders in bulk),
 *   POST /_sim/drupal/orders/{uuid}/transition {"transition"} (apply one by id),
 *   POST /_sim/drupal/faults {"reject": [SKU or seam_pim_id...]} (their writes get 422),
 *   GET /_sim/drupal/catalog (every product with its variations, flat, for tests),
 *   GET /_sim/drupal/ping (a static answer: the double's request ceiling).
 *
 * Auth: Basic with the configured user is an administrator; anything else is anonymous, who
 * sees published products and variations (unpublished ones are listed under meta.omitted) and
 * nothing else (orders, payments, stores, ... are filtered out of collections; single
 * resources and writes get 401 with a Basic challenge).
 *
 * Thread-safety: every handler runs under the double's mutex.
 *
 * Source: sim/drupal/, one file per concern; what they share, with the design notes, in
 * sim/drupal/drupal_int.h.
 */
#ifndef SEAM_SIM_DRUPAL_H
#define SEAM_SIM_DRUPAL_H

#include <jansson.h>

#include "core/err.h"
#include "sim/sim_config.h"
#include "sim/sim_core.h"
#include "sim/sim_send.h"

typedef struct seam_sim_drupal seam_sim_drupal_t;

/* Reads the `drupal:` section (may be NULL for defaults), seeds the data and starts the event
 * sender when events.url is set. Returns owned (seam_sim_drupal_destroy). */
seam_err_t seam_sim_drupal_create(const seam_sim_config_t *cfg, const json_t *section,
				  const seam_sim_env_t *env, seam_sim_drupal_t **out,
				  seam_error_t *err);
void seam_sim_drupal_destroy(seam_sim_drupal_t *d);
/* The double's definition for seam_sim_double_create (routes, ctx, reset, sender). */
void seam_sim_drupal_def(seam_sim_drupal_t *d, seam_sim_double_def_t *def);
/* The event sender, or NULL (tests flush it). */
seam_sim_sender_t *seam_sim_drupal_sender(seam_sim_drupal_t *d);

#endif
