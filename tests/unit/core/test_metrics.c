/*
 * test_metrics.c: the metric registry and its Prometheus text exposition.
 *
 * Rendered text is checked per metric (the block from its "# HELP" line to the next one), so
 * these tests keep passing when rows are added to SEAM_METRICS. The promtool test exercises
 * every row of the table, whatever it holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/metrics.h"
#include "tests/support/th_assert.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The lines of one metric in a render: "# HELP name ..." up to the next "# HELP". Owned. */
static char *block(const char *text, const char *name)
{
	char head[256];
	const char *start, *end;
	snprintf(head, sizeof head, "# HELP %s ", name);
	start = strstr(text, head);
	while (start && start != text && start[-1] != '\n')
		start = strstr(start + 1, head);
	if (!start)
		return strdup("(metric missing)");
	end = strstr(start + 1, "\n# HELP ");
	end = end ? end + 1 : start + strlen(start);
	return strndup(start, (size_t)(end - start));
}

static char *render_block(seam_metrics_t *m, seam_metric_id_e id)
{
	size_t n = 0;
	const seam_metric_def_t *defs = seam_metric_defs(&n);
	char *text = seam_metrics_render(m, NULL);
	assert_non_null(text);
	char *b = block(text, defs[id].name);
	free(text);
	return b;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int valid_name(const char *s, int colon_ok)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || (colon_ok && *s == ':')))
			return 0;
	return 1;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static void test_defs_valid(void **state)
{
	size_t n = 0;
	const seam_metric_def_t *d = seam_metric_defs(&n);
	(void)state;
	assert_int_equal(n, SEAM_M__COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d[i].id, i);
		assert_true(valid_name(d[i].name, 1));
		TH_ASSERT_STRNCMP(d[i].name, ==, "seam_", 5);
		assert_int_not_equal(d[i].help[0], '\0');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(d[i].name, d[j].name);
		if (d[i].kind == SEAM_METRIC_COUNTER) {
			assert_true(ends_with(d[i].name, "_total"));
		} else {
			assert_false(ends_with(d[i].name, "_total"));
			assert_false(ends_with(d[i].name, "_count"));
			assert_false(ends_with(d[i].name, "_sum"));
			assert_false(ends_with(d[i].name, "_bucket"));
		}
		if (d[i].kind == SEAM_METRIC_HISTOGRAM) {
			TH_ASSERT_CMP(d[i].nbuckets, >, 0);
			assert_non_null(d[i].buckets);
			for (size_t k = 0; k < d[i].nbuckets; k++) {
				assert_true(isfinite(d[i].buckets[k]));
				if (k)
					TH_ASSERT_CMP(d[i].buckets[k - 1], <, d[i].buckets[k]);
			}
		} else {
			assert_int_equal(d[i].nbuckets, 0);
			assert_null(d[i].buckets);
		}
		/* label names: valid, not reserved, not "le" on histograms, no duplicates */
		char *copy = strdup(d[i].labels), *save = NULL;
		const char *seen[16];
		size_t nseen = 0;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			assert_true(valid_name(t, 0));
			TH_ASSERT_STRNCMP(t, !=, "__", 2);
			if (d[i].kind == SEAM_METRIC_HISTOGRAM)
				assert_string_not_equal(t, "le");
			for (size_t k = 0; k < nseen; k++)
				assert_string_not_equal(t, seen[k]);
			TH_ASSERT_CMP(nseen, <, 16);
			seen[nseen++] = t;
		}
		free(copy);
	}
	assert_string_equal(d[SEAM_M_HTTP_DURATION].name, "seam_http_request_duration_seconds");
	assert_int_equal(d[SEAM_M_HTTP_DURATION].nbuckets, 14);
	TH_ASSERT_CMP(d[SEAM_M_HTTP_DURATION].buckets[0], ==, 0.0005);
	TH_ASSERT_CMP(d[SEAM_M_HTTP_DURATION].buckets[13], ==, 10);
	/* The registry counts drops here; it must stay a label-less counter. */
	assert_int_equal(d[SEAM_M_SERIES_DROPPED].kind, SEAM_METRIC_COUNTER);
	assert_string_equal(d[SEAM_M_SERIES_DROPPED].labels, "");
}

