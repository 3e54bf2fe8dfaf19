/*
 * pim_events.c: Akeneo Events API (see pim_events.h). Signature: the MAC is computed over the
 * parts "<ts>", ".", body without joining them, against every secret, compared in constant
 * time without stopping at the first match. Message: jansson over the raw bytes, one pass,
 * fields copied into fixed buffers (a field too long to copy is bad_field, never truncated:
 * a truncated uuid would name another product).
 * Thread-safety: reentrant; the table is read-only.
 */
#include "connectors/pim_events.h"

#include "connectors/webhook_sig_int.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SCHEME[] = "akeneo";

static const struct action_row {
	const char *name;
	seam_pim_kind_e kind;
	seam_pim_op_e op;
} actions[] = {
#define ROW(n, k, o) {n, SEAM_PIM_KIND_##k, SEAM_PIM_OP_##o},
	SEAM_PIM_EVENT_ACTIONS(ROW)
#undef ROW
};

seam_err_t seam_pim_events_verify(const char *sig, const char *ts, const void *body, size_t len,
				  const char *const *secrets, size_t nsecrets, int64_t now_s,
				  int64_t tolerance_s, seam_webhook_sig_t *out, seam_error_t *err)
{
	uint8_t want[SEAM_SHA256_LEN];
	size_t usable = 0, tslen;
	int64_t t = 0;
	int match = -1;

	seam_webhook_sig_init(out);
	for (size_t i = 0; i < nsecrets; i++)
		usable += secrets[i] && secrets[i][0];
	if (!usable)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err, SCHEME,
						"no event secret configured");
	if (!sig || !sig[0] || !ts || !ts[0])
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MISSING_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no %s or %s header",
						SEAM_PIM_EVENTS_SIG_HEADER,
						SEAM_PIM_EVENTS_TS_HEADER);
	tslen = strnlen(ts, 20);
	if (seam_webhook_sig_timestamp_parse(ts, tslen, &t) != 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "timestamp is not a Unix timestamp");
	if (out)
		out->timestamp = t;
	if (strnlen(sig, 2 * SEAM_SHA256_LEN + 1) != 2 * SEAM_SHA256_LEN ||
	    seam_hex_decode(sig, 2 * SEAM_SHA256_LEN, want, sizeof want) != SEAM_SHA256_LEN)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "signature is not 64 hex digits");
	/* Signed content: the timestamp exactly as sent (it is all digits, checked above). */
	for (size_t i = 0; i < nsecrets; i++) {
		uint8_t mac[SEAM_SHA256_LEN];
		const void *parts[3] = {ts, ".", body};
		size_t lens[3] = {tslen, 1, len};
		if (!secrets[i] || !secrets[i][0])
			continue;
		seam_hmac_sha256_parts(secrets[i], strlen(secrets[i]), parts, lens, 3, mac);
		if (seam_ct_equal(mac, want, SEAM_SHA256_LEN) && match < 0)
			match = (int)i;
	}
	return seam__webhook_sig_finish(match, t, now_s, tolerance_s, out, err, SCHEME);
}

seam_err_t seam_pim_events_verify_delivery(const seam_webhook_delivery_t *d,
					   const char *const *secrets, size_t nsecrets,
					   seam_webhook_sig_t *out, seam_error_t *err)
{
	return seam_pim_events_verify(d->header(d->ud, SEAM_PIM_EVENTS_SIG_HEADER),
				      d->header(d->ud, SEAM_PIM_EVENTS_TS_HEADER), d->body, d->len,
				      secrets, nsecrets, d->now_s, d->tolerance_s, out, err);
}

/* ---- message ---- */

