/*
 * fuzz_adyen.c: libFuzzer target for the Adyen item verifier. Input: a JSON document (as the
 * webhook body would be); each notificationItems[] entry, or the document itself when there
 * are none, is verified. Checks memory safety, that code and reason agree, and that an item
 * accepted under the test key carries exactly base64(HMAC(key, signing string)).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/adyen.h"
#include "core/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"

static void check(const json_t *item)
{
	const char *const keys[] = {KEY};
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_err_t rc = seam_adyen_verify_item(item, keys, 1, &r, &e);
	char *s = NULL;

	if (rc != SEAM_OK && rc != SEAM_AUTH)
		abort();
	if ((rc == SEAM_OK) != (r.reason == SEAM_WHSIG_OK))
		abort();
	if (seam_adyen_item_signing_string(item, &s, NULL) == SEAM_OK) {
		if (!s)
			abort();
	} else if (s || rc == SEAM_OK) {
		abort();
	}
	if (rc == SEAM_OK) {
		uint8_t key[32], mac[SEAM_SHA256_LEN];
		char b64[64];
		const json_t *it = json_object_get(item, "NotificationRequestItem");
		const char *given;
		if (!json_is_object(it))
			it = item;
		given = json_string_value(
			json_object_get(json_object_get(it, "additionalData"), "hmacSignature"));
		seam_hex_decode(KEY, strlen(KEY), key, sizeof key);
		seam_hmac_sha256(key, sizeof key, s, strlen(s), mac);
		seam_base64_encode(mac, sizeof mac, b64);
		/* Equal up to padding and unused low bits: compare the prefix that fixes the bytes. */
		if (!given || strncmp(given, b64, 42) != 0)
			abort();
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL), *items;
	if (!doc)
		return 0;
	items = json_object_get(doc, "notificationItems");
	if (json_is_array(items) && json_array_size(items) > 0) {
		for (size_t i = 0; i < json_array_size(items) && i < 16; i++)
			check(json_array_get(items, i));
	} else {
		check(doc);
	}
	json_decref(doc);
	return 0;
}