static void test_counter_render_sorted(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	const char *b200[] = {"/orders/{id}", "GET", "200"};
	const char *a500[] = {"/a", "POST", "500"};
	const char *a200[] = {"/a", "POST", "200"};
	(void)state;
	assert_non_null(m);
	seam_metric_add(m, SEAM_M_HTTP_REQUESTS, b200, 1);
	seam_metric_add(m, SEAM_M_HTTP_REQUESTS, b200, 2);
	seam_metric_add(m, SEAM_M_HTTP_REQUESTS, a500, 1);
	seam_metric_add(m, SEAM_M_HTTP_REQUESTS, a200, 0.25);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REQUESTS, b200), ==, 3);
	char *b = render_block(m, SEAM_M_HTTP_REQUESTS);
	assert_string_equal(b,
		"# HELP seam_http_requests_total HTTP requests served, by route pattern, method and status code.\n"
		"# TYPE seam_http_requests_total counter\n"
		"seam_http_requests_total{route=\"/a\",method=\"POST\",status=\"200\"} 0.25\n"
		"seam_http_requests_total{route=\"/a\",method=\"POST\",status=\"500\"} 1\n"
		"seam_http_requests_total{route=\"/orders/{id}\",method=\"GET\",status=\"200\"} 3\n");
	free(b);
	seam_metrics_destroy(m);
}

static void test_empty_metrics_render(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	char *b;
	(void)state;
	/* label-less counter and gauge without updates: one zero sample */
	b = render_block(m, SEAM_M_SERIES_DROPPED);
	assert_string_equal(b,
		"# HELP seam_metrics_series_dropped_total Metric updates dropped because their metric "
		"already had the maximum number of series.\n"
		"# TYPE seam_metrics_series_dropped_total counter\n"
		"seam_metrics_series_dropped_total 0\n");
	free(b);
	b = render_block(m, SEAM_M_HTTP_INFLIGHT);
	assert_string_equal(b,
		"# HELP seam_http_requests_in_flight Requests being handled now.\n"
		"# TYPE seam_http_requests_in_flight gauge\n"
		"seam_http_requests_in_flight 0\n");
	free(b);
	/* labelled without series: HELP and TYPE only */
	b = render_block(m, SEAM_M_HTTP_REQUESTS);
	assert_string_equal(b,
		"# HELP seam_http_requests_total HTTP requests served, by route pattern, method and status code.\n"
		"# TYPE seam_http_requests_total counter\n");
	free(b);
	b = render_block(m, SEAM_M_HTTP_DURATION);
	assert_string_equal(b,
		"# HELP seam_http_request_duration_seconds Time from request start to response queued, by route pattern.\n"
		"# TYPE seam_http_request_duration_seconds histogram\n");
	free(b);
	/* every declared metric has its HELP and TYPE */
	size_t n = 0, len = 0;
	const seam_metric_def_t *d = seam_metric_defs(&n);
	char *text = seam_metrics_render(m, &len);
	assert_int_equal(len, strlen(text));
	for (size_t i = 0; i < n; i++) {
		char want[256];
		snprintf(want, sizeof want, "# TYPE %s %s\n", d[i].name,
			 d[i].kind == SEAM_METRIC_COUNTER ? "counter"
			 : d[i].kind == SEAM_METRIC_GAUGE ? "gauge" : "histogram");
		assert_non_null(strstr(text, want));
	}
	free(text);
	seam_metrics_destroy(m);
}

static void test_gauge(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	char *b;
	(void)state;
	seam_metric_set(m, SEAM_M_HTTP_INFLIGHT, NULL, 5);
	seam_metric_add(m, SEAM_M_HTTP_INFLIGHT, NULL, -7);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_INFLIGHT, NULL), ==, -2);
	b = render_block(m, SEAM_M_HTTP_INFLIGHT);
	assert_string_equal(b,
		"# HELP seam_http_requests_in_flight Requests being handled now.\n"
		"# TYPE seam_http_requests_in_flight gauge\n"
		"seam_http_requests_in_flight -2\n");
	free(b);
	seam_metric_set(m, SEAM_M_BUILD_INFO, (const char *[]){"1.2.3"}, 1);
	b = render_block(m, SEAM_M_BUILD_INFO);
	assert_string_equal(b,
		"# HELP seam_build_info Always 1; labels carry the version.\n"
		"# TYPE seam_build_info gauge\n"
		"seam_build_info{version=\"1.2.3\"} 1\n");
	free(b);
	seam_metrics_destroy(m);
}

