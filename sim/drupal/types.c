/*
 * types.c: the JSON:API resource types: each type's fields in the order Drupal prints them.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#define F(n, k) {n, SEAM_SIM_JA_##k, NULL, 0}
#define FR(n, k) {n, SEAM_SIM_JA_##k, NULL, SEAM_SIM_JA_RO}
#define R(n, t) {n, SEAM_SIM_JA_REL, t, 0}
#define RS(n, t) {n, SEAM_SIM_JA_RELS, t, 0}
#define RR(n, t) {n, SEAM_SIM_JA_REL, t, SEAM_SIM_JA_RO}

static const seam_sim_ja_field_t order_fields[] = {
	FR("drupal_internal__order_id", INT), F("order_number", STR), FR("version", INT),
	F("mail", STR), F("ip_address", STR), FR("adjustments", MAP), FR("total_price", PRICE),
	FR("total_paid", PRICE), FR("balance", PRICE), F("state", STR), F("data", MAP),
	F("locked", BOOL), FR("created", TS), FR("changed", TS), FR("placed", TS),
	FR("completed", TS), F("customer_comments", STR), F("cart", BOOL), F("checkout_step", STR),
	F("seam_erp_number", STR), F("seam_external_refs", MAP),
	RR("commerce_order_type", "commerce_order_type--commerce_order_type"),
	R("store_id", "commerce_store--online"), R("uid", "user--user"),
	R("billing_profile", "profile--customer"), RS("order_items", "commerce_order_item--default"),
	R("checkout_flow", "commerce_checkout_flow--commerce_checkout_flow"),
	R("payment_gateway", "commerce_payment_gateway--commerce_payment_gateway"),
	R("payment_method", "commerce_payment_method--credit_card"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t item_fields[] = {
	FR("drupal_internal__order_item_id", INT), F("title", STR), F("overridden_title", BOOL),
	F("quantity", DEC), F("unit_price", PRICE), F("overridden_unit_price", BOOL),
	FR("total_price", PRICE), FR("adjustments", MAP), F("uses_legacy_adjustments", BOOL),
	F("data", MAP), F("locked", BOOL), FR("created", TS), FR("changed", TS),
	RR("commerce_order_item_type", "commerce_order_item_type--commerce_order_item_type"),
	R("order_id", "commerce_order--default"),
	R("purchased_entity", "commerce_product_variation--default"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t payment_fields[] = {
	FR("drupal_internal__payment_id", INT), FR("commerce_payment_type", STR),
	F("payment_gateway_mode", STR), F("remote_id", STR), F("remote_state", STR),
	F("amount", PRICE), F("refunded_amount", PRICE), F("state", STR), F("authorized", TS),
	F("expires", TS), F("completed", TS), F("avs_response_code", STR),
	F("avs_response_code_label", STR), F("test", BOOL), F("captured", TS),
	R("payment_gateway", "commerce_payment_gateway--commerce_payment_gateway"),
	R("payment_method", "commerce_payment_method--credit_card"),
	R("order_id", "commerce_order--default"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t product_fields[] = {
	FR("drupal_internal__product_id", INT), F("langcode", STR), F("status", BOOL),
	F("title", STR), F("path", MAP), FR("created", TS), FR("changed", TS),
	F("default_langcode", BOOL), F("body", MAP),
	F("seam_pim_id", STR), /* the storefront module's base field (drupal/seam_bridge) */
	RR("commerce_product_type", "commerce_product_type--commerce_product_type"),
	R("uid", "user--user"), RS("stores", "commerce_store--online"),
	RS("variations", "commerce_product_variation--default"),
	R("default_variation", "commerce_product_variation--default"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t variation_fields[] = {
	FR("drupal_internal__variation_id", INT), F("langcode", STR), F("status", BOOL),
	F("sku", STR), F("title", STR), F("list_price", PRICE), F("price", PRICE),
	F("field_stock_level", MAP), FR("created", TS), FR("changed", TS),
	F("default_langcode", BOOL),
	F("seam_stock", DEC), /* the storefront module's base field (drupal/seam_bridge) */
	RR("commerce_product_variation_type",
	   "commerce_product_variation_type--commerce_product_variation_type"),
	R("uid", "user--user"), R("product_id", "commerce_product--default"),
	/* the fields Commerce adds to the variation type for the attributes it uses */
	R("attribute_color", "commerce_product_attribute_value--color"),
	R("attribute_size", "commerce_product_attribute_value--size"), {NULL, 0, NULL, 0}};

/* ProductAttributeValue::baseFieldDefinitions: the bundle field `attribute` is a reference to
 * the commerce_product_attribute config entity. */
static const seam_sim_ja_field_t attr_value_fields[] = {
	FR("drupal_internal__attribute_value_id", INT), F("langcode", STR), F("name", STR),
	F("weight", INT), FR("created", TS), FR("changed", TS), F("default_langcode", BOOL),
	RR("attribute", "commerce_product_attribute--commerce_product_attribute"),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t attribute_fields[] = {
	FR("drupal_internal__id", STR), F("langcode", STR), F("status", BOOL), F("label", STR),
	F("elementType", STR), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t store_fields[] = {
	FR("drupal_internal__store_id", INT), F("langcode", STR), F("name", STR), F("mail", STR),
	F("timezone", STR), F("address", MAP), F("billing_countries", MAP), F("path", MAP),
	F("is_default", BOOL), FR("created", TS), FR("changed", TS), F("default_langcode", BOOL),
	RR("commerce_store_type", "commerce_store_type--commerce_store_type"),
	R("uid", "user--user"), R("default_currency", "commerce_currency--commerce_currency"),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t gateway_fields[] = {
	FR("drupal_internal__id", STR), F("langcode", STR), F("status", BOOL), F("label", STR),
	F("weight", INT), F("plugin", STR), F("configuration", MAP), F("conditions", MAP),
	F("conditionOperator", STR), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t profile_fields[] = {
	FR("drupal_internal__profile_id", INT), F("status", BOOL), F("is_default", BOOL),
	F("data", MAP), FR("created", TS), FR("changed", TS), F("address", MAP),
	RR("profile_type", "profile_type--profile_type"), R("uid", "user--user"),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t user_fields[] = {
	FR("drupal_internal__uid", INT), F("langcode", STR), F("name", STR), F("mail", STR),
	F("timezone", STR), F("status", BOOL), FR("created", TS), FR("changed", TS),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t config_fields[] = {
	FR("drupal_internal__id", STR), F("langcode", STR), F("status", BOOL), F("label", STR),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t currency_fields[] = {
	FR("drupal_internal__currencyCode", STR), F("langcode", STR), F("status", BOOL),
	F("name", STR), F("currencyCode", STR), F("symbol", STR), F("numericCode", STR),
	F("fractionDigits", INT), {NULL, 0, NULL, 0}};

const seam_sim_ja_type_t seam__sim_drupal_types[T__COUNT] = {
	[T_ORDER] = {"commerce_order--default", "commerce_order", "default", order_fields},
	[T_ITEM] = {"commerce_order_item--default", "commerce_order_item", "default", item_fields},
	[T_PAYMENT_DEFAULT] = {"commerce_payment--payment_default", "commerce_payment",
			       "payment_default", payment_fields},
	[T_PAYMENT_MANUAL] = {"commerce_payment--payment_manual", "commerce_payment",
			      "payment_manual", payment_fields},
	[T_PRODUCT] = {"commerce_product--default", "commerce_product", "default", product_fields},
	[T_VARIATION] = {"commerce_product_variation--default", "commerce_product_variation",
			 "default", variation_fields},
	[T_STORE] = {"commerce_store--online", "commerce_store", "online", store_fields},
	[T_GATEWAY] = {"commerce_payment_gateway--commerce_payment_gateway",
		       "commerce_payment_gateway", "commerce_payment_gateway", gateway_fields},
	[T_PROFILE] = {"profile--customer", "profile", "customer", profile_fields},
	[T_USER] = {"user--user", "user", "user", user_fields},
	[T_ORDER_TYPE] = {"commerce_order_type--commerce_order_type", "commerce_order_type",
			  "commerce_order_type", config_fields},
	[T_ITEM_TYPE] = {"commerce_order_item_type--commerce_order_item_type",
			 "commerce_order_item_type", "commerce_order_item_type", config_fields},
	[T_PRODUCT_TYPE] = {"commerce_product_type--commerce_product_type", "commerce_product_type",
			    "commerce_product_type", config_fields},
	[T_VARIATION_TYPE] = {"commerce_product_variation_type--commerce_product_variation_type",
			      "commerce_product_variation_type", "commerce_product_variation_type",
			      config_fields},
	[T_STORE_TYPE] = {"commerce_store_type--commerce_store_type", "commerce_store_type",
			  "commerce_store_type", config_fields},
	[T_PROFILE_TYPE] = {"profile_type--profile_type", "profile_type", "profile_type",
			    config_fields},
	[T_CURRENCY] = {"commerce_currency--commerce_currency", "commerce_currency",
			"commerce_currency", currency_fields},
	[T_ATTRIBUTE] = {"commerce_product_attribute--commerce_product_attribute",
			 "commerce_product_attribute", "commerce_product_attribute", attribute_fields},
	[T_ATTR_COLOR] = {"commerce_product_attribute_value--color",
			  "commerce_product_attribute_value", "color", attr_value_fields},
	[T_ATTR_SIZE] = {"commerce_product_attribute_value--size",
			 "commerce_product_attribute_value", "size", attr_value_fields},
};
