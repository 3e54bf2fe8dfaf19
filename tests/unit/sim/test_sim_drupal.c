/*
 * test_sim_drupal.c: the Drupal double answers like the captured Drupal 10.5 + Commerce 3.2
 * site does: paging cap and links, access filtering with
 * meta.omitted, filters and sorts, 400/403/415/422 documents, the place transition, total_paid,
 * the seam_bridge transition endpoint and the signed order events; the catalog: seam_pim_id,
 * product attribute values, SKU uniqueness, Commerce's product/variation back-references, the
 * fault switch, the flat catalog read and the write rate with the lookup indexes; the
 * storefront module's seam_stock and list_price on variations and its refusal of an oversell.
 */
#include "sim_test.h"

#include "core/clock.h"
#include "sim/sim_drupal.h"
#include "sim/sim_sign.h"
#include "tests/support/th_assert.h"

#define VND_H "Content-Type: application/vnd.api+json"

static char auth_buf[128];

static const char *const *admin(void)
{
	static const char *h[3];
	h[0] = basic(auth_buf, "admin", "admin");
	h[1] = VND_H;
	h[2] = NULL;
	return h;
}

static const char *yaml_catalog =
	"seed: 7\n"
	"drupal:\n"
	"  products: 40\n"
	"  variations: 3\n"
	"  orders: 0\n"
	"  customers: 2\n"
	"  hidden_fraction: 0.5\n";

static size_t count_data(const seam_sim_resp_t *r)
{
	return json_array_size(json_object_get(r->json, "data"));
}

static void test_page_limit_capped_at_50_with_next(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_catalog);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "GET", "/jsonapi/commerce_product_variation/default?page[limit]=500&sort=sku", admin(),
	     NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, "application/vnd.api+json");
	assert_int_equal(count_data(&r), 50);
	const char *next = jstr(r.json, "links.next.href");
	assert_non_null(next);
	/* as in the sample: page params first, the limit normalised to 50, the sort kept */
	assert_non_null(strstr(next, "/jsonapi/commerce_product_variation/default?page%5Boffset%5D=50&page%5Blimit%5D=50&sort=sku"));
	assert_non_null(strstr(jstr(r.json, "links.self.href"), "page%5Blimit%5D=500"));
	assert_string_equal(jstr(r.json, "data.0.attributes.sku"), "SKU-000001");
	assert_string_equal(jstr(r.json, "data.49.attributes.sku"), "SKU-000050");
	seam_sim_resp_dispose(&r);

	/* the last page has no next link, only self (and first/prev) */
	call(d, "GET", "/jsonapi/commerce_product_variation/default?page[offset]=100&page[limit]=50&sort=sku",
	     admin(), NULL, &r);
	assert_int_equal(count_data(&r), 20);
	assert_null(jget(r.json, "links.next"));
	assert_non_null(jget(r.json, "links.prev"));
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

/* Anonymous callers get short pages: unpublished variations are listed under meta.omitted, yet
 * links.next is there; following next to the end visits every visible variation once. */
static void test_anonymous_short_pages_and_omitted(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_catalog);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "GET", "/jsonapi/commerce_product_variation/default?page[limit]=500&sort=sku", NULL,
	     NULL, &r);
	assert_int_equal(r.status, 200);
	size_t visible = count_data(&r);
	json_t *om = jget(r.json, "meta.omitted");
	assert_non_null(om);
	assert_string_equal(jstr(om, "detail"),
			    "Some resources have been omitted because of insufficient authorization.");
	size_t omitted = json_object_size(json_object_get(om, "links")) - 1; /* minus "help" */
	assert_int_equal(visible + omitted, 50);
	TH_ASSERT_CMP(visible, <, 50);
	assert_non_null(jget(r.json, "links.next"));
	seam_sim_resp_dispose(&r);

	/* walk all pages as a connector must: until links.next is absent */
	char target[1024] = "/jsonapi/commerce_product_variation/default?page[limit]=50&sort=sku";
	size_t total = 0, pages = 0, total_omitted = 0;
	json_t *seen = json_object();
	for (;;) {
		call(d, "GET", target, NULL, NULL, &r);
		assert_int_equal(r.status, 200);
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(r.json, "data"), i, it) {
			const char *id = json_string_value(json_object_get(it, "id"));
			assert_null(json_object_get(seen, id));
			json_object_set_new(seen, id, json_true());
			assert_true(json_is_true(jget(it, "attributes.status")));
			total++;
		}
		json_t *o = jget(r.json, "meta.omitted.links");
		if (o)
			total_omitted += json_object_size(o) - 1;
		pages++;
		const char *next = jstr(r.json, "links.next.href");
		if (!next) {
			seam_sim_resp_dispose(&r);
			break;
		}
		const char *p = strstr(next, "/jsonapi/");
		snprintf(target, sizeof target, "%s", p);
		seam_sim_resp_dispose(&r);
	}
	assert_int_equal(pages, 3);
	assert_int_equal(total + total_omitted, 120);
	json_decref(seen);

	/* the administrator sees everything */
	call(d, "GET", "/jsonapi/commerce_product_variation/default?page[offset]=100", admin(), NULL, &r);
	assert_int_equal(count_data(&r), 20);
	assert_null(jget(r.json, "meta"));
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

static void test_filters_and_sorts(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_catalog);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	/* the sample: STARTS_WITH in the shorthand-with-operator form, sorted descending */
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[sku][operator]=STARTS_WITH&filter[sku][value]=SKU-00005&sort=-sku",
	     admin(), NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_data(&r), 10);
	assert_string_equal(jstr(r.json, "data.0.attributes.sku"), "SKU-000059");
	assert_string_equal(jstr(r.json, "data.9.attributes.sku"), "SKU-000050");
	assert_null(jget(r.json, "links.next"));
	seam_sim_resp_dispose(&r);

	/* condition form with IN */
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[a][condition][path]=sku&filter[a][condition][operator]=IN&filter[a][condition][value][]=SKU-000003&filter[a][condition][value][]=SKU-000007&sort=sku",
	     admin(), NULL, &r);
	assert_int_equal(count_data(&r), 2);
	assert_string_equal(jstr(r.json, "data.1.attributes.sku"), "SKU-000007");
	seam_sim_resp_dispose(&r);

	/* BETWEEN on an integer, NOT IN, <>, ENDS_WITH, CONTAINS */
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[b][condition][path]=drupal_internal__variation_id&filter[b][condition][operator]=BETWEEN&filter[b][condition][value][]=10&filter[b][condition][value][]=19",
	     admin(), NULL, &r);
	assert_int_equal(count_data(&r), 10);
	seam_sim_resp_dispose(&r);
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[e][condition][path]=sku&filter[e][condition][operator]=ENDS_WITH&filter[e][condition][value]=00011",
	     admin(), NULL, &r);
	assert_int_equal(count_data(&r), 1);
	seam_sim_resp_dispose(&r);
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[c][condition][path]=title&filter[c][condition][operator]=CONTAINS&filter[c][condition][value]=product 4 -",
	     admin(), NULL, &r);
	assert_int_equal(count_data(&r), 3); /* "Product 4 - n": LIKE ignores case */
	seam_sim_resp_dispose(&r);

	/* an OR group: two skus */
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[g][group][conjunction]=OR"
	     "&filter[x][condition][path]=sku&filter[x][condition][value]=SKU-000001&filter[x][condition][memberOf]=g"
	     "&filter[y][condition][path]=sku&filter[y][condition][value]=SKU-000002&filter[y][condition][memberOf]=g",
	     admin(), NULL, &r);
	assert_int_equal(count_data(&r), 2);
	seam_sim_resp_dispose(&r);

	/* price.number compares as a decimal, not as text */
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[p][condition][path]=price.number&filter[p][condition][operator]=>=&filter[p][condition][value]=100&page[limit]=50",
	     admin(), NULL, &r);
	size_t i;
	json_t *it;
	TH_ASSERT_CMP(count_data(&r), >, 0);
	json_array_foreach(json_object_get(r.json, "data"), i, it)
		TH_ASSERT_CMP(atof(jstr(it, "attributes.price.number")), >=, 100.0);
	seam_sim_resp_dispose(&r);

	/* relationship path: variations of one product */
	call(d, "GET", "/jsonapi/commerce_product/default?filter[drupal_internal__product_id]=2", admin(),
	     NULL, &r);
	char puuid[64];
	snprintf(puuid, sizeof puuid, "%s", jstr(r.json, "data.0.id"));
	seam_sim_resp_dispose(&r);
	callf(d, "GET", admin(), NULL, &r,
	      "/jsonapi/commerce_product_variation/default?filter[product_id.id]=%s&sort=-drupal_internal__variation_id",
	      puuid);
	assert_int_equal(count_data(&r), 3);
	assert_string_equal(jstr(r.json, "data.0.attributes.sku"), "SKU-000006");
	seam_sim_resp_dispose(&r);

	/* IS NULL */
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[n][condition][path]=list_price&filter[n][condition][operator]=IS NULL&page[limit]=5",
	     admin(), NULL, &r);
	assert_int_equal(count_data(&r), 5);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