static void test_histogram(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	const char *orders[] = {"/orders"};
	const char *health[] = {"/healthz"};
	(void)state;
	seam_metric_observe(m, SEAM_M_HTTP_DURATION, orders, 0.003); /* le 0.005 */
	seam_metric_observe(m, SEAM_M_HTTP_DURATION, orders, 0.01);  /* on a bound: le 0.01 */
	seam_metric_observe(m, SEAM_M_HTTP_DURATION, orders, 0.75);  /* le 1 */
	seam_metric_observe(m, SEAM_M_HTTP_DURATION, orders, 20);    /* +Inf only */
	seam_metric_observe(m, SEAM_M_HTTP_DURATION, health, 0.0001); /* first bucket */
	seam_metric_observe(m, SEAM_M_HTTP_DURATION, orders, NAN);   /* ignored */
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_DURATION, orders), ==, 4);
	char *b = render_block(m, SEAM_M_HTTP_DURATION);
	assert_string_equal(b,
		"# HELP seam_http_request_duration_seconds Time from request start to response queued, by route pattern.\n"
		"# TYPE seam_http_request_duration_seconds histogram\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.001\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.01\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.025\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.05\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.1\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.25\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.5\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"1\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"2.5\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"5\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"10\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1\n"
		"seam_http_request_duration_seconds_sum{route=\"/healthz\"} 0.0001\n"
		"seam_http_request_duration_seconds_count{route=\"/healthz\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.0005\"} 0\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.001\"} 0\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.0025\"} 0\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.005\"} 1\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.01\"} 2\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.025\"} 2\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.05\"} 2\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.1\"} 2\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.25\"} 2\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.5\"} 2\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"1\"} 3\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"2.5\"} 3\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"5\"} 3\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"10\"} 3\n"
		"seam_http_request_duration_seconds_bucket{route=\"/orders\",le=\"+Inf\"} 4\n"
		"seam_http_request_duration_seconds_sum{route=\"/orders\"} 20.763\n"
		"seam_http_request_duration_seconds_count{route=\"/orders\"} 4\n");
	free(b);
	seam_metrics_destroy(m);
}

static void test_label_escaping(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	(void)state;
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, (const char *[]){"say \"hi\"\\path\nnext"}, 1);
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, (const char *[]){NULL}, 2); /* NULL value is "" */
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REJECTED, (const char *[]){""}), ==, 2);
	char *b = render_block(m, SEAM_M_HTTP_REJECTED);
	assert_string_equal(b,
		"# HELP seam_http_rejected_total Requests refused before a handler ran, by reason.\n"
		"# TYPE seam_http_rejected_total counter\n"
		"seam_http_rejected_total{reason=\"\"} 2\n"
		"seam_http_rejected_total{reason=\"say \\\"hi\\\"\\\\path\\nnext\"} 1\n");
	free(b);
	seam_metrics_destroy(m);
}

static void test_number_format(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{1712345678.5, "1712345678.5"},
		{1712345678, "1712345678"},
		{0.1, "0.1"},
		{-42, "-42"},
		{-0.0, "0"},
		{1e-7, "1e-07"},
		{1e300, "1e+300"},
		{9007199254740992.0, "9007199254740992"},
		{1.0 / 3, "0.3333333333333333"},
		{NAN, "NaN"},
		{INFINITY, "+Inf"},
		{-INFINITY, "-Inf"},
	};
	seam_metrics_t *m = seam_metrics_create();
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char want[512];
		seam_metric_set(m, SEAM_M_START_TIME, NULL, cases[i].v);
		snprintf(want, sizeof want,
			 "# HELP seam_start_time_seconds Unix time the process started.\n"
			 "# TYPE seam_start_time_seconds gauge\n"
			 "seam_start_time_seconds %s\n", cases[i].text);
		char *b = render_block(m, SEAM_M_START_TIME);
		assert_string_equal(b, want);
		free(b);
		/* the text reads back as the same double */
		if (!isnan(cases[i].v) && !isinf(cases[i].v))
			TH_ASSERT_CMP(strtod(cases[i].text, NULL), ==, cases[i].v);
	}
	seam_metrics_destroy(m);
}

