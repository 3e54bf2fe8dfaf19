/*
 * sim_pim.h: the PIM double, shaped like Akeneo's REST API (as Akeneo's public API reference
 * describes it).
 *
 *   POST /api/oauth/v1/token          Basic base64(client_id:secret); grant_type password
 *                                     (username, password) or refresh_token (rotates the
 *                                     refresh token); JSON or form body
 *   GET  /api/rest/v1                 root (no auth)
 *   GET  /api/rest/v1/products-uuid   search={"updated":[{"operator":">","value":"2026-01-01
 *                                     00:00:00"}]} (updated/created with > < = != BETWEEN
 *                                     NOT BETWEEN "SINCE LAST N DAYS"; enabled; family; uuid;
 *                                     parent), pagination_type=page|search_after, limit (10,
 *                                     at most 100: 422 beyond), with_count, locales, scope,
 *                                     attributes
 *   GET  /api/rest/v1/products-uuid/{uuid}
 *   GET  /api/rest/v1/product-models[/{code}]
 *   GET  /api/rest/v1/families[/{code}], families/{family}/variants[/{code}] (variant_attribute_sets
 *                                     with their axes), attributes[/{code}] (Akeneo types),
 *                                     categories, channels, locales [/{code}]: page pagination,
 *                                     limit at most 100
 * Variant products carry `parent` (a product model code); values are localized and scoped
 * ({attr: [{locale, scope, data}]}); prices are collections [{amount: "19.99", currency}].
 * A variant is returned by an updated/created filter when it or one of its parents matches.
 * Past rate_limit requests per second the double answers 429 with Retry-After.
 *
 * Control: POST /_sim/pim/touch {count | uuids | models} marks products or models updated now
 * (and sends product.updated / product_model.updated events when pim.events.url is set: see
 * sim_pim_events.h; POST /_sim/pim/events sends given events); POST /_sim/pim/expire
 * {refresh?} expires every access token (and refresh token) now; POST /_sim/pim/products and
 * /_sim/pim/models {upsert: [records], remove: [ids]} edit the catalog for fault tests (values
 * merged per attribute, updated now, created/updated/removed events; sim_pim.c, "edits").
 * Identifiers match the other doubles' SKUs (SKU-000001 ...). Thread-safety: handlers
 * serialise on the double's mutex.
 */
#ifndef SEAM_SIM_PIM_H
#define SEAM_SIM_PIM_H

#include <jansson.h>

#include "core/err.h"
#include "sim/sim_config.h"
#include "sim/sim_core.h"
#include "sim/sim_send.h"

typedef struct seam_sim_pim seam_sim_pim_t;

seam_err_t seam_sim_pim_create(const seam_sim_config_t *cfg, const json_t *section,
			       const seam_sim_env_t *env, seam_sim_pim_t **out, seam_error_t *err);
void seam_sim_pim_destroy(seam_sim_pim_t *p);
void seam_sim_pim_def(seam_sim_pim_t *p, seam_sim_double_def_t *def);

#endif
