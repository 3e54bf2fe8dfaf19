/*
 * test_stock.c: the stock flow's cache (stock_ingest.c, stock_write.c, stock_cache.c) on a
 * real SQLite store: newest wins whatever order values arrive in (an older poll never
 * overwrites a newer notification), bad values quarantined and not taken, changes of one SKU
 * in a window folded into one scheduled Drupal write, the unit price the store sells at (price
 * group, All Customers, quantity breaks, dates, rounding per currency), the availability
 * answer with its staleness; and the connector's readers: notification resources, BC decimals
 * and times, clientState verification.
 */
#include "tests/unit/queue/qtest.h"

#include "connectors/erp_stock.h"
#include "core/clock.h"
#include "flows/stock_int.h"

typedef struct env {
	qt_env_t q;
	seam_stock_store_config_t sc;
	char *names[1];
	void *items[1];
	seam_stock_config_t cfg;
	seam_stock_t s;
} env_t;

static int setup(void **state)
{
	env_t *e = calloc(1, sizeof *e);
	qt_open(&e->q);
	e->sc = (seam_stock_store_config_t){
		.erp = {.price_group = "WEB", .location = ""},
		.drupal = {.currency = "USD", .variation_type = "default"},
		.prices = 1, .stock = 1, .coalesce_ms = 60000, .staleness_ms = 60000,
	};
	e->names[0] = "us";
	e->items[0] = &e->sc;
	e->cfg.stores = (seam_cfg_map_t){1, e->names, e->items};
	e->s.cfg = &e->cfg;
	e->s.env.store = e->q.st;
	for (size_t i = 0; i < SEAM__STOCK_LOCKS; i++)
		pthread_mutex_init(&e->s.sku_mu[i], NULL);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	env_t *e = *state;
	for (size_t i = 0; i < SEAM__STOCK_LOCKS; i++)
		pthread_mutex_destroy(&e->s.sku_mu[i]);
	qt_close(&e->q);
	free(e);
	return 0;
}

static json_t *item(const char *sku, const char *inventory_json, const char *price_json, const char *at)
{
	char text[512];
	snprintf(text, sizeof text,
		 "{\"id\": \"11111111-2222-3333-4444-%012d\", \"number\": \"%s\", \"inventory\": %s, "
		 "\"unitPrice\": %s, \"lastModifiedDateTime\": \"%s\"}",
		 atoi(sku + 4), sku, inventory_json, price_json, at);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return j;
}

static seam__stock_accept_t take(env_t *e, seam_erp_resource_e r, json_t *rec, seam__stock_via_e via)
{
	seam__stock_accept_t a;
	seam_error_t err = {0};
	seam_db_t *db = seam_store_acquire(e->q.st);
	assert_int_equal(seam__stock_accept(&e->s, db, "us", r, rec, via, "cid", 0, &a, &err), SEAM_OK);
	seam_store_release(e->q.st, db);
	json_decref(rec);
	return a;
}

static char *qty(env_t *e, const char *sku, char *out)
{
	return qt_text(e->q.st, "SELECT quantity FROM stock_levels WHERE store = 'us' AND sku = $1", sku,
		       out, 64);
}