static void test_kind_rules(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	const char *r[] = {"x"};
	const char *route[] = {"/x"};
	(void)state;
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, r, 2);
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, r, -1);       /* counters never go down */
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, r, NAN);
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, r, INFINITY);
	seam_metric_observe(m, SEAM_M_HTTP_REJECTED, r, 5);    /* wrong kind */
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REJECTED, r), ==, 2);
	seam_metric_set(m, SEAM_M_HTTP_REJECTED, r, 40);        /* collectors copy totals */
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REJECTED, r), ==, 40);
	seam_metric_add(m, SEAM_M_HTTP_DURATION, route, 1);     /* wrong kind */
	seam_metric_set(m, SEAM_M_HTTP_DURATION, route, 1);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_DURATION, route), ==, 0);
	seam_metric_observe(m, SEAM_M_HTTP_INFLIGHT, NULL, 1);  /* wrong kind */
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_INFLIGHT, NULL), ==, 0);
	/* labelled metric without labels, ids out of range: nothing happens */
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, NULL, 1);
	seam_metric_add(m, SEAM_M__COUNT, NULL, 1);
	seam_metric_add(m, (seam_metric_id_e)-1, NULL, 1);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M__COUNT, NULL), ==, 0);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REJECTED, NULL), ==, 0);
	char *b = render_block(m, SEAM_M_HTTP_REJECTED);
	assert_string_equal(b,
		"# HELP seam_http_rejected_total Requests refused before a handler ran, by reason.\n"
		"# TYPE seam_http_rejected_total counter\n"
		"seam_http_rejected_total{reason=\"x\"} 40\n");
	free(b);
	seam_metrics_destroy(m);
}

static void test_null_registry(void **state)
{
	size_t len = 99;
	(void)state;
	seam_metric_add(NULL, SEAM_M_HTTP_INFLIGHT, NULL, 1);
	seam_metric_set(NULL, SEAM_M_HTTP_INFLIGHT, NULL, 1);
	seam_metric_observe(NULL, SEAM_M_HTTP_DURATION, (const char *[]){"/"}, 1);
	seam_metric_reset(NULL, SEAM_M_HTTP_INFLIGHT);
	TH_ASSERT_CMP(seam_metric_get(NULL, SEAM_M_HTTP_INFLIGHT, NULL), ==, 0);
	assert_int_equal(seam_metrics_add_collector(NULL, NULL, NULL), 0);
	char *text = seam_metrics_render(NULL, &len);
	assert_non_null(text);
	assert_string_equal(text, "");
	assert_int_equal(len, 0);
	free(text);
	seam_metrics_destroy(NULL);
}

static void test_reset(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	char *b;
	(void)state;
	seam_metric_set(m, SEAM_M_BUILD_INFO, (const char *[]){"1.0"}, 1);
	seam_metric_set(m, SEAM_M_BUILD_INFO, (const char *[]){"2.0"}, 1);
	seam_metric_reset(m, SEAM_M_BUILD_INFO);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_BUILD_INFO, (const char *[]){"1.0"}), ==, 0);
	seam_metric_set(m, SEAM_M_BUILD_INFO, (const char *[]){"3.0"}, 1);
	b = render_block(m, SEAM_M_BUILD_INFO);
	assert_string_equal(b,
		"# HELP seam_build_info Always 1; labels carry the version.\n"
		"# TYPE seam_build_info gauge\n"
		"seam_build_info{version=\"3.0\"} 1\n");
	free(b);
	/* a reset label-less gauge still renders its zero sample */
	seam_metric_set(m, SEAM_M_HTTP_INFLIGHT, NULL, 9);
	seam_metric_reset(m, SEAM_M_HTTP_INFLIGHT);
	b = render_block(m, SEAM_M_HTTP_INFLIGHT);
	assert_non_null(strstr(b, "\nseam_http_requests_in_flight 0\n"));
	free(b);
	/* counters are not reset */
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, (const char *[]){"r"}, 1);
	seam_metric_reset(m, SEAM_M_HTTP_REJECTED);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REJECTED, (const char *[]){"r"}), ==, 1);
	seam_metrics_destroy(m);
}

typedef struct {
	int runs;
	char version[16];
} coll_state;

