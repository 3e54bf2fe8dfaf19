/*
 * test_sim_pim_events.c: the PIM double's Akeneo Events API sender. Messages are signed so
 * that seam's verifier (connectors/pim_events.c, written separately from the same docs)
 * accepts them and read into the events that were emitted; touch sends product.updated; the
 * edit routes send product(_model).created/updated/removed;
 * batching up to 10 (and a smaller configured batch); the configured lose/duplicate/delay
 * rates produce lost, duplicated and out-of-order deliveries, the same ones for the same seed;
 * config errors; a sender that keeps the order of sequential deliveries; over real HTTP (libcurl
 * to a loopback receiver that verifies with seam's verifier and answers 500 once): every
 * delivery accepted, retries re-signed, and the seeded faults seen at the receiver.
 */
#include "sim_test.h"

#include "connectors/pim_events.h"
#include "contract/registry.h"
#include "http/server.h"
#include "sim/sim_pim_events.h"
#include "sim/sim_sign.h"
#include "tests/support/th_assert.h"

#define URL "http://127.0.0.1:9/webhooks/pim/main"
#define SECRET "pim-events-test-secret"

static char *yaml_with(const char *events, long seed)
{
	char *y = malloc(1024);
	assert_non_null(y);
	snprintf(y, 1024,
		 "seed: %ld\n"
		 "pim:\n"
		 "  products: 12\n"
		 "  models: 3\n"
		 "  events: {url: '" URL "', secret: " SECRET ", workers: 1, attempts: 2, "
		 "backoff: [10ms]%s}\n",
		 seed, events);
	return y;
}

static void post(seam_sim_double_t *d, const char *target, const char *body, int want,
		 seam_sim_resp_t *r)
{
	call(d, "POST", target, NULL, body, r);
	if (r->status != want)
		fail_msg("%s -> %d %s", target, r->status, r->body ? r->body : "");
}

/* Waits until the double's sender is idle (GET /_sim/deliveries would do the same). */
static void drain(simt_t *t)
{
	const seam_sim_double_def_t *def = seam_sim_double_def(simt_get(t, "pim"));
	assert_non_null(def->sender);
	assert_int_equal(seam_sim_sender_flush(def->sender, 5000), 0);
}

/* seam's verifier accepts message i, and its reader reads it; returns the items (owned). */
static void accept_msg(const cap_msg_t *m, seam_pim_changes_t *out)
{
	const char *sig = cap_header(m, "X-Akeneo-Request-Signature");
	const char *ts = cap_header(m, "X-Akeneo-Request-Timestamp");
	const char *const secrets[] = {"old-secret", SECRET};
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	assert_non_null(sig);
	assert_non_null(ts);
	assert_string_equal(m->url, URL);
	if (seam_pim_events_verify(sig, ts, m->body, strlen(m->body), secrets, 2,
				   (int64_t)time(NULL), 300, &r, &e) != SEAM_OK)
		fail_msg("seam refused the double's message: %s", e.msg);
	assert_int_equal(r.secret_index, 1);
	/* lower-case hex, as PHP's hash_hmac prints it */
	for (const char *p = sig; *p; p++)
		assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
	if (seam_pim_events_read(m->body, strlen(m->body), out, &e) != SEAM_OK)
		fail_msg("seam could not read the double's message: %s\n%s", e.msg, m->body);
	/* and it keeps the contract (contracts/pim/v1/event.schema.json) */
	{
		seam_contracts_t *reg;
		json_t *doc = json_loads(m->body, 0, NULL), *errs = NULL;
		assert_int_equal(seam_contracts_open(&reg, &e), SEAM_OK);
		const seam_contract_t *c = seam_contracts_find(reg, "pim.event@v1");
		assert_non_null(c);
		if (!seam_contract_validate(c, doc, &errs)) {
			char *d = json_dumps(errs, 0);
			fail_msg("double's message breaks pim.event@v1: %s", d);
		}
		json_decref(errs);
		json_decref(doc);
		seam_contracts_close(reg);
	}
}