static void test_newest_wins(void **state)
{
	env_t *e = *state;
	char q[64];
	/* a notification's fetch took the newer value first ... */
	seam__stock_accept_t a = take(e, SEAM_ERP_ITEMS, item("SKU-000001", "7", "19.99", "2026-12-04T10:00:02.500Z"), SEAM__STOCK_PUSH);
	assert_true(a.accepted);
	assert_string_equal(a.sku, "SKU-000001");
	/* ... then a slow poll brings an older one: dropped */
	a = take(e, SEAM_ERP_ITEMS, item("SKU-000001", "9", "18.00", "2026-12-04T10:00:01Z"), SEAM__STOCK_POLL);
	assert_false(a.accepted);
	assert_true(a.older);
	assert_string_equal(qty(e, "SKU-000001", q), "7");
	assert_int_equal(qt_int(e->q.st, "SELECT source_ms FROM stock_levels WHERE sku = $1", "SKU-000001"),
			 seam_erp_time_ms("2026-12-04T10:00:02.500Z"));
	/* the same version again (a duplicated notification) changes nothing */
	a = take(e, SEAM_ERP_ITEMS, item("SKU-000001", "7", "19.99", "2026-12-04T10:00:02.5Z"), SEAM__STOCK_POLL);
	assert_false(a.accepted);
	assert_false(a.older);
	/* a newer one is taken, whatever its source */
	a = take(e, SEAM_ERP_ITEMS, item("SKU-000001", "0", "19.99", "2026-12-04T10:00:03Z"), SEAM__STOCK_POLL);
	assert_true(a.accepted);
	assert_string_equal(qty(e, "SKU-000001", q), "0");
	/* the unit price is kept as the ERP sent it, in the company's currency */
	char amount[64];
	assert_string_equal(qt_text(e->q.st, "SELECT amount FROM price_levels WHERE sku = $1", "SKU-000001",
				    amount, sizeof amount),
			    "19.99");
}

static void test_changes_coalesce_into_one_write(void **state)
{
	env_t *e = *state;
	char at[40];
	/* twenty changes of one SKU inside the window: one write job, which will read the newest */
	for (int i = 0; i < 20; i++) {
		snprintf(at, sizeof at, "2026-12-04T10:00:%02dZ", i);
		char inv[8];
		snprintf(inv, sizeof inv, "%d", 100 - i);
		seam__stock_accept_t a = take(e, SEAM_ERP_ITEMS, item("SKU-000002", inv, "5", at), SEAM__STOCK_PUSH);
		assert_true(a.accepted);
	}
	assert_int_equal(qt_int(e->q.st, "SELECT COUNT(*) FROM jobs WHERE kind = 'stock.write'", NULL), 1);
	char q[64];
	assert_string_equal(qty(e, "SKU-000002", q), "81");
	/* it runs at the end of the window, not now */
	assert_true(qt_int(e->q.st, "SELECT run_at FROM jobs WHERE kind = 'stock.write'", NULL) > seam_now_ms());
	/* another SKU has its own */
	take(e, SEAM_ERP_ITEMS, item("SKU-000003", "1", "5", "2026-12-04T10:00:00Z"), SEAM__STOCK_PUSH);
	assert_int_equal(qt_int(e->q.st, "SELECT COUNT(*) FROM jobs WHERE kind = 'stock.write'", NULL), 2);
}

static void test_bad_values_are_quarantined(void **state)
{
	env_t *e = *state;
	char q[64];
	take(e, SEAM_ERP_ITEMS, item("SKU-000004", "3", "5", "2026-12-04T10:00:00Z"), SEAM__STOCK_POLL);
	seam__stock_accept_t a = take(e, SEAM_ERP_ITEMS, item("SKU-000004", "-2", "5", "2026-12-04T10:00:09Z"), SEAM__STOCK_POLL);
	assert_true(a.invalid);
	assert_false(a.accepted);
	a = take(e, SEAM_ERP_ITEMS, item("SKU-000004", "\"lots\"", "5", "2026-12-04T10:00:10Z"), SEAM__STOCK_POLL);
	assert_true(a.invalid);
	/* the cache keeps the last good value; both are in the quarantine with their reason */
	assert_string_equal(qty(e, "SKU-000004", q), "3");
	assert_int_equal(qt_int(e->q.st, "SELECT COUNT(*) FROM quarantine WHERE provider = 'erp' AND reason LIKE 'bad_quantity%'", NULL), 2);
	/* a sales price without a currency code */
	json_t *p = json_loads("{\"id\": \"aaaaaaaa-0000-0000-0000-000000000001\", \"itemNumber\": \"SKU-000004\", "
			       "\"salesType\": \"All Customers\", \"salesCode\": \"\", \"minimumQuantity\": 1, "
			       "\"unitPrice\": 4.5, \"lastModifiedDateTime\": \"2026-12-04T10:00:00Z\"}", 0, NULL);
	a = take(e, SEAM_ERP_SALES_PRICES, p, SEAM__STOCK_POLL);
	assert_true(a.invalid);
	assert_int_equal(qt_int(e->q.st, "SELECT COUNT(*) FROM quarantine WHERE reason LIKE 'price_without_currency%'", NULL), 1);
}