static void collect_version(seam_metrics_t *m, void *ud)
{
	coll_state *st = ud;
	st->runs++;
	snprintf(st->version, sizeof st->version, "v%d", st->runs);
	seam_metric_reset(m, SEAM_M_BUILD_INFO);
	seam_metric_set(m, SEAM_M_BUILD_INFO, (const char *[]){st->version}, 1);
}

static void test_collectors(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	coll_state st = {0};
	char *b;
	(void)state;
	assert_int_equal(seam_metrics_add_collector(m, NULL, NULL), SEAM_INVAL);
	assert_int_equal(seam_metrics_add_collector(m, collect_version, &st), SEAM_OK);
	assert_int_equal(st.runs, 0);
	b = render_block(m, SEAM_M_BUILD_INFO);
	assert_int_equal(st.runs, 1);
	assert_non_null(strstr(b, "\nseam_build_info{version=\"v1\"} 1\n"));
	free(b);
	b = render_block(m, SEAM_M_BUILD_INFO);
	assert_int_equal(st.runs, 2);
	assert_string_equal(b,
		"# HELP seam_build_info Always 1; labels carry the version.\n"
		"# TYPE seam_build_info gauge\n"
		"seam_build_info{version=\"v2\"} 1\n");
	free(b);
	seam_metrics_destroy(m);
}

/* ---- readers other than render ---- */

typedef struct {
	int n;
	double sum_ok, sum_err, hist;
	char seen[8][32];
} each_state;

static void each_upstream(const char *const *labels, size_t n, double v, void *ud)
{
	each_state *st = ud;
	assert_int_equal(n, 3);
	if (st->n < 8)
		snprintf(st->seen[st->n], sizeof st->seen[0], "%s/%s/%s", labels[0], labels[1], labels[2]);
	st->n++;
	if (strcmp(labels[2], "200") == 0)
		st->sum_ok += v;
	else
		st->sum_err += v;
}

static void each_hist(const char *const *labels, size_t n, double v, void *ud)
{
	each_state *st = ud;
	assert_int_equal(n, 1);
	assert_string_equal(labels[0], "/x");
	st->hist += v;
}

static void read_version(seam_metrics_t *m, void *ud)
{
	coll_state *st = ud;
	/* the collector ran first, under the same lock: its gauge is the current one */
	char want[16];
	snprintf(want, sizeof want, "v%d", st->runs);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_BUILD_INFO, (const char *[]){want}), ==, 1);
	st->runs += 100;
}

static void test_readers(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	each_state st = {0};
	coll_state cs = {0};
	(void)state;
	seam_metric_add(m, SEAM_M_UPSTREAM_REQUESTS, (const char *[]){"erp", "GET", "200"}, 3);
	seam_metric_add(m, SEAM_M_UPSTREAM_REQUESTS, (const char *[]){"erp", "POST", "503"}, 2);
	seam_metric_add(m, SEAM_M_UPSTREAM_REQUESTS, (const char *[]){"drupal", "GET", "200"}, 4);
	seam_metrics_each(m, SEAM_M_UPSTREAM_REQUESTS, each_upstream, &st);
	assert_int_equal(st.n, 3);
	TH_ASSERT_CMP(st.sum_ok, ==, 7);
	TH_ASSERT_CMP(st.sum_err, ==, 2);
	/* a histogram gives its count */
	seam_metric_observe(m, SEAM_M_HTTP_DURATION, (const char *[]){"/x"}, 0.01);
	seam_metric_observe(m, SEAM_M_HTTP_DURATION, (const char *[]){"/x"}, 20);
	seam_metrics_each(m, SEAM_M_HTTP_DURATION, each_hist, &st);
	TH_ASSERT_CMP(st.hist, ==, 2);
	/* nothing to visit: no call; NULL registry and bad ids are harmless */
	st.n = 0;
	seam_metrics_each(m, SEAM_M_STOCK_WRITES, each_upstream, &st);
	seam_metrics_each(NULL, SEAM_M_UPSTREAM_REQUESTS, each_upstream, &st);
	seam_metrics_each(m, SEAM_M__COUNT, each_upstream, &st);
	assert_int_equal(st.n, 0);
	/* by name */
	assert_int_equal(seam_metric_find("seam_queue_jobs"), SEAM_M_QUEUE_JOBS);
	assert_int_equal(seam_metric_find("seam_no_such_metric"), -1);
	assert_int_equal(seam_metric_find(NULL), -1);
	/* read: collectors first, then the reader */
	assert_int_equal(seam_metrics_add_collector(m, collect_version, &cs), SEAM_OK);
	seam_metrics_read(m, read_version, &cs);
	assert_int_equal(cs.runs, 101);
	seam_metrics_destroy(m);
}