static void test_touch_sends_signed_updates(void **state)
{
	(void)state;
	char *y = yaml_with("", 5);
	simt_t *t = simt_new(y);
	seam_sim_double_t *d = simt_get(t, "pim");
	seam_sim_resp_t r;
	seam_pim_changes_t ch;
	post(d, "/_sim/pim/touch", "{\"count\": 3}", 200, &r);
	drain(t);
	assert_int_equal(t->cap.n, 1);
	accept_msg(&t->cap.msgs[0], &ch);
	assert_int_equal(ch.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(ch.items[i].action, "product.updated");
		assert_string_equal(ch.items[i].uuid, json_string_value(json_array_get(
							      json_object_get(r.json, "touched"), i)));
		assert_true(strncmp(ch.items[i].identifier, "SKU-", 4) == 0);
		assert_true(ch.items[i].updated_ms > 0);
		assert_string_equal(ch.items[i].pim_source, "http://pim.sim");
	}
	seam_pim_changes_dispose(&ch);
	seam_sim_resp_dispose(&r);
	/* A tampered copy of the same message is refused by seam. */
	t->cap.msgs[0].body[10] ^= 1;
	{
		const cap_msg_t *m = &t->cap.msgs[0];
		const char *const secrets[] = {SECRET};
		assert_int_equal(seam_pim_events_verify(cap_header(m, "X-Akeneo-Request-Signature"),
							cap_header(m, "X-Akeneo-Request-Timestamp"),
							m->body, strlen(m->body), secrets, 1,
							(int64_t)time(NULL), 300, NULL, NULL),
				 SEAM_AUTH);
	}
	simt_free(t);
	free(y);
}

/* The edit routes send what changed: product.created for a new product, product.updated
 * for a changed one, product.removed for a removed one; a removed model sends
 * product.removed for each of its variants and product_model.removed; a refused edit sends
 * nothing. Every message is signed and read by seam. */
static void test_edits_send_events(void **state)
{
	(void)state;
	char *y = yaml_with("", 5);
	simt_t *t = simt_new(y);
	seam_sim_double_t *d = simt_get(t, "pim");
	seam_sim_resp_t r;
	seam_pim_changes_t ch;
	char body[512];

	/* one existing product, found through the API */
	seam_sim_resp_t tok;
	char auth[160], bearer[128];
	snprintf(auth, sizeof auth, "Authorization: Basic ");
	seam_base64_encode("seam:seam-pim-secret", 20, auth + strlen(auth));
	const char *th[] = {auth, "Content-Type: application/json", NULL};
	call(d, "POST", "/api/oauth/v1/token", th,
	     "{\"grant_type\":\"password\",\"username\":\"seam\",\"password\":\"seam-pim-password\"}", &tok);
	assert_int_equal(tok.status, 200);
	snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", jstr(tok.json, "access_token"));
	seam_sim_resp_dispose(&tok);
	const char *bh[] = {bearer, NULL};
	call(d, "GET", "/api/rest/v1/products-uuid?limit=1&search=%7B%22parent%22:%5B%7B%22operator%22:%22IN%22,%22value%22:%5B%22model_0001%22%5D%7D%5D%7D", bh, NULL, &r);
	char uuid[64];
	snprintf(uuid, sizeof uuid, "%s", jstr(r.json, "_embedded.items.0.uuid"));
	seam_sim_resp_dispose(&r);

	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"%s\", \"enabled\": false}, "
		 "{\"uuid\": \"00000000-0000-4000-8000-0000000000aa\", \"values\": {\"sku\": "
		 "[{\"locale\": null, \"scope\": null, \"data\": \"SKU-NEW\"}]}}], "
		 "\"remove\": [\"%s\"]}",
		 uuid, uuid);
	post(d, "/_sim/pim/products", body, 200, &r);
	seam_sim_resp_dispose(&r);
	drain(t);
	assert_int_equal(t->cap.n, 1);
	accept_msg(&t->cap.msgs[0], &ch);
	assert_int_equal(ch.n, 3);
	assert_string_equal(ch.items[0].action, "product.updated");
	assert_string_equal(ch.items[0].uuid, uuid);
	TH_ASSERT_CMP(ch.items[0].updated_ms, >=, ((int64_t)time(NULL) - 5) * 1000);
	assert_string_equal(ch.items[1].action, "product.created");
	assert_string_equal(ch.items[1].uuid, "00000000-0000-4000-8000-0000000000aa");
	assert_string_equal(ch.items[1].identifier, "SKU-NEW");
	assert_string_equal(ch.items[2].action, "product.removed");
	assert_string_equal(ch.items[2].uuid, uuid);
	seam_pim_changes_dispose(&ch);
	cap_clear(&t->cap);

	/* a refused edit sends nothing */
	post(d, "/_sim/pim/products", "{\"remove\": [\"nope\"]}", 422, &r);
	seam_sim_resp_dispose(&r);
	drain(t);
	assert_int_equal(t->cap.n, 0);

	/* a removed model: its variants' removals, then its own */
	post(d, "/_sim/pim/models", "{\"upsert\": [{\"code\": \"model_0002\"}], \"remove\": [\"model_0003\"]}",
	     200, &r);
	seam_sim_resp_dispose(&r);
	drain(t);
	assert_int_equal(t->cap.n, 1);
	accept_msg(&t->cap.msgs[0], &ch);
	TH_ASSERT_CMP(ch.n, >=, 3); /* 12 products over 3 models: 4 each */
	assert_string_equal(ch.items[0].action, "product_model.updated");
	assert_string_equal(ch.items[0].identifier, "model_0002");
	for (size_t i = 1; i + 1 < ch.n; i++) {
		assert_string_equal(ch.items[i].action, "product.removed");
		assert_true(strncmp(ch.items[i].identifier, "SKU-", 4) == 0);
	}
	assert_string_equal(ch.items[ch.n - 1].action, "product_model.removed");
	assert_string_equal(ch.items[ch.n - 1].identifier, "model_0003");
	seam_pim_changes_dispose(&ch);
	simt_free(t);
	free(y);
}