static json_t *sales_price(int n, const char *sku, const char *type, const char *code, const char *cur,
			   const char *minq, const char *price, const char *from, const char *to)
{
	char text[600];
	snprintf(text, sizeof text,
		 "{\"id\": \"bbbbbbbb-0000-0000-0000-%012d\", \"itemNumber\": \"%s\", \"salesType\": \"%s\", "
		 "\"salesCode\": \"%s\", \"currencyCode\": \"%s\", \"minimumQuantity\": %s, \"unitPrice\": %s, "
		 "\"startingDate\": \"%s\", \"endingDate\": \"%s\", \"lastModifiedDateTime\": \"2026-12-04T09:00:00Z\"}",
		 n, sku, type, code, cur, minq, price, from, to);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return j;
}

static void test_price_the_store_sells_at(void **state)
{
	env_t *e = *state;
	char price[96], list[96];
	int64_t src;
	/* the item's unit price (USD, the company's) */
	take(e, SEAM_ERP_ITEMS, item("SKU-000005", "1", "20.005", "2026-12-04T10:00:00Z"), SEAM__STOCK_POLL);
	seam_db_t *db = seam_store_acquire(e->q.st);
	int64_t now = seam_erp_time_ms("2026-12-04T12:00:00Z");
	assert_int_equal(seam__stock_price_of(&e->sc, db, "us", "SKU-000005", now, price, sizeof price, list, sizeof list, &src), 0);
	assert_string_equal(price, "20.01 USD"); /* half up to cents */
	assert_string_equal(list, "");
	/* the WEB group sells lower: that is the price, the everyone price the list price */
	seam_store_release(e->q.st, db);
	take(e, SEAM_ERP_SALES_PRICES, sales_price(1, "SKU-000005", "Customer Price Group", "WEB", "", "1", "17.5", "0001-01-01", "0001-01-01"), SEAM__STOCK_POLL);
	/* a quantity break, another group, another currency, an expired and a future price: not it */
	take(e, SEAM_ERP_SALES_PRICES, sales_price(2, "SKU-000005", "Customer Price Group", "WEB", "USD", "10", "15", "0001-01-01", "0001-01-01"), SEAM__STOCK_POLL);
	take(e, SEAM_ERP_SALES_PRICES, sales_price(3, "SKU-000005", "Customer Price Group", "B2B", "USD", "1", "12", "0001-01-01", "0001-01-01"), SEAM__STOCK_POLL);
	take(e, SEAM_ERP_SALES_PRICES, sales_price(4, "SKU-000005", "All Customers", "", "EUR", "1", "16", "0001-01-01", "0001-01-01"), SEAM__STOCK_POLL);
	take(e, SEAM_ERP_SALES_PRICES, sales_price(5, "SKU-000005", "Customer Price Group", "WEB", "USD", "1", "9", "2026-01-01", "2026-11-30"), SEAM__STOCK_POLL);
	take(e, SEAM_ERP_SALES_PRICES, sales_price(6, "SKU-000005", "Customer Price Group", "WEB", "USD", "1", "8", "2026-12-05", "0001-01-01"), SEAM__STOCK_POLL);
	db = seam_store_acquire(e->q.st);
	assert_int_equal(seam__stock_price_of(&e->sc, db, "us", "SKU-000005", now, price, sizeof price, list, sizeof list, &src), 0);
	assert_string_equal(price, "17.50 USD");
	assert_string_equal(list, "20.01 USD");
	/* the next day the future one applies */
	now = seam_erp_time_ms("2026-12-05T00:30:00Z");
	assert_int_equal(seam__stock_price_of(&e->sc, db, "us", "SKU-000005", now, price, sizeof price, list, sizeof list, &src), 0);
	assert_string_equal(price, "8.00 USD");
	/* a store in EUR sells at the EUR everyone price; JPY rounds to yen */
	seam_stock_store_config_t eur = e->sc;
	eur.drupal.currency = "EUR";
	eur.erp.price_group = NULL;
	assert_int_equal(seam__stock_price_of(&eur, db, "us", "SKU-000005", now, price, sizeof price, list, sizeof list, &src), 0);
	assert_string_equal(price, "16.00 EUR");
	seam_store_release(e->q.st, db);
	/* a deleted sales price goes */
	seam_error_t err = {0};
	db = seam_store_acquire(e->q.st);
	assert_int_equal(seam__stock_forget_price(&e->s, db, "us", "bbbbbbbb-0000-0000-0000-000000000006", "cid", &err), SEAM_OK);
	assert_int_equal(seam__stock_price_of(&e->sc, db, "us", "SKU-000005", now, price, sizeof price, list, sizeof list, &src), 0);
	assert_string_equal(price, "17.50 USD");
	seam_store_release(e->q.st, db);
}