/* ---- concurrency ---- */

#define NTHREADS 4
#define NITER 100000

typedef struct {
	seam_metrics_t *m;
	int idx;
} worker_arg;

static void *worker(void *p)
{
	worker_arg *a = p;
	char route[16];
	snprintf(route, sizeof route, "/t%d", a->idx);
	const char *shared[] = {"/shared", "GET", "200"};
	const char *own[] = {route, "GET", "200"};
	const char *hroute[] = {"/shared"};
	for (int i = 0; i < NITER; i++) {
		seam_metric_add(a->m, SEAM_M_HTTP_REQUESTS, shared, 1);
		seam_metric_add(a->m, SEAM_M_HTTP_REQUESTS, own, 1);
		if (i % 10 == 0)
			seam_metric_observe(a->m, SEAM_M_HTTP_DURATION, hroute, (i % 20) ? 0.5 : 4);
		if (i % 1000 == 0) {
			/* churn a gauge's series to race creation and reset against updates */
			char v[16];
			snprintf(v, sizeof v, "%d.%d", a->idx, i);
			seam_metric_set(a->m, SEAM_M_BUILD_INFO, (const char *[]){v}, 1);
		}
	}
	return NULL;
}

/* cmocka asserts must not run off the main thread: failures are counted and checked there. */
static void *renderer(void *p)
{
	seam_metrics_t *m = p;
	intptr_t bad = 0;
	for (int i = 0; i < 20; i++) {
		char *t = seam_metrics_render(m, NULL);
		if (!t || !strstr(t, "# TYPE seam_http_requests_total counter\n"))
			bad++;
		free(t);
		seam_metric_reset(m, SEAM_M_BUILD_INFO);
	}
	return (void *)bad;
}

static void test_concurrency(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	pthread_t th[NTHREADS], rt;
	worker_arg args[NTHREADS];
	(void)state;
	for (int i = 0; i < NTHREADS; i++) {
		args[i] = (worker_arg){m, i};
		assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
	}
	assert_int_equal(pthread_create(&rt, NULL, renderer, m), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	void *bad = NULL;
	pthread_join(rt, &bad);
	assert_int_equal((intptr_t)bad, 0);

	assert_int_equal((long)seam_metric_get(m, SEAM_M_HTTP_REQUESTS,
					      (const char *[]){"/shared", "GET", "200"}),
			 NTHREADS * NITER);
	for (int i = 0; i < NTHREADS; i++) {
		char route[16];
		snprintf(route, sizeof route, "/t%d", i);
		assert_int_equal((long)seam_metric_get(m, SEAM_M_HTTP_REQUESTS,
						      (const char *[]){route, "GET", "200"}),
				 NITER);
	}
	assert_int_equal((long)seam_metric_get(m, SEAM_M_HTTP_DURATION, (const char *[]){"/shared"}),
			 NTHREADS * NITER / 10);
	char *b = render_block(m, SEAM_M_HTTP_DURATION);
	/* half the observations are 0.5 (le 0.5), half 4 (le 5); sums are exact in binary */
	assert_non_null(strstr(b, "_bucket{route=\"/shared\",le=\"0.5\"} 20000\n"));
	assert_non_null(strstr(b, "_bucket{route=\"/shared\",le=\"2.5\"} 20000\n"));
	assert_non_null(strstr(b, "_bucket{route=\"/shared\",le=\"5\"} 40000\n"));
	assert_non_null(strstr(b, "_sum{route=\"/shared\"} 90000\n"));
	assert_non_null(strstr(b, "_count{route=\"/shared\"} 40000\n"));
	free(b);
	seam_metrics_destroy(m);
}

static void test_cardinality_cap(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	char v[32];
	(void)state;
	for (int i = 0; i < SEAM_METRICS_MAX_SERIES + 5; i++) {
		snprintf(v, sizeof v, "r%05d", i);
		seam_metric_add(m, SEAM_M_HTTP_REJECTED, (const char *[]){v}, 1);
	}
	snprintf(v, sizeof v, "r%05d", 0);
	seam_metric_add(m, SEAM_M_HTTP_REJECTED, (const char *[]){v}, 1); /* existing: still counts */
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REJECTED, (const char *[]){v}), ==, 2);
	snprintf(v, sizeof v, "r%05d", SEAM_METRICS_MAX_SERIES - 1);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REJECTED, (const char *[]){v}), ==, 1);
	snprintf(v, sizeof v, "r%05d", SEAM_METRICS_MAX_SERIES);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REJECTED, (const char *[]){v}), ==, 0);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_SERIES_DROPPED, NULL), ==, 5);
	/* other metrics are not affected by one metric's cap */
	seam_metric_add(m, SEAM_M_HTTP_REQUESTS, (const char *[]){"/", "GET", "200"}, 1);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_HTTP_REQUESTS, (const char *[]){"/", "GET", "200"}), ==, 1);

	char *b = render_block(m, SEAM_M_HTTP_REJECTED);
	assert_int_equal(count_lines(b), SEAM_METRICS_MAX_SERIES + 2);
	assert_non_null(strstr(b, "\nseam_http_rejected_total{reason=\"r00000\"} 2\n"));
	free(b);
	b = render_block(m, SEAM_M_SERIES_DROPPED);
	assert_non_null(strstr(b, "\nseam_metrics_series_dropped_total 5\n"));
	free(b);
	seam_metrics_destroy(m);
}