/* {"events": [n events of the given actions]}: uuids u-0 .. u-(n-1). */
static char *events_body(size_t n, size_t from)
{
	size_t cap = 128 + n * 160, len;
	char *s = malloc(cap);
	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "{\"events\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
					"%s{\"action\":\"%s\",\"resource\":{\"uuid\":\"u-%zu\","
					"\"identifier\":\"SKU-%zu\",\"_updated\":1,\"enabled\":true}}",
					i ? "," : "",
					i % 3 == 0 ? "product.created" :
					i % 3 == 1 ? "product.updated" : "product.removed",
					from + i, from + i);
	snprintf(s + len, cap - len, "]}");
	return s;
}

static void test_batching(void **state)
{
	(void)state;
	static const struct {
		const char *extra;
		size_t events, want_msgs, last;
	} rows[] = {
		{"", 25, 3, 5},           /* 10 + 10 + 5 */
		{"", 10, 1, 10},
		{"", 1, 1, 1},
		{", batch: 4", 9, 3, 1}, /* 4 + 4 + 1 */
	};
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		char *y = yaml_with(rows[k].extra, 7), *body = events_body(rows[k].events, 0);
		simt_t *t = simt_new(y);
		seam_sim_resp_t r;
		size_t seen = 0;
		post(simt_get(t, "pim"), "/_sim/pim/events", body, 200, &r);
		drain(t);
		if (t->cap.n != rows[k].want_msgs)
			fail_msg("row %zu: %zu messages, want %zu", k, t->cap.n, rows[k].want_msgs);
		for (size_t i = 0; i < t->cap.n; i++) {
			seam_pim_changes_t ch;
			accept_msg(&t->cap.msgs[i], &ch);
			assert_true(ch.n <= SEAM_PIM_EVENTS_MAX);
			if (i == t->cap.n - 1)
				assert_int_equal(ch.n, rows[k].last);
			for (size_t j = 0; j < ch.n; j++, seen++) {
				char want[32];
				snprintf(want, sizeof want, "u-%zu", seen);
				assert_string_equal(ch.items[j].uuid, want);
				assert_int_equal(ch.items[j].op, seen % 3 == 0 ? SEAM_PIM_OP_CREATED :
						 seen % 3 == 1 ? SEAM_PIM_OP_UPDATED :
						 SEAM_PIM_OP_REMOVED);
			}
			/* private fields stay in the double; removals carry only the names */
			assert_null(strstr(t->cap.msgs[i].body, "_updated"));
			seam_pim_changes_dispose(&ch);
		}
		assert_int_equal(seen, rows[k].events);
		seam_sim_resp_dispose(&r);
		simt_free(t);
		free(y);
		free(body);
	}
}

