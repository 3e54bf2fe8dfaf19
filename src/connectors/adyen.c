/*
 * adyen.c: Adyen NotificationRequestItem HMAC. The signing string is built from the parsed
 * item exactly as Adyen's own libraries build it; the MAC under each configured key is
 * compared in constant time with the decoded hmacSignature, without stopping at a match.
 * Thread-safety: reentrant; no state.
 */
#include "connectors/adyen.h"

#include "connectors/webhook_sig_int.h"
#include "core/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SCHEME[] = "adyen";

/* The NotificationRequestItem object, unwrapping {"NotificationRequestItem": {...}}. */
static const json_t *unwrap(const json_t *item)
{
	const json_t *inner;
	if (!json_is_object(item))
		return NULL;
	inner = json_object_get(item, "NotificationRequestItem");
	return json_is_object(inner) ? inner : item;
}

/* A string field: absent or null gives "", a string itself, anything else NULL. */
static const char *str_field(const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (!v || json_is_null(v))
		return "";
	return json_is_string(v) ? json_string_value(v) : NULL;
}

#define NFIELDS 8

/* Fills the eight field values (num holds a rendered amount.value). Returns the name of the
 * first field of the wrong type, or NULL when all are fine. */
static const char *fields(const json_t *it, const char *f[NFIELDS], char num[24])
{
	static const char *const top[] = {"pspReference", "originalReference",
					   "merchantAccountCode", "merchantReference"};
	const json_t *amount = json_object_get(it, "amount"), *value, *success;

	for (int i = 0; i < 4; i++)
		if (!(f[i] = str_field(it, top[i])))
			return top[i];
	if (amount && !json_is_null(amount) && !json_is_object(amount))
		return "amount";
	if (!json_is_object(amount))
		amount = NULL;
	value = amount ? json_object_get(amount, "value") : NULL;
	if (json_is_integer(value)) {
		snprintf(num, 24, "%lld", (long long)json_integer_value(value));
		f[4] = num;
	} else if (!(f[4] = str_field(amount, "value"))) {
		return "amount.value";
	}
	if (!(f[5] = str_field(amount, "currency")))
		return "amount.currency";
	if (!(f[6] = str_field(it, "eventCode")))
		return "eventCode";
	success = json_object_get(it, "success");
	if (json_is_boolean(success))
		f[7] = json_is_true(success) ? "true" : "false";
	else if (!(f[7] = str_field(it, "success")))
		return "success";
	return NULL;
}

seam_err_t seam_adyen_item_signing_string(const json_t *item, char **out, seam_error_t *err)
{
	const json_t *it = unwrap(item);
	const char *f[NFIELDS], *bad;
	char num[24], *s, *p;
	size_t total = NFIELDS; /* seven ':' and the NUL */

	*out = NULL;
	if (!it)
		return seam_errorf(err, SEAM_PARSE, "adyen: notification item is not an object");
	if ((bad = fields(it, f, num)))
		return seam_errorf(err, SEAM_PARSE, "adyen: notification item field %s has the "
				   "wrong type", bad);
	for (int i = 0; i < NFIELDS; i++)
		total += strlen(f[i]);
	s = malloc(total);
	if (!s)
		return seam_errorf(err, SEAM_NOMEM, "adyen: out of memory");
	p = s;
	for (int i = 0; i < NFIELDS; i++) {
		size_t n = strlen(f[i]);
		if (i)
			*p++ = ':';
		memcpy(p, f[i], n);
		p += n;
	}
	*p = '\0';
	*out = s;
	return SEAM_OK;
}

seam_err_t seam_adyen_verify_item(const json_t *item, const char *const *hex_keys, size_t nkeys,
				  seam_webhook_sig_t *out, seam_error_t *err)
{
	uint8_t key[SEAM_ADYEN_KEY_MAX], sig[SEAM_SHA256_LEN];
	const json_t *it, *ad, *sv;
	const char *sigstr, *f[NFIELDS], *bad;
	char num[24], *data = NULL;
	size_t usable = 0;
	int match = -1;
	seam_err_t rc;

	seam_webhook_sig_init(out);
	for (size_t i = 0; i < nkeys; i++) {
		if (!hex_keys[i] || !hex_keys[i][0])
			continue;
		if (seam_hex_decode(hex_keys[i], strlen(hex_keys[i]), key, sizeof key) <= 0)
			return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err,
							SCHEME, "HMAC key %zu is not hex", i);
		usable++;
	}
	if (!usable)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err, SCHEME,
						"no HMAC key configured");
	if (!(it = unwrap(item)))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_PAYLOAD, SEAM_AUTH, err,
						SCHEME, "notification item is not an object");
	ad = json_object_get(it, "additionalData");
	sv = json_is_object(ad) ? json_object_get(ad, "hmacSignature") : NULL;
	sigstr = json_is_string(sv) ? json_string_value(sv) : NULL;
	if (!sv || json_is_null(sv) || (sigstr && !sigstr[0]))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MISSING_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no additionalData.hmacSignature");
	if (!sigstr || seam_base64_decode(sigstr, strlen(sigstr), sig, sizeof sig) !=
			       SEAM_SHA256_LEN)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "hmacSignature is not base64 of 32 bytes");
	if ((bad = fields(it, f, num)))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_PAYLOAD, SEAM_AUTH, err,
						SCHEME, "field %s has the wrong type", bad);
	rc = seam_adyen_item_signing_string(it, &data, err);
	if (rc != SEAM_OK)
		return rc;

	for (size_t i = 0; i < nkeys; i++) {
		uint8_t mac[SEAM_SHA256_LEN];
		long klen;
		if (!hex_keys[i] || !hex_keys[i][0])
			continue;
		klen = seam_hex_decode(hex_keys[i], strlen(hex_keys[i]), key, sizeof key);
		seam_hmac_sha256(key, (size_t)klen, data, strlen(data), mac);
		if (seam_ct_equal(mac, sig, SEAM_SHA256_LEN) && match < 0)
			match = (int)i;
	}
	free(data);
	if (match < 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_BAD_SIGNATURE, SEAM_AUTH, err, SCHEME,
						"hmacSignature does not match");
	if (out)
		out->secret_index = match;
	return SEAM_OK;
}