static void test_availability_answer(void **state)
{
	env_t *e = *state;
	json_t *out = NULL;
	seam_error_t err = {0};
	take(e, SEAM_ERP_ITEMS, item("SKU-000006", "12.5", "1", "2026-12-04T10:00:00Z"), SEAM__STOCK_POLL);
	take(e, SEAM_ERP_ITEMS, item("SKU-000007", "0", "1", "2026-12-04T10:00:00Z"), SEAM__STOCK_POLL);
	const char *skus[] = {"SKU-000006", "SKU-000007", "NOPE"};
	int64_t now = seam_now_ms();
	assert_int_equal(seam_stock_availability(e->q.st, "us", skus, 3, 60000, now, &out, &err), SEAM_OK);
	json_t *l = json_object_get(out, "skus");
	assert_int_equal(json_array_size(l), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "quantity")), "12.5");
	assert_true(json_is_true(json_object_get(json_array_get(l, 0), "available")));
	assert_true(json_is_false(json_object_get(json_array_get(l, 0), "stale")));
	assert_true(json_is_false(json_object_get(json_array_get(l, 1), "available")));
	/* nothing known: null and stale, never a made-up zero */
	assert_true(json_is_null(json_object_get(json_array_get(l, 2), "quantity")));
	assert_true(json_is_true(json_object_get(json_array_get(l, 2), "stale")));
	assert_true(json_is_true(json_object_get(out, "stale")));
	json_decref(out);
	/* past the budget the answer says so, with the age */
	assert_int_equal(seam_stock_availability(e->q.st, "us", skus, 1, 60000, now + 120000, &out, &err), SEAM_OK);
	json_t *one = json_array_get(json_object_get(out, "skus"), 0);
	assert_true(json_is_true(json_object_get(one, "stale")));
	assert_true(json_integer_value(json_object_get(one, "age_seconds")) >= 119);
	json_decref(out);
	/* a poll that found nothing newer renews what seam knows */
	char now_s[24];
	snprintf(now_s, sizeof now_s, "%lld", (long long)(now + 110000));
	qt_exec(e->q.st, "INSERT INTO stock_cursors (store, resource, mark_ms, updated_at) VALUES ('us', 'items', 0, 0)");
	seam_db_t *db = seam_store_acquire(e->q.st);
	seam_db_run(db, "UPDATE stock_cursors SET updated_at = $1", (const char *[]){now_s}, 1, NULL, NULL);
	seam_store_release(e->q.st, db);
	assert_int_equal(seam_stock_availability(e->q.st, "us", skus, 1, 60000, now + 120000, &out, &err), SEAM_OK);
	assert_true(json_is_false(json_object_get(json_array_get(json_object_get(out, "skus"), 0), "stale")));
	json_decref(out);
}