/* Runs 40 one-event messages, one flush each (drained in between), under the given rates;
 * fills order[] with the received event uuids' numbers (-1 past the end), returns how many. */
static size_t run_faulty(long seed, int64_t order[128], int64_t *lost, int64_t *dup,
			 int64_t *delayed)
{
	char *y = yaml_with(", batch: 1, lose_rate: 0.2, duplicate_rate: 0.2, delay_rate: 0.2",
			    seed);
	simt_t *t = simt_new(y);
	seam_sim_double_t *d = simt_get(t, "pim");
	size_t n = 0;
	for (size_t i = 0; i <= 40; i++) {
		/* the 41st flush sends nothing new and releases the last delayed ones */
		char *body = i < 40 ? events_body(1, i) : strdup("{\"events\":[]}");
		seam_sim_resp_t r;
		post(d, "/_sim/pim/events", body, 200, &r);
		if (i == 40) {
			*lost = (int64_t)json_integer_value(jget(r.json, "stats.lost"));
			*dup = (int64_t)json_integer_value(jget(r.json, "stats.duplicated"));
			*delayed = (int64_t)json_integer_value(jget(r.json, "stats.delayed"));
			assert_int_equal(json_integer_value(jget(r.json, "stats.waiting")), 0);
		}
		seam_sim_resp_dispose(&r);
		free(body);
		drain(t);
	}
	for (size_t i = 0; i < t->cap.n && n < 128; i++) {
		seam_pim_changes_t ch;
		accept_msg(&t->cap.msgs[i], &ch);
		assert_int_equal(ch.n, 1);
		order[n++] = strtoll(ch.items[0].uuid + 2, NULL, 10);
		seam_pim_changes_dispose(&ch);
	}
	simt_free(t);
	free(y);
	return n;
}

static void test_fault_rates(void **state)
{
	(void)state;
	int64_t a[128], b[128], c[128], lost, dup, delayed, l2, d2, y2;
	size_t na = run_faulty(11, a, &lost, &dup, &delayed);
	size_t nb = run_faulty(11, b, &l2, &d2, &y2);
	size_t nc;
	int count[40] = {0}, inversions = 0, missing = 0, twice = 0;

	/* Each kind happened, and the deliveries add up: 40 - lost + duplicated. */
	assert_true(lost > 0 && dup > 0 && delayed > 0);
	assert_int_equal((int64_t)na, 40 - lost + dup);
	for (size_t i = 0; i < na; i++) {
		assert_true(a[i] >= 0 && a[i] < 40);
		count[a[i]]++;
		if (i > 0 && a[i] < a[i - 1])
			inversions++;
	}
	for (int i = 0; i < 40; i++) {
		missing += count[i] == 0;
		twice += count[i] == 2;
	}
	assert_int_equal(missing, lost);
	assert_int_equal(twice, dup);
	assert_true(inversions > 0); /* delayed ones arrive after later ones */

	/* Same seed, same deliveries in the same order. */
	assert_int_equal(nb, na);
	assert_memory_equal(a, b, na * sizeof *a);
	assert_int_equal(l2, lost);
	/* Another seed, other faults. */
	nc = run_faulty(12, c, &l2, &d2, &y2);
	assert_false(nc == na && memcmp(a, c, na * sizeof *a) == 0);
}