static void test_bad_filter_is_drupals_400(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_catalog);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "GET", "/jsonapi/commerce_product_variation/default?filter[nope]=1", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "errors.0.status"), "400");
	assert_string_equal(jstr(r.json, "errors.0.title"), "Bad Request");
	assert_string_equal(jstr(r.json, "errors.0.detail"),
			    "Invalid nested filtering. The field `nope`, given in the path `nope`, does not exist.");
	assert_non_null(strstr(jstr(r.json, "errors.0.links.via.href"),
			       "/jsonapi/commerce_product_variation/default?filter%5Bnope%5D=1"));
	assert_string_equal(jstr(r.json, "errors.0.links.info.href"),
			    "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1");
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/jsonapi/commerce_product_variation/default?filter[sku][operator]=LIKE&filter[sku][value]=x",
	     NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/jsonapi/commerce_product_variation/default?sort=nope", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/jsonapi/commerce_product/default?include=nope", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(jstr(r.json, "errors.0.detail"), "`nope` is not a valid relationship field name"));
	seam_sim_resp_dispose(&r);
	/* timestamps are Unix seconds in Drupal's entity query; RFC 3339 is refused loudly */
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[c][condition][path]=changed&filter[c][condition][operator]=>&filter[c][condition][value]=2026-01-01T00:00:00Z",
	     admin(), NULL, &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[c][condition][path]=changed&filter[c][condition][operator]=>&filter[c][condition][value]=0&page[limit]=1",
	     admin(), NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_data(&r), 1);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

static void test_include_variations(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_catalog);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "GET", "/jsonapi/commerce_product/default?include=variations&page[limit]=2", admin(),
	     NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "included")), 6);
	assert_string_equal(jstr(r.json, "included.0.type"), "commerce_product_variation--default");
	assert_string_equal(jstr(r.json, "data.0.relationships.variations.data.0.id"),
			    jstr(r.json, "included.0.id"));
	assert_int_equal(json_integer_value(jget(r.json, "data.0.relationships.variations.data.0.meta.drupal_internal__target_id")), 1);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

/* ---- orders ---- */

static const char *yaml_orders =
	"seed: 11\n"
	"drupal:\n"
	"  products: 5\n"
	"  variations: 1\n"
	"  orders: 0\n"
	"  customers: 1\n"
	"  workflow: order_default\n"
	"  stores: [{name: Online, seam_store: us, currency: USD, uuid: d86ef9a7-ca84-4144-9b82-1176901147dc}]\n"
	"  events:\n"
	"    url: http://127.0.0.1:9/\n"
	"    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
	"    attempts: 1\n";

static char *create_order(seam_sim_double_t *d, const char *number)
{
	seam_sim_resp_t r;
	char body[600];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"attributes\":{\"order_number\":\"%s\","
		 "\"mail\":\"b@example.com\"},\"relationships\":{\"store_id\":{\"data\":{\"type\":"
		 "\"commerce_store--online\",\"id\":\"d86ef9a7-ca84-4144-9b82-1176901147dc\"}}}}}",
		 number);
	call(d, "POST", "/jsonapi/commerce_order/default", admin(), body, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "data.attributes.state"), "draft");
	assert_true(json_is_null(jget(r.json, "data.attributes.total_price")));
	assert_true(json_is_false(jget(r.json, "data.attributes.data.paid_event_dispatched")));
	assert_non_null(seam_sim_resp_header(&r, "Location"));
	char *id = strdup(jstr(r.json, "data.id"));
	seam_sim_resp_dispose(&r);
	return id;
}

static char *variation_uuid(seam_sim_double_t *d, const char *sku)
{
	seam_sim_resp_t r;
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product_variation/default?filter[sku]=%s", sku);
	char *id = strdup(jstr(r.json, "data.0.id"));
	seam_sim_resp_dispose(&r);
	return id;
}

/* order-item-create + order-add-items: an item made on its own, linked by PATCHing order_items */
static void add_item(seam_sim_double_t *d, const char *order, const char *var, const char *qty,
		     const char *price)
{
	seam_sim_resp_t r;
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order_item--default\",\"attributes\":{\"title\":\"W\","
		 "\"quantity\":\"%s\",\"unit_price\":{\"number\":\"%s\",\"currency_code\":\"USD\"}},"
		 "\"relationships\":{\"order_id\":{\"data\":{\"type\":\"commerce_order--default\",\"id\":"
		 "\"%s\"}},\"purchased_entity\":{\"data\":{\"type\":\"commerce_product_variation--default\","
		 "\"id\":\"%s\"}}}}}",
		 qty, price, order, var);
	call(d, "POST", "/jsonapi/commerce_order_item/default", admin(), body, &r);
	assert_int_equal(r.status, 201);
	char item[64];
	snprintf(item, sizeof item, "%s", jstr(r.json, "data.id"));
	seam_sim_resp_dispose(&r);
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\",\"relationships\":{"
		 "\"order_items\":{\"data\":[{\"type\":\"commerce_order_item--default\",\"id\":\"%s\"}]}}}}",
		 order, item);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_order/default/%s", order);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
}

static void test_order_create_requires_number(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_orders);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "POST", "/jsonapi/commerce_order/default", admin(),
	     "{\"data\":{\"type\":\"commerce_order--default\",\"attributes\":{\"mail\":\"buyer@example.com\","
	     "\"state\":\"draft\"},\"relationships\":{\"store_id\":{\"data\":{\"type\":\"commerce_store--online\","
	     "\"id\":\"d86ef9a7-ca84-4144-9b82-1176901147dc\"}}}}}",
	     &r);
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "errors.0.title"), "Unprocessable Content");
	assert_string_equal(jstr(r.json, "errors.0.detail"), "order_number: This value should not be null.");
	assert_string_equal(jstr(r.json, "errors.0.source.pointer"), "/data/attributes/order_number");
	assert_null(jget(r.json, "errors.0.links"));
	seam_sim_resp_dispose(&r);
	/* writes need credentials, and the JSON:API media type */
	call(d, "POST", "/jsonapi/commerce_order/default", NULL, "{}", &r);
	assert_int_equal(r.status, 401);
	assert_non_null(seam_sim_resp_header(&r, "WWW-Authenticate"));
	seam_sim_resp_dispose(&r);
	const char *json_ct[] = {basic(auth_buf, "admin", "admin"), "Content-Type: application/json", NULL};
	call(d, "POST", "/jsonapi/commerce_order/default", json_ct, "{}", &r);
	assert_int_equal(r.status, 415);
	seam_sim_resp_dispose(&r);
	/* a client-generated id is kept; the same id again is a conflict */
	const char *with_id =
		"{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b\","
		"\"attributes\":{\"order_number\":\"9\"},\"relationships\":{\"store_id\":{\"data\":{\"type\":"
		"\"commerce_store--online\",\"id\":\"d86ef9a7-ca84-4144-9b82-1176901147dc\"}}}}}";
	call(d, "POST", "/jsonapi/commerce_order/default", admin(), with_id, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "data.id"), "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/jsonapi/commerce_order/default", admin(), with_id, &r);
	assert_int_equal(r.status, 409);
	assert_string_equal(jstr(r.json, "errors.0.detail"), "Conflict: Entity already exists.");
	seam_sim_resp_dispose(&r);
	/* a wrong type is a conflict; an unknown attribute a 422 */
	call(d, "POST", "/jsonapi/commerce_order/default", admin(),
	     "{\"data\":{\"type\":\"commerce_order--other\"}}", &r);
	assert_int_equal(r.status, 409);
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/jsonapi/commerce_order/default", admin(),
	     "{\"data\":{\"type\":\"commerce_order--default\",\"attributes\":{\"colour\":\"red\"}}}", &r);
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