static seam_err_t refuse(seam_pim_changes_t *out, const char *reason, seam_error_t *err,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static seam_err_t refuse(seam_pim_changes_t *out, const char *reason, seam_error_t *err,
			 const char *fmt, ...)
{
	char detail[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	out->reason = reason;
	return seam_errorf(err, SEAM_PARSE, "akeneo events: %s: %s", reason, detail);
}

/* Copies the string at o.key into buf. required: absent/null is missing_field; optional: "".
 * Returns NULL, or the reason. */
static const char *copy_field(const json_t *o, const char *key, char *buf, size_t cap,
			      int required)
{
	const json_t *v = json_object_get(o, key);
	const char *s;
	buf[0] = '\0';
	if (!v || json_is_null(v))
		return required ? "missing_field" : NULL;
	if (!json_is_string(v))
		return "bad_field";
	s = json_string_value(v);
	if (required && !s[0])
		return "missing_field";
	if (json_string_length(v) >= cap || strlen(s) != json_string_length(v))
		return "bad_field"; /* too long, or an embedded NUL */
	memcpy(buf, s, json_string_length(v) + 1);
	return NULL;
}

static const struct action_row *find_action(const char *name)
{
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

/* Reads events[i]; 1 when it was skipped (unknown action), 0 when read, -1 on refusal. */
static int read_one(const json_t *ev, size_t i, seam_pim_change_t *c, seam_pim_changes_t *out,
		    seam_error_t *err)
{
	const struct action_row *row;
	const json_t *res;
	const char *why, *field;
	char when[64];

	if (!json_is_object(ev)) {
		refuse(out, "bad_field", err, "events[%zu] is not an object", i);
		return -1;
	}
	field = "action";
	if ((why = copy_field(ev, "action", c->action, sizeof c->action, 1)))
		goto bad;
	if (!(row = find_action(c->action)))
		return 1;
	c->kind = row->kind;
	c->op = row->op;
	field = "event_id";
	if ((why = copy_field(ev, "event_id", c->event_id, sizeof c->event_id, 1)))
		goto bad;
	field = "event_datetime";
	if ((why = copy_field(ev, "event_datetime", when, sizeof when, 1)))
		goto bad;
	if (seam_rfc3339_parse(when, &c->event_ms) != 0) {
		why = "bad_field";
		goto bad;
	}
	field = "author";
	if ((why = copy_field(ev, "author", c->author, sizeof c->author, 0)))
		goto bad;
	field = "pim_source";
	if ((why = copy_field(ev, "pim_source", c->pim_source, sizeof c->pim_source, 0)))
		goto bad;
	field = "data.resource";
	res = json_object_get(json_object_get(ev, "data"), "resource");
	if (!json_is_object(res)) {
		why = "missing_field";
		goto bad;
	}
	if (row->kind == SEAM_PIM_KIND_PRODUCT) {
		field = "data.resource.uuid";
		if ((why = copy_field(res, "uuid", c->uuid, sizeof c->uuid, 1)))
			goto bad;
		field = "data.resource.identifier";
		if ((why = copy_field(res, "identifier", c->identifier, sizeof c->identifier, 0)))
			goto bad;
	} else {
		field = "data.resource.code";
		if ((why = copy_field(res, "code", c->identifier, sizeof c->identifier, 1)))
			goto bad;
	}
	field = "data.resource.updated";
	if ((why = copy_field(res, "updated", when, sizeof when, 0)))
		goto bad;
	c->updated_ms = 0;
	if (when[0] && seam_rfc3339_parse(when, &c->updated_ms) != 0) {
		why = "bad_field";
		goto bad;
	}
	return 0;
bad:
	refuse(out, why, err, "events[%zu] (%s): %s is %s", i, c->action[0] ? c->action : "?",
	       field, strcmp(why, "missing_field") == 0 ? "missing" : "malformed");
	return -1;
}

seam_err_t seam_pim_events_read(const void *body, size_t len, seam_pim_changes_t *out,
				seam_error_t *err)
{
	json_error_t je;
	json_t *doc = NULL;
	const json_t *evs;
	size_t n;
	seam_err_t rc = SEAM_OK;

	memset(out, 0, sizeof *out);
	doc = seam_json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(doc)) {
		rc = refuse(out, "malformed_json", err, "the body is not a JSON object");
		goto out;
	}
	evs = json_object_get(doc, "events");
	if (!json_is_array(evs) || json_array_size(evs) == 0) {
		rc = refuse(out, "no_events", err, "no events array, or an empty one");
		goto out;
	}
	n = json_array_size(evs);
	if (n > SEAM_PIM_EVENTS_MAX) {
		rc = refuse(out, "too_many_events", err, "%zu events, at most %d per message", n,
			    SEAM_PIM_EVENTS_MAX);
		goto out;
	}
	if (!(out->items = calloc(n, sizeof *out->items))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		seam_pim_change_t *c = &out->items[out->n];
		int r = read_one(json_array_get(evs, i), i, c, out, err);
		if (r < 0) {
			rc = SEAM_PARSE;
			goto out;
		}
		if (r > 0) {
			memset(c, 0, sizeof *c);
			out->ignored++;
		} else {
			out->n++;
		}
	}
out:
	if (rc != SEAM_OK) {
		const char *reason = out->reason;
		free(out->items);
		memset(out, 0, sizeof *out);
		out->reason = reason;
	}
	json_decref(doc);
	return rc;
}

void seam_pim_changes_dispose(seam_pim_changes_t *out)
{
	if (!out)
		return;
	free(out->items);
	memset(out, 0, sizeof *out);
}