static void test_config(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"seed: 1\npim:\n  events: {url: 'http://x/', batch: 11}\n",
		"seed: 1\npim:\n  events: {url: 'http://x/', batch: 0}\n",
		"seed: 1\npim:\n  events: {url: 'http://x/', lose_rate: 1.5}\n",
		"seed: 1\npim:\n  events: {url: 'http://x/', lose: 0.5}\n",
		"seed: 1\npim:\n  events: 3\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seam_sim_config_t *cfg;
		seam_sim_t *sim = NULL;
		seam_error_t err = {0};
		assert_int_equal(seam_sim_config_load_string(bad[i], "t.yaml", &cfg, &err), SEAM_OK);
		seam_sim_opts_t opts = {0};
		if (seam_sim_create(cfg, &opts, &sim, &err) == SEAM_OK)
			fail_msg("config %zu accepted", i);
		assert_non_null(strstr(err.msg, "t.yaml:"));
		seam_sim_config_destroy(cfg);
	}
	/* No url: no sender; the control route says so; touch still works. */
	simt_t *t = simt_new("seed: 1\npim:\n  products: 3\n");
	seam_sim_resp_t r;
	post(simt_get(t, "pim"), "/_sim/pim/events", "{\"events\":[]}", 409, &r);
	seam_sim_resp_dispose(&r);
	post(simt_get(t, "pim"), "/_sim/pim/touch", "{\"count\":1}", 200, &r);
	seam_sim_resp_dispose(&r);
	assert_int_equal(t->cap.n, 0);
	simt_free(t);
}

/* One worker: deliveries queued in one go leave in the order they were queued (the delay
 * fault relies on it). */
static void test_sender_keeps_order(void **state)
{
	(void)state;
	capture_t cap;
	cap_init(&cap);
	seam_sim_sender_opts_t so = {.name = "t", .workers = 1, .transport = cap_transport,
				     .tctx = &cap};
	seam_sim_sender_t *s = seam_sim_sender_create(&so);
	assert_non_null(s);
	for (int i = 0; i < 20; i++) {
		char body[16];
		snprintf(body, sizeof body, "%d", i);
		seam_sim_delivery_t dl = {.url = URL, .body = body, .len = strlen(body),
					  .event_id = body};
		seam_sim_sender_send(s, &dl);
	}
	assert_int_equal(seam_sim_sender_flush(s, 5000), 0);
	assert_int_equal(cap.n, 20);
	for (int i = 0; i < 20; i++) {
		char want[16];
		snprintf(want, sizeof want, "%d", i);
		if (strcmp(cap.msgs[i].body, want) != 0)
			fail_msg("delivery %d carried %s, want %s", i, cap.msgs[i].body, want);
	}
	seam_sim_sender_destroy(s);
	cap_dispose(&cap);
}

/* ---- a receiving server on loopback ---- */

typedef struct rx {
	pthread_mutex_t mu;
	int fail_first;      /* answer 500 to this many requests */
	int accepted, refused, answered_500;
	int64_t order[256];  /* u-N of each accepted event, in arrival order */
	size_t n;
	char last_ts[24];
} rx_t;

static void on_events(seam_http_req_t *req, void *ud)
{
	rx_t *x = ud;
	size_t len;
	const char *body = seam_http_body(req, &len);
	const char *const secrets[] = {SECRET};
	seam_pim_changes_t ch = {0};
	int ok = seam_pim_events_verify(seam_http_header(req, "x-akeneo-request-signature"),
					seam_http_header(req, "x-akeneo-request-timestamp"), body,
					len, secrets, 1, (int64_t)time(NULL), 300, NULL,
					NULL) == SEAM_OK &&
		 seam_pim_events_read(body, len, &ch, NULL) == SEAM_OK;
	int status = 200;
	pthread_mutex_lock(&x->mu);
	if (!ok) {
		x->refused++;
		status = 401;
	} else if (x->fail_first > 0) {
		x->fail_first--;
		x->answered_500++;
		status = 500;
	} else {
		x->accepted++;
		for (size_t i = 0; i < ch.n && x->n < 256; i++)
			x->order[x->n++] = strtoll(ch.items[i].uuid + 2, NULL, 10);
	}
	pthread_mutex_unlock(&x->mu);
	seam_pim_changes_dispose(&ch);
	seam_http_reply(req, status, "application/json", "{}", 2);
}