static void test_place_total_paid_and_events(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_orders);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_drupal_t *dr = seam_sim_impl(t->sim, "drupal");
	char *order = create_order(d, "1002");
	char *var = variation_uuid(d, "SKU-000001");
	add_item(d, order, var, "2", "19.99");
	seam_sim_resp_t r;
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_order/default/%s?include=order_items", order);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "data.attributes.total_price.number"), "39.98");
	assert_string_equal(jstr(r.json, "data.attributes.total_price.formatted"), "$39.98");
	assert_string_equal(jstr(r.json, "data.attributes.balance.number"), "39.98");
	assert_true(json_is_null(jget(r.json, "data.attributes.total_paid")));
	assert_int_equal(json_integer_value(jget(r.json, "data.attributes.version")), 2);
	assert_string_equal(jstr(r.json, "included.0.attributes.total_price.number"), "39.98");
	seam_sim_resp_dispose(&r);

	/* place: PATCH state draft -> completed runs `place` on order_default */
	char body[512];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\",\"attributes\":{\"state\":\"completed\"}}}",
		 order);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_order/default/%s", order);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "data.attributes.state"), "completed");
	assert_non_null(jstr(r.json, "data.attributes.placed"));
	assert_non_null(jstr(r.json, "data.attributes.completed"));
	assert_string_equal(jstr(r.json, "data.attributes.order_number"), "1002"); /* kept when set */
	assert_int_equal(json_integer_value(jget(r.json, "data.attributes.version")), 3);
	seam_sim_resp_dispose(&r);

	/* backwards: 422 exactly as the sample */
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\",\"attributes\":{\"state\":\"draft\"}}}",
		 order);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_order/default/%s", order);
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "errors.0.detail"), "state.0: The state 'draft' is invalid.");
	assert_string_equal(jstr(r.json, "errors.0.source.pointer"), "/data/attributes/state/0");
	seam_sim_resp_dispose(&r);

	/* payment without payment_gateway_mode: 422 */
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_payment_gateway/commerce_payment_gateway?filter[drupal_internal__id]=manual");
	char gw[64];
	snprintf(gw, sizeof gw, "%s", jstr(r.json, "data.0.id"));
	seam_sim_resp_dispose(&r);
	char pay[1024];
	snprintf(pay, sizeof pay,
		 "{\"data\":{\"type\":\"commerce_payment--payment_manual\",\"attributes\":{\"state\":\"completed\","
		 "\"amount\":{\"number\":\"39.98\",\"currency_code\":\"USD\"},\"remote_id\":\"pi_123\","
		 "\"remote_state\":\"succeeded\"%s},\"relationships\":{\"order_id\":{\"data\":{\"type\":"
		 "\"commerce_order--default\",\"id\":\"%s\"}},\"payment_gateway\":{\"data\":{\"type\":"
		 "\"commerce_payment_gateway--commerce_payment_gateway\",\"id\":\"%s\"}}}}}",
		 "", order, gw);
	call(d, "POST", "/jsonapi/commerce_payment/payment_manual", admin(), pay, &r);
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "errors.0.source.pointer"), "/data/attributes/payment_gateway_mode");
	seam_sim_resp_dispose(&r);
	snprintf(pay, sizeof pay,
		 "{\"data\":{\"type\":\"commerce_payment--payment_manual\",\"attributes\":{\"state\":\"completed\","
		 "\"amount\":{\"number\":\"39.98\",\"currency_code\":\"USD\"},\"remote_id\":\"pi_123\","
		 "\"remote_state\":\"succeeded\",\"payment_gateway_mode\":\"n/a\"},\"relationships\":{\"order_id\":"
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\"}},\"payment_gateway\":{\"data\":"
		 "{\"type\":\"commerce_payment_gateway--commerce_payment_gateway\",\"id\":\"%s\"}}}}}",
		 order, gw);
	call(d, "POST", "/jsonapi/commerce_payment/payment_manual", admin(), pay, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "data.attributes.refunded_amount.number"), "0");
	assert_non_null(jstr(r.json, "data.attributes.completed"));
	assert_string_equal(jstr(r.json, "data.attributes.expires"), "1970-01-01T00:00:00+00:00");
	char payment[64];
	snprintf(payment, sizeof payment, "%s", jstr(r.json, "data.id"));
	seam_sim_resp_dispose(&r);

	/* as order-after-payment: total_paid recomputed, balance "0", paid flag set */
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_order/default/%s", order);
	assert_string_equal(jstr(r.json, "data.attributes.total_paid.number"), "39.98");
	assert_string_equal(jstr(r.json, "data.attributes.balance.number"), "0");
	assert_string_equal(jstr(r.json, "data.attributes.balance.formatted"), "$0.00");
	assert_true(json_is_true(jget(r.json, "data.attributes.data.paid_event_dispatched")));
	assert_int_equal(json_integer_value(jget(r.json, "data.attributes.version")), 4);
	seam_sim_resp_dispose(&r);

	/* the remote id finds it (Drupal does not stop a second one) */
	call(d, "GET", "/jsonapi/commerce_payment/payment_manual?filter[remote_id]=pi_123", admin(), NULL, &r);
	assert_int_equal(count_data(&r), 1);
	seam_sim_resp_dispose(&r);

	/* refund by PATCH: 403 even for the administrator, detail "" */
	snprintf(pay, sizeof pay,
		 "{\"data\":{\"type\":\"commerce_payment--payment_manual\",\"id\":\"%s\",\"attributes\":"
		 "{\"state\":\"partially_refunded\",\"refunded_amount\":{\"number\":\"10.00\",\"currency_code\":\"USD\"}}}}",
		 payment);
	callf(d, "PATCH", admin(), pay, &r, "/jsonapi/commerce_payment/payment_manual/%s", payment);
	assert_int_equal(r.status, 403);
	assert_string_equal(jstr(r.json, "errors.0.detail"), "");
	assert_string_equal(jstr(r.json, "errors.0.links.info.href"),
			    "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4");
	seam_sim_resp_dispose(&r);

	/* events: order.placed then order.paid, Standard Webhooks signed */
	assert_int_equal(seam_sim_sender_flush(seam_sim_drupal_sender(dr), 5000), 0);
	assert_int_equal(t->cap.n, 2);
	/* two workers may deliver them in either order */
	int placed_first = strstr(t->cap.msgs[0].body, "order.placed") != NULL;
	cap_msg_t *m = &t->cap.msgs[placed_first ? 0 : 1];
	assert_string_equal(m->url, "http://127.0.0.1:9/webhooks/drupal/us");
	json_t *ev = json_loads(m->body, 0, NULL);
	assert_string_equal(jstr(ev, "type"), "order.placed");
	assert_string_equal(jstr(ev, "data.order_uuid"), order);
	assert_string_equal(jstr(ev, "data.transition"), "place");
	assert_string_equal(jstr(ev, "data.order_number"), "1002");
	assert_string_equal(jstr(ev, "data.store_uuid"), "d86ef9a7-ca84-4144-9b82-1176901147dc");
	assert_string_equal(jstr(ev, "data.workflow"), "order_default");
	assert_string_equal(jstr(ev, "data.total.number"), "39.98");
	assert_int_equal(strlen(jstr(ev, "timestamp")), 20); /* seconds, Z */
	json_decref(ev);
	const char *id = cap_header(m, "webhook-id"), *ts = cap_header(m, "webhook-timestamp");
	assert_non_null(id);
	assert_int_equal(strncmp(id, "msg_", 4), 0);
	char sig[128];
	assert_int_equal(seam_sim_sign_standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id,
						strtoll(ts, NULL, 10), m->body, strlen(m->body), sig,
						sizeof sig), 0);
	assert_string_equal(cap_header(m, "webhook-signature"), sig);
	ev = json_loads(t->cap.msgs[placed_first ? 1 : 0].body, 0, NULL);
	assert_string_equal(jstr(ev, "type"), "order.paid");
	assert_true(json_is_null(jget(ev, "data.transition")));
	json_decref(ev);
	free(order);
	free(var);
	simt_free(t);
}

/* PATCH changes only what is sent; read-only fields with other values are refused. */
static void test_patch_semantics(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_orders);
	seam_sim_double_t *d = simt_get(t, "drupal");
	char *order = create_order(d, "77");
	seam_sim_resp_t r;
	char body[512];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\",\"attributes\":{\"seam_erp_number\":\"S-ORD101001\"}}}",
		 order);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_order/default/%s", order);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "data.attributes.seam_erp_number"), "S-ORD101001");
	assert_string_equal(jstr(r.json, "data.attributes.mail"), "b@example.com");
	assert_string_equal(jstr(r.json, "data.attributes.order_number"), "77");
	seam_sim_resp_dispose(&r);
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\",\"attributes\":{\"total_paid\":{\"number\":\"1\",\"currency_code\":\"USD\"}}}}",
		 order);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_order/default/%s", order);
	assert_int_equal(r.status, 403);
	assert_string_equal(jstr(r.json, "errors.0.detail"),
			    "The current user is not allowed to PATCH the selected field (total_paid).");
	seam_sim_resp_dispose(&r);
	/* the id in the body must be the id in the URL */
	callf(d, "PATCH", admin(),
	      "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"00000000-0000-4000-8000-000000000000\",\"attributes\":{}}}",
	      &r, "/jsonapi/commerce_order/default/%s", order);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	/* anonymous: orders are not listed and not readable */
	call(d, "GET", "/jsonapi/commerce_order/default", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_data(&r), 0);
	seam_sim_resp_dispose(&r);
	callf(d, "GET", NULL, NULL, &r, "/jsonapi/commerce_order/default/%s", order);
	assert_int_equal(r.status, 401);
	seam_sim_resp_dispose(&r);
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_order/default/%s", "no-such-uuid");
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	free(order);
	simt_free(t);
}

/* ---- payments through the bridge endpoint ---- */

static const char *yaml_pay =
	"seed: 5\n"
	"drupal:\n"
	"  products: 3\n"
	"  variations: 1\n"
	"  orders: 0\n"
	"  workflow: order_fulfillment\n"
	"  stores: [{name: Online, seam_store: us, currency: USD, uuid: d86ef9a7-ca84-4144-9b82-1176901147dc}]\n";

/* A placed order of total 30.00 and an authorized payment of 30.00 (stripe). */
static void setup_payment(seam_sim_double_t *d, char order[64], char payment[64], const char *state)
{
	seam_sim_resp_t r;
	char *o = create_order(d, "5001");
	char *v = variation_uuid(d, "SKU-000001");
	add_item(d, o, v, "3", "10.00");
	snprintf(order, 64, "%s", o);
	call(d, "GET", "/jsonapi/commerce_payment_gateway/commerce_payment_gateway?filter[drupal_internal__id]=stripe",
	     admin(), NULL, &r);
	char gw[64];
	snprintf(gw, sizeof gw, "%s", jstr(r.json, "data.0.id"));
	seam_sim_resp_dispose(&r);
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_payment--payment_default\",\"attributes\":{\"state\":\"%s\","
		 "\"amount\":{\"number\":\"30.00\",\"currency_code\":\"USD\"},\"remote_id\":\"pi_A\","
		 "\"payment_gateway_mode\":\"test\"},\"relationships\":{\"order_id\":{\"data\":{\"type\":"
		 "\"commerce_order--default\",\"id\":\"%s\"}},\"payment_gateway\":{\"data\":{\"type\":"
		 "\"commerce_payment_gateway--commerce_payment_gateway\",\"id\":\"%s\"}}}}}",
		 state, o, gw);
	call(d, "POST", "/jsonapi/commerce_payment/payment_default", admin(), body, &r);
	assert_int_equal(r.status, 201);
	snprintf(payment, 64, "%s", jstr(r.json, "data.id"));
	seam_sim_resp_dispose(&r);
	free(o);
	free(v);
}

