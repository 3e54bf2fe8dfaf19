/*
 * fuzz_erp_notification.c: libFuzzer target for the ERP webhook readers: the clientState check
 * (seam_erp_notification_verify), the split into events (seam_erp_notification_split), a
 * notification's resource (seam_erp_notice_parse), the job it makes (seam_stock_event_job),
 * BC's times (seam_erp_time_ms) and decimals (seam_erp_decimal).
 *
 * Input: a notification body, any bytes. Besides memory safety it checks: verify says OK only
 * when every item of value carries one of the clientStates, compared here the plain way, and
 * its code and reason agree; a split gives one event per item with a non-empty id that fits,
 * or a quarantine reason and none; a parsed resource names a company and either an id or a
 * collection time that reads as a time; the same notification makes the same dedup key twice;
 * a time reads the same twice and is never below -1; a decimal is a decimal (digits, one
 * optional point, an optional leading minus).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/erp_stock.h"
#include "flows/stock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const states[] = {"old-state", "e2e-client-state-7f3a"};

static int is_decimal(const char *s)
{
	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	seam_webhook_sig_t sig;
	seam_error_t err = {0};
	seam_err_t rc = seam_erp_notification_verify(doc, states, 2, &sig, &err);
	if (rc != SEAM_OK && rc != SEAM_AUTH)
		abort();
	if ((rc == SEAM_OK) != (sig.reason == SEAM_WHSIG_OK))
		abort();
	/* the plain way */
	json_t *items = json_object_get(doc, "value"), *it;
	size_t i;
	int all = json_is_array(items) && json_array_size(items) > 0;
	json_array_foreach(items, i, it) {
		const char *cs = json_string_value(json_object_get(it, "clientState"));
		all &= cs && (!strcmp(cs, states[0]) || !strcmp(cs, states[1]));
	}
	if ((rc == SEAM_OK) != all)
		abort();

	seam_webhook_delivery_t d = {.body = (const char *)data, .len = size};
	seam_webhook_events_t ev = {0};
	if (seam_erp_notification_split(&d, doc, &ev, &err) != SEAM_OK)
		abort();
	if (ev.quarantine ? ev.n != 0 : ev.n != json_array_size(items))
		abort();
	for (size_t k = 0; k < ev.n; k++) {
		if (!ev.items[k].id || !*ev.items[k].id || strlen(ev.items[k].id) >= SEAM_WEBHOOK_ID_MAX)
			abort();
		char dedup[400], dedup2[400], *pl = NULL, *pl2 = NULL;
		int r1 = seam_stock_event_job("us", ev.items[k].doc, dedup, sizeof dedup, &pl);
		int r2 = seam_stock_event_job("us", ev.items[k].doc, dedup2, sizeof dedup2, &pl2);
		if (r1 != r2 || (r1 == 1 && (strcmp(dedup, dedup2) || !pl || strcmp(pl, pl2))))
			abort();
		free(pl);
		free(pl2);
	}
	json_array_foreach(items, i, it) {
		const char *res = json_string_value(json_object_get(it, "resource"));
		seam_erp_notice_t n;
		if (res && seam_erp_notice_parse(res, &n) == 0) {
			if (!n.company[0] || (!n.id[0] == !n.since[0]))
				abort();
			if (n.since[0] && seam_erp_time_ms(n.since) < 0)
				abort();
		}
		const char *at = json_string_value(json_object_get(it, "lastModifiedDateTime"));
		int64_t t1 = seam_erp_time_ms(at), t2 = seam_erp_time_ms(at);
		if (t1 != t2 || t1 < -1)
			abort();
		char dec[SEAM_ERP_DECIMAL_MAX];
		json_t *v = json_object_get(it, "unitPrice");
		if (seam_erp_decimal(v, dec, sizeof dec) == 0 && !is_decimal(dec))
			abort();
	}
	seam_webhook_events_dispose(&ev);
	json_decref(doc);
	return 0;
}