static const seam_route_t rx_routes[] = {
	{"POST", "/webhooks/pim/main", on_events, NULL, SEAM_ROUTE_RAW_BODY, "events", NULL, NULL},
};

static void test_over_http(void **state)
{
	(void)state;
	rx_t x = {.fail_first = 1};
	seam_http_server_t *srv;
	seam_error_t err = {0};
	seam_sim_config_t *cfg;
	seam_sim_t *sim;
	char yaml[512];
	int64_t lost = 0, dup = 0, delayed = 0;
	int count[30] = {0}, missing = 0, twice = 0, inversions = 0;
	pthread_mutex_init(&x.mu, NULL);
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = rx_routes, .nroutes = 1,
			      .ud = &x, .threads = 2};
	assert_int_equal(seam_http_start(&o, &srv, &err), SEAM_OK);
	snprintf(yaml, sizeof yaml,
		 "seed: 11\npim:\n  products: 3\n  events: {url: 'http://127.0.0.1:%d/webhooks/pim/main',"
		 " secret: " SECRET ", workers: 1, attempts: 3, backoff: [10ms], batch: 1,"
		 " lose_rate: 0.2, duplicate_rate: 0.2, delay_rate: 0.2}\n",
		 seam_http_port(srv));
	assert_int_equal(seam_sim_config_load_string(yaml, "t.yaml", &cfg, &err), SEAM_OK);
	seam_sim_opts_t opts = {0}; /* libcurl */
	if (seam_sim_create(cfg, &opts, &sim, &err) != SEAM_OK)
		fail_msg("create: %s", err.msg);
	seam_sim_double_t *d = seam_sim_get(sim, "pim");
	for (size_t i = 0; i <= 30; i++) {
		char *body = i < 30 ? events_body(1, i) : strdup("{\"events\":[]}");
		seam_sim_resp_t r;
		post(d, "/_sim/pim/events", body, 200, &r);
		if (i == 30) {
			lost = (int64_t)json_integer_value(jget(r.json, "stats.lost"));
			dup = (int64_t)json_integer_value(jget(r.json, "stats.duplicated"));
			delayed = (int64_t)json_integer_value(jget(r.json, "stats.delayed"));
		}
		seam_sim_resp_dispose(&r);
		free(body);
		assert_int_equal(seam_sim_sender_flush(seam_sim_double_def(d)->sender, 10000), 0);
	}
	pthread_mutex_lock(&x.mu);
	assert_int_equal(x.refused, 0);        /* every delivery verified, also the retry */
	assert_int_equal(x.answered_500, 1);
	assert_true(lost > 0 && dup > 0 && delayed > 0);
	assert_int_equal((int64_t)x.n, 30 - lost + dup);
	for (size_t i = 0; i < x.n; i++) {
		assert_true(x.order[i] >= 0 && x.order[i] < 30);
		count[x.order[i]]++;
		inversions += i > 0 && x.order[i] < x.order[i - 1];
	}
	for (int i = 0; i < 30; i++) {
		missing += count[i] == 0;
		twice += count[i] == 2;
	}
	pthread_mutex_unlock(&x.mu);
	assert_int_equal(missing, lost);
	assert_int_equal(twice, dup);
	assert_true(inversions > 0);
	seam_sim_stopping(sim);
	seam_sim_destroy(sim);
	seam_sim_config_destroy(cfg);
	seam_http_stop(srv, 1000);
	pthread_mutex_destroy(&x.mu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sender_keeps_order),
		cmocka_unit_test(test_touch_sends_signed_updates),
		cmocka_unit_test(test_batching),
		cmocka_unit_test(test_edits_send_events),
		cmocka_unit_test(test_fault_rates),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_over_http),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