static void transition(seam_sim_double_t *d, const char *payment, const char *body, seam_sim_resp_t *r)
{
	const char *h[] = {basic(auth_buf, "admin", "admin"), "Content-Type: application/json", NULL};
	callf(d, "POST", h, body, r, "/seam/payment/%s/transition", payment);
}

static const char *order_attr(seam_sim_double_t *d, const char *order, const char *path, char *out)
{
	seam_sim_resp_t r;
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_order/default/%s", order);
	const char *v = jstr(r.json, path);
	snprintf(out, 64, "%s", v ? v : "(null)");
	seam_sim_resp_dispose(&r);
	return out;
}

static void test_bridge_transitions_and_total_paid(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_pay);
	seam_sim_double_t *d = simt_get(t, "drupal");
	char order[64], payment[64], buf[64];
	setup_payment(d, order, payment, "authorization");
	/* an authorization does not count toward total_paid */
	assert_string_equal(order_attr(d, order, "data.attributes.total_paid", buf), "(null)");

	seam_sim_resp_t r;
	transition(d, payment, "{\"transition\":\"refund\",\"amount\":null,\"remote_state\":null,\"idempotency_key\":\"k0\"}", &r);
	assert_int_equal(r.status, 409);
	assert_string_equal(jstr(r.json, "error"), "transition_not_allowed");
	assert_string_equal(jstr(r.json, "current_state"), "authorization");
	seam_sim_resp_dispose(&r);

	const char *cap = "{\"transition\":\"capture\",\"amount\":{\"number\":\"30.00\",\"currency_code\":\"USD\"},\"remote_state\":\"succeeded\",\"idempotency_key\":\"pi_A:capture\"}";
	transition(d, payment, cap, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "state"), "completed");
	assert_string_equal(jstr(r.json, "amount.number"), "30");
	assert_string_equal(jstr(r.json, "refunded_amount.number"), "0");
	assert_string_equal(jstr(r.json, "order_uuid"), order);
	assert_true(json_is_false(json_object_get(r.json, "replayed")));
	seam_sim_resp_dispose(&r);
	assert_string_equal(order_attr(d, order, "data.attributes.total_paid.number", buf), "30");
	assert_string_equal(order_attr(d, order, "data.attributes.balance.number", buf), "0");

	/* the same key and request again: replayed, nothing applied */
	transition(d, payment, cap, &r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "replayed")));
	assert_string_equal(jstr(r.json, "state"), "completed");
	seam_sim_resp_dispose(&r);
	/* the same key for another request: 422 */
	transition(d, payment, "{\"transition\":\"capture\",\"amount\":null,\"remote_state\":null,\"idempotency_key\":\"pi_A:capture\"}", &r);
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);

	/* partial refund reduces total_paid; the order stays paid-once */
	transition(d, payment, "{\"transition\":\"partially_refund\",\"amount\":{\"number\":\"10.5\",\"currency_code\":\"USD\"},\"remote_state\":null,\"idempotency_key\":\"re_1\"}", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "state"), "partially_refunded");
	assert_string_equal(jstr(r.json, "refunded_amount.number"), "10.5");
	seam_sim_resp_dispose(&r);
	assert_string_equal(order_attr(d, order, "data.attributes.total_paid.number", buf), "19.5");
	assert_string_equal(order_attr(d, order, "data.attributes.balance.number", buf), "10.5");

	/* over the balance: 422; a refund must be the whole balance */
	transition(d, payment, "{\"transition\":\"partially_refund\",\"amount\":{\"number\":\"20\",\"currency_code\":\"USD\"},\"idempotency_key\":\"re_2\"}", &r);
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);
	transition(d, payment, "{\"transition\":\"refund\",\"amount\":{\"number\":\"1\",\"currency_code\":\"USD\"},\"idempotency_key\":\"re_3\"}", &r);
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);
	transition(d, payment, "{\"transition\":\"refund\",\"amount\":null,\"idempotency_key\":\"re_4\"}", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "state"), "refunded");
	assert_string_equal(jstr(r.json, "refunded_amount.number"), "30");
	seam_sim_resp_dispose(&r);
	/* a refunded payment keeps its completed time: it counts, with a balance of 0 */
	assert_string_equal(order_attr(d, order, "data.attributes.total_paid.number", buf), "0");
	assert_string_equal(order_attr(d, order, "data.attributes.balance.number", buf), "30");

	/* contract errors */
	transition(d, "00000000-0000-4000-8000-000000000000", "{\"transition\":\"void\",\"idempotency_key\":\"x\"}", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(r.json, "error"), "not_found");
	seam_sim_resp_dispose(&r);
	transition(d, payment, "{\"transition\":\"void\",\"idempotency_key\":\"x\",\"extra\":1}", &r);
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);
	transition(d, payment, "{\"transition\":\"void\",\"amount\":{\"number\":1.5,\"currency_code\":\"USD\"},\"idempotency_key\":\"y\"}", &r);
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);
	callf(d, "POST", NULL, "{}", &r, "/seam/payment/%s/transition", payment);
	assert_int_equal(r.status, 401);
	assert_non_null(jstr(r.json, "message"));
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

/* The control API makes placed orders in bulk; events go out for each. */
static void test_control_orders_and_drop_rate(void **state)
{
	(void)state;
	simt_t *t = simt_new("seed: 3\n"
			     "drupal:\n"
			     "  products: 10\n"
			     "  orders: 0\n"
			     "  workflow: order_fulfillment\n"
			     "  stores: [{seam_store: eu, currency: EUR}]\n"
			     "  events: {url: 'http://127.0.0.1:9', secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, drop_rate: 0.25, attempts: 1}\n");
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "POST", "/_sim/drupal/orders", NULL, "{\"count\": 400}", &r);
	assert_int_equal(r.status, 201);
	json_t *orders = json_object_get(r.json, "orders");
	assert_int_equal(json_array_size(orders), 400);
	assert_string_equal(jstr(orders, "0.state"), "fulfillment");
	/* order_number = order id when empty, as Drupal does */
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(jget(orders, "0.order_id")));
	assert_string_equal(jstr(orders, "0.order_number"), idbuf);
	assert_string_equal(jstr(orders, "0.total.currency_code"), "EUR");
	seam_sim_resp_dispose(&r);
	assert_int_equal(seam_sim_sender_flush(seam_sim_drupal_sender(seam_sim_impl(t->sim, "drupal")), 10000), 0);
	/* about a quarter lost, deterministically per seed */
	TH_ASSERT_CMP(t->cap.n, >, 250);
	TH_ASSERT_CMP(t->cap.n, <, 350);
	call(d, "GET", "/_sim/deliveries?limit=1000", NULL, NULL, &r);
	assert_int_equal(json_integer_value(jget(r.json, "stats.lost")) + json_integer_value(jget(r.json, "stats.delivered")), 400);
	seam_sim_resp_dispose(&r);
	assert_non_null(strstr(t->cap.msgs[0].url, "/webhooks/drupal/eu"));

	/* a fulfillment order can be fulfilled, then nothing leaves completed */
	call(d, "POST", "/_sim/drupal/orders", NULL, "{\"count\": 1, \"state\": \"draft\"}", &r);
	char uuid[64];
	snprintf(uuid, sizeof uuid, "%s", jstr(r.json, "orders.0.uuid"));
	assert_true(json_is_null(jget(r.json, "orders.0.order_number")));
	seam_sim_resp_dispose(&r);
	callf(d, "POST", NULL, "{\"transition\":\"fulfill\"}", &r, "/_sim/drupal/orders/%s/transition", uuid);
	assert_int_equal(r.status, 409);
	seam_sim_resp_dispose(&r);
	callf(d, "POST", NULL, "{\"transition\":\"place\"}", &r, "/_sim/drupal/orders/%s/transition", uuid);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "data.attributes.state"), "fulfillment");
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

/* Two stores on one site (the demo): every order, seeded or made through the control API,
 * is priced in its store's currency, and a listing filtered on store_id.id (the path core
 * JSON:API takes for a relationship's UUID; "=" and IN) holds only that store's orders. */
static void test_stores_currency_and_store_filter(void **state)
{
	(void)state;
	simt_t *t = simt_new("seed: 5\n"
			     "drupal:\n"
			     "  products: 10\n  orders: 40\n  workflow: order_fulfillment\n"
			     "  stores:\n"
			     "    - {name: US store, seam_store: us, currency: USD, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}\n"
			     "    - {name: EU store, seam_store: eu, currency: EUR, uuid: 6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10}\n");
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "POST", "/_sim/drupal/orders", NULL, "{\"count\": 3, \"store\": \"eu\"}", &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "orders.0.total.currency_code"), "EUR");
	seam_sim_resp_dispose(&r);
	static const struct {
		const char *query, *store, *cur;
	} cases[] = {
		{"filter[store_id.id]=6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10", "6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10", "EUR"},
		{"filter[s][condition][path]=store_id.id&filter[s][condition][operator]=%3D"
		 "&filter[s][condition][value]=0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11",
		 "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11", "USD"},
		{"filter[s][condition][path]=store_id.id&filter[s][condition][operator]=IN"
		 "&filter[s][condition][value][]=6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10",
		 "6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10", "EUR"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		char target[600];
		snprintf(target, sizeof target,
			 "/jsonapi/commerce_order/default?%s&filter[state][operator]=%%3C%%3E"
			 "&filter[state][value]=draft&include=order_items&page[limit]=50",
			 cases[k].query);
		call(d, "GET", target, admin(), NULL, &r);
		assert_int_equal(r.status, 200);
		json_t *data = json_object_get(r.json, "data"), *o, *it;
		size_t i;
		TH_ASSERT_CMP(json_array_size(data), >, 3);
		json_array_foreach(data, i, o) {
			const char *store = json_string_value(
				jget(o, "relationships.store_id.data.id"));
			if (!store || strcmp(store, cases[k].store))
				fail_msg("case %zu: order %zu is of store %s, want %s", k, i,
					 store ? store : "(none)", cases[k].store);
			assert_string_equal(jstr(o, "attributes.total_price.currency_code"), cases[k].cur);
		}
		json_array_foreach(json_object_get(r.json, "included"), i, it)
			assert_string_equal(jstr(it, "attributes.unit_price.currency_code"), cases[k].cur);
		seam_sim_resp_dispose(&r);
	}
	simt_free(t);
}