static void test_connector_readers(void **state)
{
	(void)state;
	seam_erp_notice_t n;
	assert_int_equal(seam_erp_notice_parse("api/v2.0/companies(b18aed47-c385-49d2-b954-dbdf8ad71780)/items(26814998-936a-401c-81c1-0e848a64971d)", &n), 0);
	assert_string_equal(n.company, "b18aed47-c385-49d2-b954-dbdf8ad71780");
	assert_int_equal(n.resource, SEAM_ERP_ITEMS);
	assert_string_equal(n.id, "26814998-936a-401c-81c1-0e848a64971d");
	assert_int_equal(seam_erp_notice_parse("https://erp.example/v2.0/t/prod/api/v2.0/companies(c1)/salesPrices(p1)", &n), 0);
	assert_int_equal(n.resource, SEAM_ERP_SALES_PRICES);
	assert_string_equal(n.id, "p1");
	assert_int_equal(seam_erp_notice_parse("/api/v2.0/companies(c1)/items?$filter=lastModifiedDateTime%20gt%202018-10-15T11:00:00Z", &n), 0);
	assert_string_equal(n.id, "");
	assert_string_equal(n.since, "2018-10-15T11:00:00Z");
	assert_int_equal(seam_erp_notice_parse("/api/v2.0/companies(c1)/customers(x)", &n), -1);
	assert_int_equal(seam_erp_notice_parse("/api/v2.0/companies(c1)/items(a'b)", &n), -1);
	assert_int_equal(seam_erp_notice_parse("", &n), -1);

	char d[48];
	json_t *v = json_real(19.99);
	assert_int_equal(seam_erp_decimal(v, d, sizeof d), 0);
	assert_string_equal(d, "19.99");
	json_decref(v);
	v = json_real(0.00001);
	assert_int_equal(seam_erp_decimal(v, d, sizeof d), 0);
	assert_string_equal(d, "0.00001");
	json_decref(v);
	v = json_integer(-3);
	assert_int_equal(seam_erp_decimal(v, d, sizeof d), 0);
	assert_string_equal(d, "-3");
	json_decref(v);
	v = json_string("x");
	assert_int_equal(seam_erp_decimal(v, d, sizeof d), -1);
	json_decref(v);
	assert_int_equal(seam_erp_decimal(json_null(), d, sizeof d), -1);

	assert_int_equal(seam_erp_time_ms("1970-01-01T00:00:01.5Z"), 1500);
	assert_int_equal(seam_erp_time_ms("1970-01-01T01:00:00+01:00"), 0);
	assert_int_equal(seam_erp_time_ms("1970-01-01T00:00:00.123456Z"), 123);
	assert_int_equal(seam_erp_time_ms("1970-01-01 00:00:00Z"), -1);
	assert_int_equal(seam_erp_time_ms("1970-01-01T00:00:00"), -1);

	const char *secrets[] = {"old-state", "s3cret"};
	seam_webhook_sig_t sig;
	seam_error_t err = {0};
	json_t *doc = json_loads("{\"value\": [{\"clientState\": \"s3cret\"}, {\"clientState\": \"old-state\"}]}", 0, NULL);
	assert_int_equal(seam_erp_notification_verify(doc, secrets, 2, &sig, &err), SEAM_OK);
	json_decref(doc);
	doc = json_loads("{\"value\": [{\"clientState\": \"s3cret\"}, {\"clientState\": \"s3creT\"}]}", 0, NULL);
	assert_int_equal(seam_erp_notification_verify(doc, secrets, 2, &sig, &err), SEAM_AUTH);
	json_decref(doc);
	doc = json_loads("{\"value\": [{\"subscriptionId\": \"x\"}]}", 0, NULL);
	assert_int_equal(seam_erp_notification_verify(doc, secrets, 2, &sig, &err), SEAM_AUTH);
	json_decref(doc);
	doc = json_loads("{\"value\": []}", 0, NULL);
	assert_int_equal(seam_erp_notification_verify(doc, secrets, 2, &sig, &err), SEAM_AUTH);
	assert_int_equal(seam_erp_notification_verify(doc, secrets, 0, &sig, &err), SEAM_CONFIG);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_newest_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_coalesce_into_one_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values_are_quarantined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_price_the_store_sells_at, setup, teardown),
		cmocka_unit_test_setup_teardown(test_availability_answer, setup, teardown),
		cmocka_unit_test(test_connector_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