/* ---- promtool ---- */

static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	if (!path)
		return 0;
	while (*path) {
		size_t l = strcspn(path, ":");
		snprintf(buf, sizeof buf, "%.*s/%s", (int)l, path, prog);
		if (l && access(buf, X_OK) == 0)
			return 1;
		path += l;
		if (*path)
			path++;
	}
	return 0;
}

static void test_promtool(void **state)
{
	size_t n = 0;
	const seam_metric_def_t *d = seam_metric_defs(&n);
	(void)state;
	if (!on_path("promtool")) {
		printf("SKIP: promtool not installed\n");
		skip();
	}
	seam_metrics_t *m = seam_metrics_create();
	/* every metric: two series, label values needing escapes, awkward numbers */
	const char *vals[2][16];
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 16; k++)
			vals[s][k] = s ? "a \"quoted\" \\ value\nwith newline" : "plain";
	for (size_t i = 0; i < n; i++) {
		for (int s = 0; s < 2; s++) {
			const char *const *l = d[i].labels[0] ? vals[s] : NULL;
			switch (d[i].kind) {
			case SEAM_METRIC_COUNTER:
				seam_metric_add(m, d[i].id, l, s ? 0.1 : 3);
				break;
			case SEAM_METRIC_GAUGE:
				seam_metric_set(m, d[i].id, l, s ? -INFINITY : 1712345678.25);
				break;
			case SEAM_METRIC_HISTOGRAM:
				seam_metric_observe(m, d[i].id, l, 0.0001);
				seam_metric_observe(m, d[i].id, l, d[i].buckets[0]);
				seam_metric_observe(m, d[i].id, l, 1e6);
				break;
			}
		}
	}
	size_t len = 0;
	char *text = seam_metrics_render(m, &len);
	assert_non_null(text);
	char path[] = "/tmp/seam-test-metrics-XXXXXX";
	int fd = mkstemp(path);
	TH_ASSERT_CMP(fd, >=, 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);

	char cmd[256], out[4096] = "";
	snprintf(cmd, sizeof cmd, "promtool check metrics < %s 2>&1", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t got = fread(out, 1, sizeof out - 1, p);
	out[got] = '\0';
	int st = pclose(p);
	unlink(path);
	if (got || st != 0)
		printf("promtool (status %d) said:\n%s\non:\n%s\n", st, out, text);
	free(text);
	seam_metrics_destroy(m);
	assert_string_equal(out, "");
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defs_valid),
		cmocka_unit_test(test_counter_render_sorted),
		cmocka_unit_test(test_empty_metrics_render),
		cmocka_unit_test(test_gauge),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_number_format),
		cmocka_unit_test(test_kind_rules),
		cmocka_unit_test(test_null_registry),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_collectors),
		cmocka_unit_test(test_readers),
		cmocka_unit_test(test_concurrency),
		cmocka_unit_test(test_cardinality_cap),
		cmocka_unit_test(test_promtool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