static void test_deterministic_seed_and_fast_seeding(void **state)
{
	(void)state;
	const char *y = "seed: 99\ndrupal: {products: 5000, variations: 3, orders: 200, customers: 100}\n";
	const char *y10 = "seed: 99\ndrupal: {products: 1000, variations: 3, orders: 40, customers: 20}\n";
	/* Seeding grows about linearly with the data: five times the data takes about five times
	 * as long, measured in this run (a machine's speed and load cancel out); a quadratic seed
	 * would take twenty-five times. The absolute bound only catches a hang. */
	int64_t t0 = seam_mono_ns();
	simt_t *small = simt_new(y10);
	int64_t small_ms = (seam_mono_ns() - t0) / 1000000;
	simt_free(small);
	t0 = seam_mono_ns();
	simt_t *a = simt_new(y);
	int64_t ms = (seam_mono_ns() - t0) / 1000000;
	print_message("seeded 5000 products, 15000 variations, 200 orders in %lld ms; a fifth of "
		      "that in %lld ms\n", (long long)ms, (long long)small_ms);
	TH_ASSERT_CMP(ms, <, 15 * (small_ms > 10 ? small_ms : 10));
	TH_ASSERT_CMP(ms, <, 60000);
	simt_t *b = simt_new(y);
	seam_sim_resp_t ra, rb;
	call(simt_get(a, "drupal"), "GET", "/jsonapi/commerce_order/default?page[limit]=5&sort=drupal_internal__order_id", admin(), NULL, &ra);
	call(simt_get(b, "drupal"), "GET", "/jsonapi/commerce_order/default?page[limit]=5&sort=drupal_internal__order_id", admin(), NULL, &rb);
	assert_int_equal(ra.status, 200);
	assert_string_equal(ra.body, rb.body);
	seam_sim_resp_dispose(&ra);
	seam_sim_resp_dispose(&rb);
	simt_free(a);
	simt_free(b);
}

/* ---- catalog ---- */

static const char *yaml_cat =
	"seed: 13\n"
	"drupal:\n"
	"  products: 3\n"
	"  variations: 2\n"
	"  orders: 0\n"
	"  customers: 1\n";

/* POSTs a variation (sku, price 10 USD, optional extra JSON members for data); returns its
 * uuid (owned). want: the status expected. */
static char *post_variation(seam_sim_double_t *d, const char *sku, const char *extra, int want)
{
	seam_sim_resp_t r;
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"attributes\":{\"sku\":\"%s\","
		 "\"title\":\"%s\",\"price\":{\"number\":\"10\",\"currency_code\":\"USD\"}}%s%s}}",
		 sku, sku, extra ? "," : "", extra ? extra : "");
	call(d, "POST", "/jsonapi/commerce_product_variation/default", admin(), body, &r);
	if (r.status != want)
		fail_msg("POST variation %s: got %d, want %d: %s", sku, r.status, want, r.body);
	char *id = r.status == 201 ? strdup(jstr(r.json, "data.id")) : NULL;
	seam_sim_resp_dispose(&r);
	return id;
}

static char *post_product(seam_sim_double_t *d, const char *pim, const char *vars_json, int want)
{
	seam_sim_resp_t r;
	char body[2048];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product--default\",\"attributes\":{\"title\":\"P %s\","
		 "\"seam_pim_id\":\"%s\",\"body\":{\"value\":\"About %s\",\"format\":\"plain_text\"}},"
		 "\"relationships\":{\"variations\":{\"data\":[%s]}}}}",
		 pim, pim, pim, vars_json ? vars_json : "");
	call(d, "POST", "/jsonapi/commerce_product/default", admin(), body, &r);
	if (r.status != want)
		fail_msg("POST product %s: got %d, want %d: %s", pim, r.status, want, r.body);
	char *id = r.status == 201 ? strdup(jstr(r.json, "data.id")) : NULL;
	seam_sim_resp_dispose(&r);
	return id;
}

static const char *vref(char *buf, size_t cap, const char *id)
{
	snprintf(buf, cap, "{\"type\":\"commerce_product_variation--default\",\"id\":\"%s\"}", id);
	return buf;
}

static void test_seam_pim_id_filters(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_cat);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	char ref[160];
	/* seeded products carry the field, null */
	call(d, "GET", "/jsonapi/commerce_product/default?sort=drupal_internal__product_id", admin(), NULL, &r);
	assert_int_equal(count_data(&r), 3);
	assert_non_null(jget(r.json, "data.0.attributes.seam_pim_id"));
	assert_true(json_is_null(jget(r.json, "data.0.attributes.seam_pim_id")));
	seam_sim_resp_dispose(&r);
	char *v1 = post_variation(d, "SKU-M1-A", NULL, 201);
	char *p2 = post_product(d, "model_0002", NULL, 201);
	char *p1 = post_product(d, "model_0001", vref(ref, sizeof ref, v1), 201);
	/* the shorthand filter, with include */
	call(d, "GET", "/jsonapi/commerce_product/default?filter[seam_pim_id]=model_0001&include=variations",
	     admin(), NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_data(&r), 1);
	assert_string_equal(jstr(r.json, "data.0.id"), p1);
	assert_string_equal(jstr(r.json, "data.0.attributes.body.value"), "About model_0001");
	assert_string_equal(jstr(r.json, "included.0.attributes.sku"), "SKU-M1-A");
	seam_sim_resp_dispose(&r);
	/* IS NOT NULL, sorted by the serial id: only the two with a pim id, oldest first */
	call(d, "GET",
	     "/jsonapi/commerce_product/default?filter[f][condition][path]=seam_pim_id&filter[f][condition][operator]=IS%20NOT%20NULL&sort=drupal_internal__product_id",
	     admin(), NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_data(&r), 2);
	assert_string_equal(jstr(r.json, "data.0.id"), p2);
	assert_string_equal(jstr(r.json, "data.1.id"), p1);
	seam_sim_resp_dispose(&r);
	/* descending works too (not the serial fast path) */
	call(d, "GET",
	     "/jsonapi/commerce_product/default?filter[f][condition][path]=seam_pim_id&filter[f][condition][operator]=IS%20NOT%20NULL&sort=-drupal_internal__product_id",
	     admin(), NULL, &r);
	assert_string_equal(jstr(r.json, "data.0.id"), p1);
	seam_sim_resp_dispose(&r);
	/* strings compare case-insensitively, as Drupal's columns do */
	call(d, "GET", "/jsonapi/commerce_product_variation/default?filter[sku]=sku-m1-a", admin(), NULL, &r);
	assert_int_equal(count_data(&r), 1);
	assert_string_equal(jstr(r.json, "data.0.attributes.sku"), "SKU-M1-A");
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/jsonapi/commerce_product/default?filter[seam_pim_id]=MODEL_0002", admin(), NULL, &r);
	assert_int_equal(count_data(&r), 1);
	seam_sim_resp_dispose(&r);
	/* an unpublished product is hidden from anonymous callers (listed under meta.omitted) */
	char body[512];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product--default\",\"id\":\"%s\",\"attributes\":{\"status\":false}}}", p2);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product/default/%s", p2);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/jsonapi/commerce_product/default?filter[seam_pim_id]=model_0002", NULL, NULL, &r);
	assert_int_equal(count_data(&r), 0);
	assert_non_null(jget(r.json, "meta.omitted"));
	seam_sim_resp_dispose(&r);
	free(v1);
	free(p1);
	free(p2);
	simt_free(t);
}

static void test_attribute_values(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_cat);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "GET", "/jsonapi/commerce_product_attribute_value/color?filter[name]=black", admin(), NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_data(&r), 0);
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/jsonapi/commerce_product_attribute_value/color", admin(),
	     "{\"data\":{\"type\":\"commerce_product_attribute_value--color\",\"attributes\":{\"name\":\"black\"}}}", &r);
	assert_int_equal(r.status, 201);
	char *black = strdup(jstr(r.json, "data.id"));
	assert_int_equal(json_integer_value(jget(r.json, "data.attributes.drupal_internal__attribute_value_id")), 1);
	assert_string_equal(jstr(r.json, "data.attributes.langcode"), "en");
	assert_string_equal(jstr(r.json, "data.attributes.name"), "black");
	assert_int_equal(json_integer_value(jget(r.json, "data.attributes.weight")), 0);
	assert_string_equal(jstr(r.json, "data.relationships.attribute.data.type"),
			    "commerce_product_attribute--commerce_product_attribute");
	assert_string_equal(jstr(r.json, "data.relationships.attribute.data.meta.drupal_internal__target_id"), "color");
	seam_sim_resp_dispose(&r);
	/* one id space over the attributes' bundles */
	call(d, "POST", "/jsonapi/commerce_product_attribute_value/size", admin(),
	     "{\"data\":{\"type\":\"commerce_product_attribute_value--size\",\"attributes\":{\"name\":\"s\"}}}", &r);
	assert_int_equal(r.status, 201);
	assert_int_equal(json_integer_value(jget(r.json, "data.attributes.drupal_internal__attribute_value_id")), 2);
	char *small = strdup(jstr(r.json, "data.id"));
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/jsonapi/commerce_product_attribute_value/color", admin(),
	     "{\"data\":{\"type\":\"commerce_product_attribute_value--color\",\"attributes\":{\"weight\":3}}}", &r);
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "errors.0.source.pointer"), "/data/attributes/name");
	seam_sim_resp_dispose(&r);
	/* found by name, by anyone (the storefront shows them) */
	call(d, "GET", "/jsonapi/commerce_product_attribute_value/color?filter[name]=black", NULL, NULL, &r);
	assert_int_equal(count_data(&r), 1);
	assert_string_equal(jstr(r.json, "data.0.id"), black);
	seam_sim_resp_dispose(&r);
	/* the variation's attribute relationships */
	char extra[512];
	snprintf(extra, sizeof extra,
		 "\"relationships\":{\"attribute_color\":{\"data\":{\"type\":\"commerce_product_attribute_value--color\",\"id\":\"%s\"}}}",
		 black);
	char *v = post_variation(d, "SKU-AT-1", extra, 201);
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product_variation/default/%s", v);
	assert_string_equal(jstr(r.json, "data.relationships.attribute_color.data.id"), black);
	assert_true(json_is_null(jget(r.json, "data.relationships.attribute_size.data")));
	seam_sim_resp_dispose(&r);
	/* a size value in attribute_color is refused, as the field's target bundles say */
	char body[700];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"id\":\"%s\",\"relationships\":{\"attribute_color\":{\"data\":{\"type\":\"commerce_product_attribute_value--size\",\"id\":\"%s\"}}}}}",
		 v, small);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product_variation/default/%s", v);
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "errors.0.detail"),
			    "attribute_color.0.target_id: This entity (commerce_product_attribute_value: 2) cannot be referenced.");
	seam_sim_resp_dispose(&r);
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"id\":\"%s\",\"relationships\":{\"attribute_color\":{\"data\":null},\"attribute_size\":{\"data\":{\"type\":\"commerce_product_attribute_value--size\",\"id\":\"%s\"}}}}}",
		 v, small);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product_variation/default/%s", v);
	assert_int_equal(r.status, 200);
	assert_true(json_is_null(jget(r.json, "data.relationships.attribute_color.data")));
	assert_string_equal(jstr(r.json, "data.relationships.attribute_size.data.id"), small);
	seam_sim_resp_dispose(&r);
	free(v);
	free(black);
	free(small);
	simt_free(t);
}

static void test_sku_unique_and_fault_switch(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_cat);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	char *v = post_variation(d, "SKU-U-1", NULL, 201);
	char *w = post_variation(d, "SKU-U-2", NULL, 201);
	/* a seeded SKU, in another case: Commerce's validator queries case-insensitively */
	call(d, "POST", "/jsonapi/commerce_product_variation/default", admin(),
	     "{\"data\":{\"type\":\"commerce_product_variation--default\",\"attributes\":{\"sku\":\"sku-000001\"}}}", &r);
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "errors.0.title"), "Unprocessable Content");
	assert_string_equal(jstr(r.json, "errors.0.detail"),
			    "sku: The SKU sku-000001 is already in use and must be unique.");
	assert_string_equal(jstr(r.json, "errors.0.source.pointer"), "/data/attributes/sku");
	seam_sim_resp_dispose(&r);
	char body[512];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"id\":\"%s\",\"attributes\":{\"sku\":\"SKU-U-1\"}}}", w);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product_variation/default/%s", w);
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);
	/* the fault switch: by SKU (sent or stored) and by seam_pim_id */
	call(d, "POST", "/_sim/drupal/faults", NULL, "{\"reject\":[\"SKU-000007\",\"SKU-U-1\",\"model_0003\"]}", &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	post_variation(d, "SKU-000007", NULL, 422);
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"id\":\"%s\",\"attributes\":{\"title\":\"x\"}}}", v);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product_variation/default/%s", v);
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "errors.0.source.pointer"), "/data/attributes/sku");
	assert_non_null(strstr(jstr(r.json, "errors.0.detail"), "sku: "));
	seam_sim_resp_dispose(&r);
	post_product(d, "model_0003", NULL, 422);
	char *ok = post_product(d, "model_0004", NULL, 201);
	/* an empty list clears it */
	call(d, "POST", "/_sim/drupal/faults", NULL, "{\"reject\":[]}", &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product_variation/default/%s", v);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	char *p3 = post_product(d, "model_0003", NULL, 201);
	call(d, "POST", "/_sim/drupal/faults", NULL, "{\"reject\":\"SKU-1\"}", &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	free(v);
	free(w);
	free(ok);
	free(p3);
	simt_free(t);
}

static void test_product_links_and_catalog(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_cat);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	char ref[160], ref2[160], body[1024];
	char *a = post_variation(d, "SKU-L-A", NULL, 201);
	char *b = post_variation(d, "SKU-L-B", NULL, 201);
	char *p = post_product(d, "model_0010", vref(ref, sizeof ref, a), 201);
	char *q = post_product(d, "model_0011", NULL, 201);
	/* a variation created with product_id: the product lists it (ProductVariation::postSave) */
	snprintf(body, sizeof body,
		 "\"relationships\":{\"product_id\":{\"data\":{\"type\":\"commerce_product--default\",\"id\":\"%s\"}}}", p);
	char *c = post_variation(d, "SKU-L-C", body, 201);
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product/default/%s", p);
	assert_int_equal(json_array_size(jget(r.json, "data.relationships.variations.data")), 2);
	assert_string_equal(jstr(r.json, "data.relationships.variations.data.1.id"), c);
	seam_sim_resp_dispose(&r);
	/* PATCH of variations replaces the list; b gets its back-reference */
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product--default\",\"id\":\"%s\",\"relationships\":{\"variations\":{\"data\":[%s,%s]}}}}",
		 p, vref(ref, sizeof ref, b), vref(ref2, sizeof ref2, a));
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product/default/%s", p);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(jget(r.json, "data.relationships.variations.data")), 2);
	assert_string_equal(jstr(r.json, "data.relationships.variations.data.0.id"), b);
	seam_sim_resp_dispose(&r);
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product_variation/default/%s", b);
	assert_string_equal(jstr(r.json, "data.relationships.product_id.data.id"), p);
	seam_sim_resp_dispose(&r);
	/* PATCH of a variation's product_id moves it to q; p keeps listing it until p's own
	 * variations are written (Commerce only adds the back-reference) */
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"id\":\"%s\",\"relationships\":{\"product_id\":{\"data\":{\"type\":\"commerce_product--default\",\"id\":\"%s\"}}}}}",
		 a, q);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product_variation/default/%s", a);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "data.relationships.product_id.data.id"), q);
	seam_sim_resp_dispose(&r);
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product/default/%s", q);
	assert_string_equal(jstr(r.json, "data.relationships.variations.data.0.id"), a);
	seam_sim_resp_dispose(&r);
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product/default/%s", p);
	assert_int_equal(json_array_size(jget(r.json, "data.relationships.variations.data")), 2);
	seam_sim_resp_dispose(&r);
	/* listing a variation of another product does not take its back-reference */
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product--default\",\"id\":\"%s\",\"relationships\":{\"variations\":{\"data\":[%s]}}}}",
		 p, vref(ref, sizeof ref, c));
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_product/default/%s", p);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);

	/* the flat catalog read */
	call(d, "GET", "/_sim/drupal/catalog", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	json_t *prods = jget(r.json, "products");
	assert_int_equal(json_array_size(prods), 5);
	json_t *seeded = json_array_get(prods, 0), *pp = json_array_get(prods, 3);
	assert_true(json_is_null(json_object_get(seeded, "seam_pim_id")));
	assert_int_equal(json_array_size(json_object_get(seeded, "variations")), 2);
	assert_string_equal(jstr(seeded, "variations.0.sku"), "SKU-000001");
	assert_true(json_is_null(jget(seeded, "body")));
	assert_string_equal(jstr(pp, "uuid"), p);
	assert_string_equal(jstr(pp, "seam_pim_id"), "model_0010");
	assert_string_equal(jstr(pp, "title"), "P model_0010");
	assert_string_equal(jstr(pp, "body"), "About model_0010");
	assert_true(json_is_true(jget(pp, "status")));
	assert_int_equal(json_array_size(json_object_get(pp, "variations")), 1);
	assert_string_equal(jstr(pp, "variations.0.uuid"), c);
	assert_string_equal(jstr(pp, "variations.0.sku"), "SKU-L-C");
	assert_string_equal(jstr(pp, "variations.0.price.number"), "10");
	assert_string_equal(jstr(pp, "variations.0.price.currency_code"), "USD");
	assert_null(jget(pp, "variations.0.price.formatted"));
	assert_int_equal(json_object_size(jget(pp, "variations.0.attributes")), 0);
	assert_string_equal(jstr(json_array_get(prods, 4), "variations.0.sku"), "SKU-L-A");
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/_sim/drupal/ping", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	free(a);
	free(b);
	free(c);
	free(p);
	free(q);
	simt_free(t);
}

/* POSTs a variation with the given attributes JSON; returns its uuid (owned), NULL unless 201.
 * want: the status expected. */
static char *post_variation_attrs(seam_sim_double_t *d, const char *attrs, int want)
{
	seam_sim_resp_t r;
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"attributes\":%s}}", attrs);
	call(d, "POST", "/jsonapi/commerce_product_variation/default", admin(), body, &r);
	if (r.status != want)
		fail_msg("POST variation %s: got %d, want %d: %s", attrs, r.status, want, r.body);
	char *id = r.status == 201 ? strdup(jstr(r.json, "data.id")) : NULL;
	seam_sim_resp_dispose(&r);
	return id;
}

/* PATCHes variation v with the given attributes JSON; the response is left in r. */
static void patch_variation(seam_sim_double_t *d, const char *v, const char *attrs,
			    seam_sim_resp_t *r)
{
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"id\":\"%s\","
		 "\"attributes\":%s}}", v, attrs);
	callf(d, "PATCH", admin(), body, r, "/jsonapi/commerce_product_variation/default/%s", v);
}

/* The storefront module's seam_stock (decimal, null = not managed) and list_price on variations:
 * stored as Drupal stores them (4 decimals, rounded), refused as the real site refuses them
 * (docs/bridge.md, "Verified"), and in the flat catalog read. */
static void test_seam_stock_and_list_price(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_cat);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	call(d, "GET", "/jsonapi/commerce_product_variation/default?sort=sku", admin(), NULL, &r);
	const char *v = jstr(r.json, "data.0.id");
	char vid[40];
	snprintf(vid, sizeof vid, "%s", v);
	/* seeded variations: not managed, no list price; the field comes after default_langcode */
	json_t *attrs = jget(r.json, "data.0.attributes");
	assert_true(json_is_null(json_object_get(attrs, "seam_stock")));
	assert_true(json_is_null(json_object_get(attrs, "list_price")));
	const char *prev = NULL, *k;
	json_t *x;
	json_object_foreach(attrs, k, x) {
		if (!strcmp(k, "seam_stock"))
			assert_string_equal(prev, "default_langcode");
		prev = k;
	}
	seam_sim_resp_dispose(&r);

	/* price, list price and stock in one PATCH, as seam's stock and price flow sends them */
	patch_variation(d, vid,
			"{\"seam_stock\":\"12\",\"price\":{\"number\":\"21.50\",\"currency_code\":\"USD\"},"
			"\"list_price\":{\"number\":\"25.00\",\"currency_code\":\"USD\"}}",
			&r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "data.attributes.seam_stock"), "12.0000");
	assert_string_equal(jstr(r.json, "data.attributes.price.number"), "21.5");
	assert_string_equal(jstr(r.json, "data.attributes.list_price.number"), "25");
	assert_string_equal(jstr(r.json, "data.attributes.list_price.currency_code"), "USD");
	assert_string_equal(jstr(r.json, "data.attributes.list_price.formatted"), "$25.00");
	seam_sim_resp_dispose(&r);
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product_variation/default/%s", vid);
	assert_string_equal(jstr(r.json, "data.attributes.seam_stock"), "12.0000");
	assert_string_equal(jstr(r.json, "data.attributes.list_price.number"), "25");
	seam_sim_resp_dispose(&r);

	/* what Drupal stores: 4 decimals, rounded half up; a JSON integer; zero; null */
	static const struct {
		const char *sent, *stored;
	} ok[] = {
		{"\"3.12345\"", "3.1235"}, {"7", "7.0000"},	  {"\"0\"", "0.0000"},
		{"\"2.5\"", "2.5000"},	   {"\"9999999999.9999\"", "9999999999.9999"},
		{"\"-0\"", "0.0000"},	   {"null", NULL},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		char a[128];
		snprintf(a, sizeof a, "{\"seam_stock\":%s}", ok[i].sent);
		patch_variation(d, vid, a, &r);
		if (r.status != 200)
			fail_msg("seam_stock %s: got %d: %s", ok[i].sent, r.status, r.body);
		if (ok[i].stored)
			assert_string_equal(jstr(r.json, "data.attributes.seam_stock"), ok[i].stored);
		else
			assert_true(json_is_null(jget(r.json, "data.attributes.seam_stock")));
		seam_sim_resp_dispose(&r);
	}

	/* refused as the real site refuses them, each at .../seam_stock/value */
	patch_variation(d, vid, "{\"seam_stock\":\"4\"}", &r);
	seam_sim_resp_dispose(&r);
	static const struct {
		const char *sent, *detail;
	} bad[] = {
		{"\"-1\"", "seam_stock.0.value: Stock (from the ERP): the value may be no less than 0."},
		{"-3", "seam_stock.0.value: Stock (from the ERP): the value may be no less than 0."},
		{"\"abc\"", "seam_stock.0.value: This value should be of the correct primitive type."},
		{"\"1e3\"", "seam_stock.0.value: This value should be of the correct primitive type."},
		{"\"12345678901\"",
		 "seam_stock.0.value: Stock (from the ERP): the value may be no greater than 9999999999.9999."},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char a[128];
		snprintf(a, sizeof a, "{\"seam_stock\":%s,\"price\":{\"number\":\"1\",\"currency_code\":\"USD\"}}",
			 bad[i].sent);
		patch_variation(d, vid, a, &r);
		if (r.status != 422)
			fail_msg("seam_stock %s: got %d, want 422: %s", bad[i].sent, r.status, r.body);
		assert_string_equal(jstr(r.json, "errors.0.detail"), bad[i].detail);
		assert_string_equal(jstr(r.json, "errors.0.source.pointer"), "/data/attributes/seam_stock/value");
		seam_sim_resp_dispose(&r);
	}
	/* nothing of a refused PATCH is written */
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product_variation/default/%s", vid);
	assert_string_equal(jstr(r.json, "data.attributes.seam_stock"), "4.0000");
	assert_string_equal(jstr(r.json, "data.attributes.price.number"), "21.5");
	seam_sim_resp_dispose(&r);

	/* list_price: null clears it; a price without a currency is refused */
	patch_variation(d, vid, "{\"list_price\":null}", &r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_null(jget(r.json, "data.attributes.list_price")));
	seam_sim_resp_dispose(&r);
	patch_variation(d, vid, "{\"list_price\":{\"number\":\"3\"}}", &r);
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "errors.0.source.pointer"), "/data/attributes/list_price");
	seam_sim_resp_dispose(&r);

	/* POST carries them too */
	char *n = post_variation_attrs(d,
				       "{\"sku\":\"SKU-STOCK-1\",\"seam_stock\":\"5\","
				       "\"list_price\":{\"number\":\"30\",\"currency_code\":\"USD\"},"
				       "\"price\":{\"number\":\"20\",\"currency_code\":\"USD\"}}",
				       201);
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product_variation/default/%s", n);
	assert_string_equal(jstr(r.json, "data.attributes.seam_stock"), "5.0000");
	assert_string_equal(jstr(r.json, "data.attributes.list_price.number"), "30");
	assert_string_equal(jstr(r.json, "data.attributes.price.number"), "20");
	seam_sim_resp_dispose(&r);
	free(post_variation_attrs(d, "{\"sku\":\"SKU-STOCK-2\",\"seam_stock\":\"-5\"}", 422));

	/* filters compare the number, not the text */
	call(d, "GET",
	     "/jsonapi/commerce_product_variation/default?filter[s][condition][path]=seam_stock&filter[s][condition][operator]=%3E&filter[s][condition][value]=4.5",
	     admin(), NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_data(&r), 1);
	assert_string_equal(jstr(r.json, "data.0.id"), n);
	seam_sim_resp_dispose(&r);

	/* the flat catalog read has price, list price and stock of every variation */
	call(d, "GET", "/_sim/drupal/catalog", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	json_t *v0 = jget(r.json, "products.0.variations.0");
	assert_string_equal(jstr(v0, "uuid"), vid);
	assert_string_equal(jstr(v0, "seam_stock"), "4.0000");
	assert_string_equal(jstr(v0, "price.number"), "21.5");
	assert_true(json_is_null(json_object_get(v0, "list_price")));
	json_t *v1 = jget(r.json, "products.0.variations.1");
	assert_true(json_is_null(json_object_get(v1, "seam_stock")));
	seam_sim_resp_dispose(&r);
	free(n);
	simt_free(t);
}

/* POSTs an order item of quantity qty (a JSON value) of variation v into order o (NULL: none);
 * the response is left in r. */
static void post_item(seam_sim_double_t *d, const char *v, const char *o, const char *qty,
		      seam_sim_resp_t *r)
{
	char body[1024], order[160] = "";
	if (o)
		snprintf(order, sizeof order,
			 ",\"order_id\":{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\"}}", o);
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order_item--default\",\"attributes\":{\"quantity\":%s,"
		 "\"title\":\"Boot\"},\"relationships\":{\"purchased_entity\":{\"data\":{\"type\":"
		 "\"commerce_product_variation--default\",\"id\":\"%s\"}}%s}}}",
		 qty, v, order);
	call(d, "POST", "/jsonapi/commerce_order_item/default", admin(), body, r);
}

static void patch_item(seam_sim_double_t *d, const char *it, const char *members, seam_sim_resp_t *r)
{
	char body[1024];
	snprintf(body, sizeof body, "{\"data\":{\"type\":\"commerce_order_item--default\",\"id\":\"%s\",%s}}",
		 it, members);
	callf(d, "PATCH", admin(), body, r, "/jsonapi/commerce_order_item/default/%s", it);
}

static void assert_refused(seam_sim_resp_t *r, const char *pointer, const char *detail)
{
	if (r->status != 422)
		fail_msg("got %d, want 422 (%s): %s", r->status, detail, r->body);
	assert_string_equal(jstr(r->json, "errors.0.source.pointer"), pointer);
	assert_string_equal(jstr(r->json, "errors.0.detail"), detail);
	seam_sim_resp_dispose(r);
}

static void assert_status(seam_sim_resp_t *r, int want)
{
	if (r->status != want)
		fail_msg("got %d, want %d: %s", r->status, want, r->body);
}

/* The module's availability check on order items, as the real site answered it over JSON:API
 * (docs/bridge.md, "Stock"): more than seam_stock in a draft order is a 422 with the
 * customer's message; lines of the same variation count together; null means no limit; a
 * placed order's lines are not checked. */
static void test_stock_refuses_oversell(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml_cat);
	seam_sim_double_t *d = simt_get(t, "drupal");
	seam_sim_resp_t r;
	char body[1024], o[40], it[40];
	char *v = post_variation_attrs(d, "{\"sku\":\"SKU-BOOT\",\"seam_stock\":\"3\","
				       "\"price\":{\"number\":\"21.50\",\"currency_code\":\"USD\"}}", 201);
	char *w = post_variation_attrs(d, "{\"sku\":\"SKU-SOCK\",\"seam_stock\":\"0\","
				       "\"price\":{\"number\":\"2\",\"currency_code\":\"USD\"}}", 201);
	call(d, "GET", "/jsonapi/commerce_store/online", admin(), NULL, &r);
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"attributes\":{\"order_number\":\"STOCK-1\","
		 "\"state\":\"draft\"},\"relationships\":{\"store_id\":{\"data\":{\"type\":\"commerce_store--online\","
		 "\"id\":\"%s\"}}}}}", jstr(r.json, "data.0.id"));
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/jsonapi/commerce_order/default", admin(), body, &r);
	assert_status(&r, 201);
	snprintf(o, sizeof o, "%s", jstr(r.json, "data.id"));
	seam_sim_resp_dispose(&r);

	post_item(d, v, o, "\"5\"", &r);
	assert_refused(&r, "/data/attributes/purchased_entity", "purchased_entity: Only 3 left in stock.");
	post_item(d, v, o, "\"3.00\"", &r);
	assert_status(&r, 201);
	snprintf(it, sizeof it, "%s", jstr(r.json, "data.id"));
	seam_sim_resp_dispose(&r);
	/* the order lists the line: a second line of the variation counts it */
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\",\"relationships\":{\"order_items\":"
		 "{\"data\":[{\"type\":\"commerce_order_item--default\",\"id\":\"%s\"}]}}}}", o, it);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_order/default/%s", o);
	assert_status(&r, 200);
	seam_sim_resp_dispose(&r);
	post_item(d, v, o, "1", &r);
	assert_refused(&r, "/data/attributes/purchased_entity",
		       "purchased_entity: Only 3 left in stock, and your cart already has 3.");
	/* a PATCH of the quantity alone: the module's constraint, at quantity; nothing written */
	patch_item(d, it, "\"attributes\":{\"quantity\":\"4\"}", &r);
	assert_refused(&r, "/data/attributes/quantity", "quantity: Only 3 left in stock.");
	callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_order_item/default/%s", it);
	assert_string_equal(jstr(r.json, "data.attributes.quantity"), "3.00");
	seam_sim_resp_dispose(&r);
	patch_item(d, it, "\"attributes\":{\"quantity\":\"2\"}", &r);
	assert_status(&r, 200);
	seam_sim_resp_dispose(&r);
	post_item(d, v, o, "\"1\"", &r);
	assert_status(&r, 201);
	seam_sim_resp_dispose(&r);
	/* another variation sent with the PATCH: Commerce's constraint, at purchased_entity */
	snprintf(body, sizeof body,
		 "\"relationships\":{\"purchased_entity\":{\"data\":{\"type\":\"commerce_product_variation--default\","
		 "\"id\":\"%s\"}}}", w);
	patch_item(d, it, body, &r);
	assert_refused(&r, "/data/attributes/purchased_entity", "purchased_entity: This product is out of stock.");

	/* out of stock; then not managed: no limit */
	patch_variation(d, v, "{\"seam_stock\":\"0\"}", &r);
	seam_sim_resp_dispose(&r);
	post_item(d, v, o, "\"1\"", &r);
	assert_refused(&r, "/data/attributes/purchased_entity", "purchased_entity: This product is out of stock.");
	patch_variation(d, v, "{\"seam_stock\":null}", &r);
	seam_sim_resp_dispose(&r);
	post_item(d, v, o, "\"500\"", &r);
	assert_status(&r, 201);
	seam_sim_resp_dispose(&r);
	/* fractional stock: the message prints the number as it is */
	patch_variation(d, v, "{\"seam_stock\":\"2.5\"}", &r);
	seam_sim_resp_dispose(&r);
	post_item(d, v, NULL, "\"3\"", &r);
	assert_refused(&r, "/data/attributes/purchased_entity", "purchased_entity: Only 2.5 left in stock.");

	/* a line without an order is checked on POST (Commerce's constraint); its quantity alone
	 * is not on PATCH (the module's constraint needs a draft order) */
	post_item(d, v, NULL, "\"2\"", &r);
	assert_status(&r, 201);
	char loose[40];
	snprintf(loose, sizeof loose, "%s", jstr(r.json, "data.id"));
	seam_sim_resp_dispose(&r);
	patch_item(d, loose, "\"attributes\":{\"quantity\":\"9\"}", &r);
	assert_status(&r, 200);
	seam_sim_resp_dispose(&r);

	/* a placed order's lines are history: not checked */
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\",\"attributes\":{\"state\":\"completed\"}}}", o);
	callf(d, "PATCH", admin(), body, &r, "/jsonapi/commerce_order/default/%s", o);
	assert_status(&r, 200);
	seam_sim_resp_dispose(&r);
	post_item(d, w, o, "\"1\"", &r);
	assert_status(&r, 201);
	seam_sim_resp_dispose(&r);
	free(v);
	free(w);
	simt_free(t);
}

/* Lookups by SKU and seam_pim_id go through indexes: a sync's traffic (look up, create 5
 * variations, create the product) stays linear. Scanning every entity per request made this
 * quadratic (minutes for 10,000 products). */
static void test_catalog_writes_stay_fast(void **state)
{
	(void)state;
	simt_t *t = simt_new("seed: 1\ndrupal: {products: 0, orders: 0, customers: 1}\n");
	seam_sim_double_t *d = simt_get(t, "drupal");
	enum { NP = 2000, NV = 5 };
	int64_t t0 = seam_mono_ns();
	for (int i = 0; i < NP; i++) {
		char pim[32], sku[32], vars[NV * 160 + 8] = "", ref[160];
		seam_sim_resp_t r;
		snprintf(pim, sizeof pim, "m%05d", i);
		callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product/default?filter[seam_pim_id]=%s&include=variations", pim);
		assert_int_equal(count_data(&r), 0);
		seam_sim_resp_dispose(&r);
		for (int k = 0; k < NV; k++) {
			snprintf(sku, sizeof sku, "S-%05d-%d", i, k);
			callf(d, "GET", admin(), NULL, &r, "/jsonapi/commerce_product_variation/default?filter[sku]=%s", sku);
			assert_int_equal(count_data(&r), 0);
			seam_sim_resp_dispose(&r);
			char *v = post_variation(d, sku, NULL, 201);
			strcat(vars, k ? "," : "");
			strcat(vars, vref(ref, sizeof ref, v));
			free(v);
		}
		free(post_product(d, pim, vars, 201));
	}
	int64_t ms = (seam_mono_ns() - t0) / 1000000;
	print_message("%d products, %d variations (%d requests) in %lld ms\n", NP, NP * NV,
		      NP * (2 + 2 * NV), (long long)ms);
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
	TH_ASSERT_CMP(ms, <, 60000);
#else
	TH_ASSERT_CMP(ms, <, 15000);
#endif
	simt_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_limit_capped_at_50_with_next),
		cmocka_unit_test(test_anonymous_short_pages_and_omitted),
		cmocka_unit_test(test_filters_and_sorts),
		cmocka_unit_test(test_bad_filter_is_drupals_400),
		cmocka_unit_test(test_include_variations),
		cmocka_unit_test(test_order_create_requires_number),
		cmocka_unit_test(test_place_total_paid_and_events),
		cmocka_unit_test(test_patch_semantics),
		cmocka_unit_test(test_bridge_transitions_and_total_paid),
		cmocka_unit_test(test_control_orders_and_drop_rate),
		cmocka_unit_test(test_stores_currency_and_store_filter),
		cmocka_unit_test(test_deterministic_seed_and_fast_seeding),
		cmocka_unit_test(test_seam_pim_id_filters),
		cmocka_unit_test(test_attribute_values),
		cmocka_unit_test(test_sku_unique_and_fault_switch),
		cmocka_unit_test(test_product_links_and_catalog),
		cmocka_unit_test(test_catalog_writes_stay_fast),
		cmocka_unit_test(test_seam_stock_and_list_price),
		cmocka_unit_test(test_stock_refuses_oversell),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
