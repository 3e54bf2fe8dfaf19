/*
 * sim_erp.c: Business Central-like sales orders and items.
 *
 * Records are stored as the JSON BC prints (plus private "_version"), amounts as JSON numbers
 * that are always the exact image of a decimal (computed in integers, converted once). OData
 * $filter is a small recursive-descent parser: comparisons joined by `and`/`or` (and binds
 * tighter), no parentheses or functions; anything else is a 400 like BC's.
 */
#include "sim/sim_erp.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "sim/sim_money.h"
#include "sim/sim_rng.h"

#define PS 5 /* price and quantity scale */
#define AS 2 /* amount scale (LCY rounding) */

/* One company: its own sales orders, in its own currency. */
typedef struct company {
	char id[37];
	char *cfg_id;   /* configured id, or NULL: drawn from the seed */
	char *name;
	char *currency;
	json_t *orders; /* array; each with salesOrderLines inside */
} company_t;

struct seam_sim_erp {
	pthread_mutex_t mu;
	uint64_t seed;
	seam_sim_rng_t rng;
	char *client_id, *client_secret, *tenant;
	int64_t token_ttl_ms;
	int64_t n_items, n_customers, page_size;
	int unique_ext;
	char *currency, *number_prefix;
	int64_t next_number;
	company_t *companies; /* at least one; items and customers are shared by all */
	size_t ncompanies;
	int64_t epoch_ms;
	json_t *tokens;    /* token -> expiry ms */
	json_t *customers; /* array */
	json_t *items;     /* array */
};

/* ---- helpers ---- */

static void now_iso(char out[25])
{
	seam_rfc3339_ms(seam_now_ms(), out);
}

static json_t *dec_json(int64_t v, int scale)
{
	return json_real(seam_sim_dec_to_double(v, scale));
}

static int64_t num_of(const json_t *v, int scale)
{
	int64_t x = 0;
	if (json_is_integer(v))
		x = json_integer_value(v) * (int64_t)pow(10, scale);
	else if (json_is_real(v))
		seam_sim_dec_from_double(json_real_value(v), scale, &x);
	return x;
}

static void bc_error(seam_sim_erp_t *e, seam_sim_call_t *c, int status, const char *code,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void bc_error(seam_sim_erp_t *e, seam_sim_call_t *c, int status, const char *code,
		     const char *fmt, ...)
{
	char msg[512], full[640], cid[37];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	seam_sim_rng_uuid(&e->rng, cid);
	snprintf(full, sizeof full, "%s  CorrelationId:  %s.", msg, cid);
	seam_sim_reply_json(c, status, "application/json; odata.metadata=minimal",
			    json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", full));
}

static void etag(json_t *rec)
{
	char raw[96], b64[160], tag[200];
	json_int_t v = json_integer_value(json_object_get(rec, "_version"));
	snprintf(raw, sizeof raw, "'%lld;%s'", (long long)v,
		 json_string_value(json_object_get(rec, "id")));
	seam_base64_encode(raw, strlen(raw), b64);
	snprintf(tag, sizeof tag, "W/\"%s\"", b64);
	json_object_set_new(rec, "@odata.etag", json_string(tag));
}

static void bump(json_t *rec)
{
	char ts[25];
	now_iso(ts);
	json_object_set_new(rec, "_version",
			    json_integer(json_integer_value(json_object_get(rec, "_version")) + 1));
	json_object_set_new(rec, "lastModifiedDateTime", json_string(ts));
	etag(rec);
}

/* Output copy: private keys dropped, lines only when expanded. */
static json_t *out_rec(const json_t *rec, int expand)
{
	json_t *o = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)rec, k, v) {
		if (k[0] == '_')
			continue;
		if (!strcmp(k, "salesOrderLines") && !expand)
			continue;
		if (!strcmp(k, "salesOrderLines")) {
			json_t *lines = json_array();
			size_t i;
			json_t *l;
			json_array_foreach(v, i, l)
				json_array_append_new(lines, out_rec(l, 0));
			json_object_set_new(o, k, lines);
			continue;
		}
		json_object_set(o, k, v);
	}
	return o;
}

static json_t *find_by(json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r) {
		const char *s = json_string_value(json_object_get(r, key));
		if (s && val && !strcasecmp(s, val))
			return r;
	}
	return NULL;
}

/* ---- OData $filter ---- */

typedef struct lex {
	const char *p;
	char err[160];
} lex_t;

static void skip_ws(lex_t *l)
{
	while (*l->p == ' ')
		l->p++;
}

static int word(lex_t *l, char *out, size_t cap)
{
	skip_ws(l);
	size_t n = 0;
	while (*l->p && *l->p != ' ' && n + 1 < cap)
		out[n++] = *l->p++;
	out[n] = '\0';
	return (int)n;
}

/* literal -> json (string for quoted/datetime/guid, number, bool, null) */
static json_t *literal(lex_t *l)
{
	skip_ws(l);
	if (*l->p == '\'') {
		char buf[256];
		size_t n = 0;
		l->p++;
		for (;;) {
			if (!*l->p) {
				snprintf(l->err, sizeof l->err, "unterminated string literal");
				return NULL;
			}
			if (*l->p == '\'') {
				if (l->p[1] == '\'') {
					if (n + 1 < sizeof buf)
						buf[n++] = '\'';
					l->p += 2;
					continue;
				}
				l->p++;
				break;
			}
			if (n + 1 < sizeof buf)
				buf[n++] = *l->p;
			l->p++;
		}
		buf[n] = '\0';
		return json_string(buf);
	}
	char w[128];
	if (!word(l, w, sizeof w)) {
		snprintf(l->err, sizeof l->err, "a literal was expected");
		return NULL;
	}
	if (!strcmp(w, "true"))
		return json_true();
	if (!strcmp(w, "false"))
		return json_false();
	if (!strcmp(w, "null"))
		return json_null();
	char *end;
	double d = strtod(w, &end);
	if (*end == '\0')
		return json_real(d);
	int64_t ms;
	if (seam_rfc3339_parse(w, &ms) == 0 || (strlen(w) == 10 && w[4] == '-' && w[7] == '-') ||
	    (strlen(w) == 36 && w[8] == '-'))
		return json_string(w);
	snprintf(l->err, sizeof l->err, "the literal '%s' is not valid", w);
	return NULL;
}

static json_t *cmp_expr(lex_t *l)
{
	char field[64], op[8];
	if (!word(l, field, sizeof field) || !word(l, op, sizeof op)) {
		snprintf(l->err, sizeof l->err, "a comparison was expected");
		return NULL;
	}
	static const char *const ops[] = {"eq", "ne", "gt", "ge", "lt", "le", NULL};
	int ok = 0;
	for (const char *const *o = ops; *o; o++)
		if (!strcmp(*o, op))
			ok = 1;
	if (!ok) {
		snprintf(l->err, sizeof l->err, "the operator '%s' is not supported", op);
		return NULL;
	}
	json_t *v = literal(l);
	if (!v)
		return NULL;
	return json_pack("{s:s, s:s, s:o}", "f", field, "op", op, "v", v);
}

/* OR of ANDs: [[cmp, cmp], [cmp]] */
static json_t *parse_filter(const char *s, char *err, size_t cap)
{
	lex_t l = {.p = s};
	json_t *ors = json_array();
	json_t *ands = json_array();
	json_array_append_new(ors, ands);
	for (;;) {
		json_t *c = cmp_expr(&l);
		if (!c) {
			snprintf(err, cap, "%s", l.err);
			json_decref(ors);
			return NULL;
		}
		json_array_append_new(ands, c);
		char w[16];
		if (!word(&l, w, sizeof w))
			break;
		if (!strcmp(w, "and"))
			continue;
		if (!strcmp(w, "or")) {
			ands = json_array();
			json_array_append_new(ors, ands);
			continue;
		}
		snprintf(err, cap, "unexpected '%s'", w);
		json_decref(ors);
		return NULL;
	}
	return ors;
}

static int cmp_one(const json_t *have, const json_t *want, const char *field)
{
	if (json_is_null(want))
		return have && !json_is_null(have) ? 1 : 0;
	if (!have || json_is_null(have))
		return -2;
	if (json_is_number(have) && json_is_number(want)) {
		double a = json_number_value(have), b = json_number_value(want);
		return a < b ? -1 : a > b;
	}
	if (json_is_boolean(have) && json_is_boolean(want))
		return json_is_true(have) == json_is_true(want) ? 0 : 1;
	if (json_is_string(have) && json_is_string(want)) {
		int64_t a, b;
		if (strstr(field, "DateTime") && seam_rfc3339_parse(json_string_value(have), &a) == 0 &&
		    seam_rfc3339_parse(json_string_value(want), &b) == 0)
			return a < b ? -1 : a > b;
		int r = strcasecmp(json_string_value(have), json_string_value(want));
		return r < 0 ? -1 : r > 0;
	}
	return -2;
}

static int filter_match(const json_t *f, const json_t *rec)
{
	if (!f)
		return 1;
	size_t i, k;
	json_t *ands, *c;
	json_array_foreach(f, i, ands) {
		int all = 1;
		json_array_foreach(ands, k, c) {
			const char *field = json_string_value(json_object_get(c, "f"));
			const char *op = json_string_value(json_object_get(c, "op"));
			int r = cmp_one(json_object_get(rec, field), json_object_get(c, "v"), field);
			int ok = r == -2   ? !strcmp(op, "ne")
				 : !strcmp(op, "eq") ? r == 0
				 : !strcmp(op, "ne") ? r != 0
				 : !strcmp(op, "gt") ? r == 1
				 : !strcmp(op, "ge") ? r >= 0
				 : !strcmp(op, "lt") ? r == -1
						     : r <= 0 && r != -2;
			if (!ok) {
				all = 0;
				break;
			}
		}
		if (all)
			return 1;
	}
	return 0;
}

/* ---- path parsing ---- */

typedef struct seg {
	char name[48];
	char key[80];
	int has_key;
} seg_t;

static int split_path(const char *path, seg_t *segs, int max)
{
	const char *p = strstr(path, "/api/v2.0");
	if (!p)
		return -1;
	p += strlen("/api/v2.0");
	int n = 0;
	while (*p == '/' && n < max) {
		p++;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (!len)
			break;
		seg_t *s = &segs[n++];
		memset(s, 0, sizeof *s);
		const char *paren = memchr(p, '(', len);
		size_t nl = paren ? (size_t)(paren - p) : len;
		if (nl >= sizeof s->name)
			return -1;
		memcpy(s->name, p, nl);
		if (paren) {
			const char *close = memchr(paren, ')', len - nl);
			if (!close)
				return -1;
			const char *k = paren + 1;
			size_t kl = (size_t)(close - k);
			if (kl >= 2 && k[0] == '\'' && k[kl - 1] == '\'') {
				k++;
				kl -= 2;
			}
			if (kl >= sizeof s->key)
				return -1;
			memcpy(s->key, k, kl);
			s->has_key = 1;
		}
		p += len;
	}
	return n;
}

/* ---- auth ---- */

static int authed(seam_sim_erp_t *e, seam_sim_call_t *c)
{
	const char *h = seam_sim_header(c, "Authorization");
	if (h && !strncasecmp(h, "Bearer ", 7)) {
		json_t *exp = json_object_get(e->tokens, h + 7);
		if (exp && json_integer_value(exp) > seam_now_ms())
			return 1;
	}
	seam_sim_set_header(c, "WWW-Authenticate",
			    "Bearer authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", "
			    "error=\"invalid_token\"");
	bc_error(e, c, 401, "Authentication_InvalidCredentials",
		 "The server has rejected the client credentials.");
	return 0;
}

static void h_token(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	seam_sim_kv_t *kv = NULL;
	size_t n = 0;
	char *body = c->body ? strndup(c->body, c->body_len) : strdup("");
	seam_sim_parse_query(body, &kv, &n);
	free(body);
	const char *grant = NULL, *id = NULL, *secret = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(kv[i].k, "grant_type"))
			grant = kv[i].v;
		else if (!strcmp(kv[i].k, "client_id"))
			id = kv[i].v;
		else if (!strcmp(kv[i].k, "client_secret"))
			secret = kv[i].v;
	}
	char *bu = NULL, *bp = NULL;
	if (seam_sim_basic_auth(seam_sim_header(c, "Authorization"), &bu, &bp) == 0) {
		id = bu;
		secret = bp;
	}
	pthread_mutex_lock(&e->mu);
	if (!grant || strcmp(grant, "client_credentials")) {
		seam_sim_reply_json(c, 400, NULL,
				    json_pack("{s:s, s:s}", "error", "unsupported_grant_type",
					      "error_description",
					      "AADSTS70003: The app requested an unsupported grant type."));
	} else if (!seam_sim_streq_ct(id, e->client_id) || !seam_sim_streq_ct(secret, e->client_secret)) {
		seam_sim_reply_json(c, 401, NULL,
				    json_pack("{s:s, s:s}", "error", "invalid_client",
					      "error_description",
					      "AADSTS7000215: Invalid client secret provided."));
	} else {
		char tok[72];
		seam_sim_rng_alnum(&e->rng, tok, 64);
		json_object_set_new(e->tokens, tok, json_integer(seam_now_ms() + e->token_ttl_ms));
		int64_t ttl = e->token_ttl_ms / 1000;
		seam_sim_reply_json(c, 200, NULL,
				    json_pack("{s:s, s:I, s:I, s:s}", "token_type", "Bearer",
					      "expires_in", (json_int_t)ttl, "ext_expires_in",
					      (json_int_t)ttl, "access_token", tok));
	}
	pthread_mutex_unlock(&e->mu);
	seam_sim_kv_free(kv, n);
	free(bu);
	free(bp);
}

/* ---- sales orders ---- */

static void line_recompute(json_t *l)
{
	int64_t qty = num_of(json_object_get(l, "quantity"), PS);
	int64_t price = num_of(json_object_get(l, "unitPrice"), PS);
	int64_t disc = num_of(json_object_get(l, "discountAmount"), AS);
	int64_t amount;
	if (seam_sim_dec_mul(qty, PS, price, PS, AS, &amount) != 0)
		amount = 0;
	amount -= disc;
	json_object_set_new(l, "amountExcludingTax", dec_json(amount, AS));
	json_object_set_new(l, "netAmount", dec_json(amount, AS));
	json_object_set_new(l, "totalTaxAmount", json_real(0));
	json_object_set_new(l, "amountIncludingTax", dec_json(amount, AS));
	json_object_set_new(l, "netAmountIncludingTax", dec_json(amount, AS));
}

static void order_recompute(json_t *o)
{
	int64_t sum = 0;
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(o, "salesOrderLines"), i, l)
		sum += num_of(json_object_get(l, "amountExcludingTax"), AS);
	sum -= num_of(json_object_get(o, "discountAmount"), AS);
	json_object_set_new(o, "totalAmountExcludingTax", dec_json(sum, AS));
	json_object_set_new(o, "totalTaxAmount", json_real(0));
	json_object_set_new(o, "totalAmountIncludingTax", dec_json(sum, AS));
}

/* Builds a line from the request; answers and returns NULL on error. Lock held. */
static json_t *make_line(seam_sim_erp_t *e, seam_sim_call_t *c, json_t *order, const json_t *in,
			 int seq)
{
	static const char *const allowed[] = {"lineType", "lineObjectNumber", "itemId", "description",
					      "quantity", "unitPrice", "discountAmount",
					      "discountPercent", "unitOfMeasureCode", "sequence",
					      "shipmentDate", "taxCode", "documentId", "locationId",
					      "itemVariantId", NULL};
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)in, k, v) {
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(*a, k))
				ok = 1;
		if (!ok) {
			bc_error(e, c, 400, "BadRequest_InvalidRequestBody",
				 "The property '%s' does not exist on type 'Microsoft.NAV.salesOrderLine'.",
				 k);
			return NULL;
		}
	}
	const char *type = json_string_value(json_object_get(in, "lineType"));
	if (!type)
		type = "Item";
	json_t *item = NULL;
	const char *num = json_string_value(json_object_get(in, "lineObjectNumber"));
	const char *item_id = json_string_value(json_object_get(in, "itemId"));
	if (!strcmp(type, "Item")) {
		item = num ? find_by(e->items, "number", num) : item_id ? find_by(e->items, "id", item_id)
									: NULL;
		if (!item) {
			bc_error(e, c, 400, "Internal_RecordNotFound",
				 "The Item does not exist. Identification fields and values: No.='%s'",
				 num ? num : item_id ? item_id : "");
			return NULL;
		}
	} else if (strcmp(type, "Comment")) {
		bc_error(e, c, 400, "BadRequest",
			 "The lineType '%s' is not supported by the seam ERP simulator.", type);
		return NULL;
	}
	json_t *q = json_object_get(in, "quantity");
	if (q && !json_is_number(q)) {
		bc_error(e, c, 400, "BadRequest_InvalidRequestBody",
			 "Cannot convert the literal to the expected type 'Edm.Decimal'.");
		return NULL;
	}
	json_t *up = json_object_get(in, "unitPrice");
	if (up && !json_is_number(up)) {
		bc_error(e, c, 400, "BadRequest_InvalidRequestBody",
			 "Cannot convert the literal to the expected type 'Edm.Decimal'.");
		return NULL;
	}
	char id[37];
	seam_sim_rng_uuid(&e->rng, id);
	json_t *l = json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:s}", "_version", (json_int_t)1, "id",
			      id, "documentId", json_string_value(json_object_get(order, "id")),
			      "sequence", seq * 10000, "itemId",
			      item ? json_string_value(json_object_get(item, "id")) : "00000000-0000-0000-0000-000000000000",
			      "lineType", type, "lineObjectNumber", item ? json_string_value(json_object_get(item, "number")) : "");
	const char *desc = json_string_value(json_object_get(in, "description"));
	json_object_set_new(l, "description",
			    json_string(desc ? desc
					     : item ? json_string_value(json_object_get(item, "displayName"))
						    : ""));
	json_object_set_new(l, "unitOfMeasureCode", json_string(item ? "PCS" : ""));
	json_object_set_new(l, "quantity", q ? dec_json(num_of(q, PS), PS) : json_real(0));
	json_object_set_new(l, "unitPrice",
			    up ? dec_json(num_of(up, PS), PS)
			    : item ? json_deep_copy(json_object_get(item, "unitPrice"))
				   : json_real(0));
	json_t *da = json_object_get(in, "discountAmount");
	json_object_set_new(l, "discountAmount", da ? dec_json(num_of(da, AS), AS) : json_real(0));
	json_object_set_new(l, "discountPercent", json_real(0));
	json_object_set_new(l, "taxCode", json_string(""));
	json_object_set_new(l, "taxPercent", json_real(0));
	json_object_set_new(l, "shipmentDate", json_string("0001-01-01"));
	json_object_set_new(l, "shippedQuantity", json_real(0));
	json_object_set_new(l, "invoicedQuantity", json_real(0));
	line_recompute(l);
	etag(l);
	return l;
}

static const char *const order_writable[] = {
	"externalDocumentNumber", "orderDate", "postingDate", "customerId", "customerNumber",
	"currencyCode", "requestedDeliveryDate", "email", "phoneNumber", "shipToName",
	"shipToContact", "sellToAddressLine1", "sellToAddressLine2", "sellToCity", "sellToCountry",
	"sellToState", "sellToPostCode", "billToAddressLine1", "billToAddressLine2", "billToCity",
	"billToCountry", "billToState", "billToPostCode", "shipToAddressLine1", "shipToAddressLine2",
	"shipToCity", "shipToCountry", "shipToState", "shipToPostCode", "discountAmount",
	"partialShipping", "salesperson", "paymentTermsId", "shipmentMethodId", NULL};

static int writable(const char *k)
{
	for (const char *const *a = order_writable; *a; a++)
		if (!strcmp(*a, k))
			return 1;
	return 0;
}

static void create_order(seam_sim_erp_t *e, company_t *co, seam_sim_call_t *c, json_t *in)
{
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v) {
		if (!writable(k) && strcmp(k, "salesOrderLines")) {
			bc_error(e, c, 400, "BadRequest_InvalidRequestBody",
				 "The property '%s' does not exist on type 'Microsoft.NAV.salesOrder' or is read-only.",
				 k);
			return;
		}
	}
	const char *cn = json_string_value(json_object_get(in, "customerNumber"));
	const char *cid = json_string_value(json_object_get(in, "customerId"));
	json_t *cust = cn ? find_by(e->customers, "number", cn)
			  : cid ? find_by(e->customers, "id", cid) : NULL;
	if (!cn && !cid) {
		bc_error(e, c, 400, "Application_DialogException",
			 "A customerNumber or a customerID must be provided.");
		return;
	}
	if (!cust) {
		bc_error(e, c, 400, "Internal_RecordNotFound",
			 "The Customer does not exist. Identification fields and values: No.='%s'",
			 cn ? cn : cid);
		return;
	}
	const char *ext = json_string_value(json_object_get(in, "externalDocumentNumber"));
	if (ext && strlen(ext) > 35) {
		bc_error(e, c, 400, "Application_StringExceededLength",
			 "The length of the string is %zu, but it must be less than or equal to 35 "
			 "characters. Value: %s",
			 strlen(ext), ext);
		return;
	}
	if (e->unique_ext && ext && *ext && find_by(co->orders, "externalDocumentNumber", ext)) {
		bc_error(e, c, 400, "Internal_EntityWithSameKeyExists",
			 "The record in table Sales Header already exists. Identification fields and "
			 "values: External Document No.='%s'",
			 ext);
		return;
	}
	char id[37], number[48], ts[25], date[11];
	seam_sim_rng_uuid(&e->rng, id);
	snprintf(number, sizeof number, "%s%lld", e->number_prefix, (long long)e->next_number);
	now_iso(ts);
	memcpy(date, ts, 10);
	date[10] = '\0';
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "_version",
			      (json_int_t)1, "id", id, "number", number, "externalDocumentNumber",
			      ext ? ext : "", "orderDate", date, "postingDate", date, "customerId",
			      json_string_value(json_object_get(cust, "id")), "customerNumber",
			      json_string_value(json_object_get(cust, "number")), "customerName",
			      json_string_value(json_object_get(cust, "displayName")), "currencyCode",
			      co->currency);
	json_object_set_new(o, "pricesIncludeTax", json_false());
	json_object_set_new(o, "discountAmount", json_real(0));
	json_object_set_new(o, "fullyShipped", json_false());
	json_object_set_new(o, "status", json_string("Draft"));
	json_object_set_new(o, "lastModifiedDateTime", json_string(ts));
	json_object_set_new(o, "email", json_string(""));
	json_object_set_new(o, "phoneNumber", json_string(""));
	json_object_foreach(in, k, v) {
		if (!strcmp(k, "salesOrderLines") || !strcmp(k, "customerNumber") ||
		    !strcmp(k, "customerId"))
			continue;
		if (!strcmp(k, "discountAmount"))
			json_object_set_new(o, k, dec_json(num_of(v, AS), AS));
		else
			json_object_set(o, k, v);
	}
	json_t *lines = json_array();
	json_object_set_new(o, "salesOrderLines", lines);
	json_t *in_lines = json_object_get(in, "salesOrderLines");
	size_t i;
	json_t *il;
	json_array_foreach(in_lines, i, il) {
		json_t *l = make_line(e, c, o, il, (int)i + 1);
		if (!l) {
			json_decref(o);
			return;
		}
		json_array_append_new(lines, l);
	}
	order_recompute(o);
	etag(o);
	e->next_number++;
	json_array_append_new(co->orders, o);
	char loc[512];
	snprintf(loc, sizeof loc, "%s/api/v2.0/companies(%s)/salesOrders(%s)", c->base_url,
		 co->id, id);
	seam_sim_set_header(c, "Location", loc);
	json_t *out = out_rec(o, json_array_size(lines) > 0);
	char ctx_url[512];
	snprintf(ctx_url, sizeof ctx_url, "%s/api/v2.0/$metadata#companies(%s)/salesOrders/$entity",
		 c->base_url, co->id);
	json_object_set_new(out, "@odata.context", json_string(ctx_url));
	seam_sim_reply_json(c, 201, "application/json; odata.metadata=minimal", out);
}

/* If-Match check: 0 ok, -1 after answering. */
static int if_match(seam_sim_erp_t *e, seam_sim_call_t *c, const json_t *rec)
{
	const char *im = seam_sim_header(c, "If-Match");
	if (!im) {
		bc_error(e, c, 400, "BadRequest",
			 "Could not save the changes: an If-Match header with the @odata.etag is required.");
		return -1;
	}
	if (!strcmp(im, "*"))
		return 0;
	if (strcmp(im, json_string_value(json_object_get(rec, "@odata.etag")))) {
		bc_error(e, c, 412, "Request_EntityChanged",
			 "Could not save the changes because the entity has been changed by another "
			 "user. Refresh and try again.");
		return -1;
	}
	return 0;
}

static void list_reply(seam_sim_erp_t *e, seam_sim_call_t *c, json_t *arr, const char *what,
		       int expand_ok)
{
	const char *filter = seam_sim_query(c, "$filter");
	const char *expand = seam_sim_query(c, "$expand");
	const char *top = seam_sim_query(c, "$top");
	const char *skip = seam_sim_query(c, "$skip");
	const char *skiptoken = seam_sim_query(c, "$skiptoken");
	const char *orderby = seam_sim_query(c, "$orderby");
	char err[200];
	json_t *f = NULL;
	if (filter && !(f = parse_filter(filter, err, sizeof err))) {
		bc_error(e, c, 400, "BadRequest", "Invalid filter expression: %s.", err);
		return;
	}
	int expand_lines = 0;
	if (expand) {
		if (!expand_ok || strcmp(expand, "salesOrderLines")) {
			json_decref(f);
			bc_error(e, c, 400, "BadRequest_NotFound",
				 "Could not find a property named '%s' on type '%s'.", expand, what);
			return;
		}
		expand_lines = 1;
	}
	json_t *sel = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
		if (filter_match(f, r))
			json_array_append(sel, r);
	json_decref(f);
	if (orderby) {
		char field[64] = "", dir[8] = "";
		sscanf(orderby, "%63s %7s", field, dir);
		int desc = !strcasecmp(dir, "desc");
		size_t n = json_array_size(sel);
		/* insertion sort on a copy: lists are small and stability matters */
		for (size_t a = 1; a < n; a++) {
			for (size_t b = a; b > 0; b--) {
				json_t *x = json_array_get(sel, b - 1), *y = json_array_get(sel, b);
				int cmp = cmp_one(json_object_get(x, field), json_object_get(y, field), field);
				if (cmp == -2)
					cmp = 0;
				if (desc ? cmp >= 0 : cmp <= 0)
					break;
				json_incref(x);
				json_array_set(sel, b - 1, y);
				json_array_set_new(sel, b, x);
			}
		}
	}
	int64_t off = skip ? strtoll(skip, NULL, 10) : 0;
	if (skiptoken)
		off = strtoll(skiptoken, NULL, 10);
	int64_t lim = top ? strtoll(top, NULL, 10) : INT64_MAX;
	int64_t page = e->page_size;
	int64_t n = (int64_t)json_array_size(sel);
	json_t *value = json_array();
	int64_t end = off;
	for (int64_t k = off; k < n && k - off < lim && k - off < page; k++) {
		json_array_append_new(value, out_rec(json_array_get(sel, (size_t)k), expand_lines));
		end = k + 1;
	}
	char ctx_url[512];
	snprintf(ctx_url, sizeof ctx_url, "%s/api/v2.0/$metadata#%s", c->base_url, what);
	json_t *doc = json_pack("{s:s, s:o}", "@odata.context", ctx_url, "value", value);
	if (end < n && (top == NULL || end - off < lim)) {
		/* server-driven paging: same query, a skiptoken past this page */
		char *url = seam_sim_request_url(c);
		char *q = url ? strstr(url, "$skiptoken=") : NULL;
		if (!q)
			q = url ? strstr(url, "%24skiptoken=") : NULL;
		if (q)
			*q = '\0';
		size_t ul = url ? strlen(url) : 0;
		char next[2048];
		snprintf(next, sizeof next, "%s%s%s%%24skiptoken=%lld", c->base_url, url ? url : "",
			 ul && url[ul - 1] != '?' && url[ul - 1] != '&' ? (strchr(url, '?') ? "&" : "?")
									 : "",
			 (long long)end);
		free(url);
		json_object_set_new(doc, "@odata.nextLink", json_string(next));
	}
	json_decref(sel);
	seam_sim_reply_json(c, 200, "application/json; odata.metadata=minimal", doc);
}

static void single_reply(seam_sim_call_t *c, seam_sim_erp_t *e, const json_t *rec,
			 const char *what, int expand)
{
	json_t *out = out_rec(rec, expand);
	char ctx_url[512];
	snprintf(ctx_url, sizeof ctx_url, "%s/api/v2.0/$metadata#%s/$entity", c->base_url, what);
	json_object_set_new(out, "@odata.context", json_string(ctx_url));
	seam_sim_reply_json(c, 200, "application/json; odata.metadata=minimal", out);
}

static void patch_order(seam_sim_erp_t *e, seam_sim_call_t *c, json_t *o, json_t *in)
{
	if (if_match(e, c, o) != 0)
		return;
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v) {
		if (!writable(k)) {
			bc_error(e, c, 400, "BadRequest_InvalidRequestBody",
				 "The property '%s' does not exist on type 'Microsoft.NAV.salesOrder' or is read-only.",
				 k);
			return;
		}
	}
	json_object_foreach(in, k, v) {
		if (!strcmp(k, "discountAmount"))
			json_object_set_new(o, k, dec_json(num_of(v, AS), AS));
		else
			json_object_set(o, k, v);
	}
	order_recompute(o);
	bump(o);
	single_reply(c, e, o, "companies/salesOrders", 0);
}

static void h_api(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	seg_t segs[6];
	int n = split_path(c->path, segs, 6);
	if (!authed(e, c))
		return;
	json_t *in = NULL;
	pthread_mutex_lock(&e->mu);
	if (n < 1) {
		bc_error(e, c, 404, "BadRequest_ResourceNotFound", "Resource not found.");
		goto out;
	}
	if (!strcmp(c->method, "POST") || !strcmp(c->method, "PATCH")) {
		in = seam_sim_body_json(c);
		if (!json_is_object(in)) {
			bc_error(e, c, 400, "BadRequest_InvalidRequestBody", "Invalid Request Body.");
			goto out;
		}
	}
	if (!strcmp(segs[0].name, "companies") && !segs[0].has_key && n == 1) {
		json_t *arr = json_array();
		for (size_t i = 0; i < e->ncompanies; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id",
							     e->companies[i].id, "systemVersion", "24.0",
							     "name", e->companies[i].name, "displayName",
							     e->companies[i].name));
		if (!strcmp(c->method, "GET"))
			list_reply(e, c, arr, "companies", 0);
		else
			bc_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		json_decref(arr);
		goto out;
	}
	if (strcmp(segs[0].name, "companies") || !segs[0].has_key || n < 2) {
		bc_error(e, c, 404, "BadRequest_ResourceNotFound", "Resource not found.");
		goto out;
	}
	company_t *co = NULL;
	for (size_t i = 0; i < e->ncompanies && !co; i++)
		if (!strcasecmp(segs[0].key, e->companies[i].id))
			co = &e->companies[i];
	if (!co) {
		bc_error(e, c, 404, "Internal_CompanyNotFound", "Cannot find the company '%s'.",
			 segs[0].key);
		goto out;
	}
	const char *coll = segs[1].name;
	if (!strcmp(coll, "salesOrders")) {
		if (!segs[1].has_key && n == 2) {
			if (!strcmp(c->method, "GET"))
				list_reply(e, c, co->orders, "companies/salesOrders", 1);
			else if (!strcmp(c->method, "POST"))
				create_order(e, co, c, in);
			else
				bc_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
			goto out;
		}
		json_t *o = segs[1].has_key ? find_by(co->orders, "id", segs[1].key) : NULL;
		if (!o) {
			bc_error(e, c, 404, "Internal_RecordNotFound",
				 "The Sales Header does not exist. Identification fields and values: Id='%s'",
				 segs[1].key);
			goto out;
		}
		if (n == 2) {
			if (!strcmp(c->method, "GET")) {
				const char *ex = seam_sim_query(c, "$expand");
				single_reply(c, e, o, "companies/salesOrders",
					     ex && !strcmp(ex, "salesOrderLines"));
			} else if (!strcmp(c->method, "PATCH")) {
				patch_order(e, c, o, in);
			} else if (!strcmp(c->method, "DELETE")) {
				if (if_match(e, c, o) == 0) {
					size_t i;
					json_t *r;
					json_array_foreach(co->orders, i, r) {
						if (r == o) {
							json_array_remove(co->orders, i);
							break;
						}
					}
					seam_sim_reply(c, 204, NULL, "", 0);
				}
			} else {
				bc_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
			}
			goto out;
		}
		if (!strcmp(segs[2].name, "salesOrderLines") && n == 3) {
			json_t *lines = json_object_get(o, "salesOrderLines");
			if (segs[2].has_key) {
				json_t *l = find_by(lines, "id", segs[2].key);
				if (!l)
					bc_error(e, c, 404, "Internal_RecordNotFound",
						 "The Sales Line does not exist.");
				else if (!strcmp(c->method, "GET"))
					single_reply(c, e, l, "companies/salesOrders/salesOrderLines", 0);
				else
					bc_error(e, c, 405, "BadRequest_MethodNotAllowed",
						 "Method not allowed.");
			} else if (!strcmp(c->method, "GET")) {
				list_reply(e, c, lines, "companies/salesOrders/salesOrderLines", 0);
			} else if (!strcmp(c->method, "POST")) {
				json_t *l = make_line(e, c, o, in, (int)json_array_size(lines) + 1);
				if (l) {
					json_array_append_new(lines, l);
					order_recompute(o);
					bump(o);
					json_t *out = out_rec(l, 0);
					seam_sim_reply_json(c, 201, "application/json; odata.metadata=minimal",
							    out);
				}
			} else {
				bc_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
			}
			goto out;
		}
	} else if (!strcmp(coll, "items") || !strcmp(coll, "customers")) {
		json_t *arr = !strcmp(coll, "items") ? e->items : e->customers;
		char what[64];
		snprintf(what, sizeof what, "companies/%s", coll);
		if (!segs[1].has_key && n == 2 && !strcmp(c->method, "GET")) {
			list_reply(e, c, arr, what, 0);
			goto out;
		}
		json_t *r = segs[1].has_key ? find_by(arr, "id", segs[1].key) : NULL;
		if (!r || n != 2) {
			bc_error(e, c, 404, "Internal_RecordNotFound", "The record does not exist.");
			goto out;
		}
		if (!strcmp(c->method, "GET")) {
			single_reply(c, e, r, what, 0);
		} else if (!strcmp(c->method, "PATCH") && !strcmp(coll, "items")) {
			if (if_match(e, c, r) != 0)
				goto out;
			const char *k;
			json_t *v;
			json_object_foreach(in, k, v) {
				if (strcmp(k, "unitPrice") && strcmp(k, "displayName") && strcmp(k, "blocked")) {
					bc_error(e, c, 400, "BadRequest_InvalidRequestBody",
						 "The property '%s' cannot be changed here (inventory is read-only).",
						 k);
					goto out;
				}
			}
			json_object_foreach(in, k, v) {
				if (!strcmp(k, "unitPrice"))
					json_object_set_new(r, k, dec_json(num_of(v, PS), PS));
				else
					json_object_set(r, k, v);
			}
			bump(r);
			single_reply(c, e, r, what, 0);
		} else {
			bc_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		}
		goto out;
	}
	bc_error(e, c, 404, "BadRequest_ResourceNotFound", "Resource not found.");
out:
	pthread_mutex_unlock(&e->mu);
	json_decref(in);
}

/* ---- control ---- */

static void touch_item(seam_sim_erp_t *e, json_t *it, json_t *inv, json_t *price)
{
	if (inv)
		json_object_set_new(it, "inventory", dec_json(num_of(inv, PS), PS));
	if (price)
		json_object_set_new(it, "unitPrice", dec_json(num_of(price, PS), PS));
	if (!inv && !price) {
		json_object_set_new(it, "inventory",
				    json_real((double)seam_sim_rng_range(&e->rng, 0, 500)));
		json_object_set_new(it, "unitPrice",
				    dec_json(seam_sim_rng_range(&e->rng, 400, 19999) * 1000, PS));
	}
	bump(it);
}

static void h_sim_items(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *b = seam_sim_body_json(c);
	json_t *changed = json_array();
	pthread_mutex_lock(&e->mu);
	json_int_t churn = json_integer_value(json_object_get(b, "churn"));
	const char *num = json_string_value(json_object_get(b, "number"));
	json_t *inv = json_object_get(b, "inventory"), *price = json_object_get(b, "unitPrice");
	if ((inv && !json_is_number(inv)) || (price && !json_is_number(price))) {
		pthread_mutex_unlock(&e->mu);
		seam_sim_problem(c, 400, "bad-request", "inventory and unitPrice are JSON numbers");
		goto out;
	}
	if (num) {
		json_t *it = find_by(e->items, "number", num);
		if (!it) {
			pthread_mutex_unlock(&e->mu);
			seam_sim_problem(c, 404, "not-found", "no item %s", num);
			goto out;
		}
		touch_item(e, it, inv, price);
		json_array_append_new(changed, out_rec(it, 0));
	}
	size_t ni = json_array_size(e->items);
	for (json_int_t k = 0; k < churn && ni > 0; k++) {
		json_t *it = json_array_get(e->items, (size_t)seam_sim_rng_range(&e->rng, 0, (int64_t)ni - 1));
		touch_item(e, it, NULL, NULL);
		json_array_append_new(changed, out_rec(it, 0));
	}
	pthread_mutex_unlock(&e->mu);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:O}", "changed", changed));
out:
	json_decref(changed);
	json_decref(b);
}

static void h_sim_stats(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *counts = json_object(), *dups = json_array();
	json_t *per = json_object();
	size_t n = 0;
	pthread_mutex_lock(&e->mu);
	/* duplicates are per company: the same web order in two companies is the wrong-company
	 * failure, which per-company counts show */
	for (size_t k = 0; k < e->ncompanies; k++) {
		company_t *co = &e->companies[k];
		size_t i;
		json_t *o;
		json_object_clear(counts);
		json_array_foreach(co->orders, i, o) {
			const char *ext = json_string_value(json_object_get(o, "externalDocumentNumber"));
			if (!ext || !*ext)
				continue;
			json_t *cnt = json_object_get(counts, ext);
			json_int_t v = cnt ? json_integer_value(cnt) + 1 : 1;
			json_object_set_new(counts, ext, json_integer(v));
			if (v == 2)
				json_array_append_new(dups, json_string(ext));
		}
		n += json_array_size(co->orders);
		json_object_set_new(per, co->id, json_integer((json_int_t)json_array_size(co->orders)));
	}
	pthread_mutex_unlock(&e->mu);
	json_decref(counts);
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:I, s:o, s:o}", "sales_orders", (json_int_t)n, "by_company",
				      per, "duplicate_external_document_numbers", dups));
}

/* ---- lifecycle ---- */

static const seam_sim_route_t routes[] = {
	{"POST", "/oauth2/v2.0/token", h_token, SEAM_SIM_ROUTE_SECRET_BODY, "OAuth2 token"},
	{"POST", "/{tenant}/oauth2/v2.0/token", h_token, SEAM_SIM_ROUTE_SECRET_BODY, "OAuth2 token"},
	{"GET", "/api/v2.0/*", h_api, 0, "API v2.0"},
	{"POST", "/api/v2.0/*", h_api, 0, "API v2.0"},
	{"PATCH", "/api/v2.0/*", h_api, 0, "API v2.0"},
	{"DELETE", "/api/v2.0/*", h_api, 0, "API v2.0"},
	{"GET", "/v2.0/*", h_api, 0, "API v2.0 (tenant/environment form)"},
	{"POST", "/v2.0/*", h_api, 0, "API v2.0 (tenant/environment form)"},
	{"PATCH", "/v2.0/*", h_api, 0, "API v2.0 (tenant/environment form)"},
	{"DELETE", "/v2.0/*", h_api, 0, "API v2.0 (tenant/environment form)"},
	{"POST", "/_sim/erp/items", h_sim_items, 0, "change item stock and prices"},
	{"GET", "/_sim/erp/stats", h_sim_stats, 0, "sales order counts and duplicates"},
};

static void seed(seam_sim_erp_t *e)
{
	seam_sim_rng_init(&e->rng, e->seed, "erp");
	for (size_t i = 0; i < e->ncompanies; i++) {
		company_t *co = &e->companies[i];
		if (co->cfg_id)
			snprintf(co->id, sizeof co->id, "%s", co->cfg_id);
		else
			seam_sim_rng_uuid(&e->rng, co->id);
		co->orders = json_array();
	}
	e->tokens = json_object();
	e->customers = json_array();
	e->items = json_array();
	e->next_number = 101001;
	char ts[25];
	seam_rfc3339_ms(e->epoch_ms, ts);
	char id[37];
	seam_sim_rng_uuid(&e->rng, id);
	json_t *web = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "_version", (json_int_t)1,
				"id", id, "number", "WEB", "displayName", "Webshop customer", "type",
				"Company", "currencyCode", e->currency, "lastModifiedDateTime", ts);
	etag(web);
	json_array_append_new(e->customers, web);
	for (int64_t i = 1; i <= e->n_customers; i++) {
		char num[24], name[48];
		snprintf(num, sizeof num, "%lld", (long long)(i * 10000));
		snprintf(name, sizeof name, "Customer %lld", (long long)i);
		seam_sim_rng_uuid(&e->rng, id);
		json_t *cu = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "_version",
				       (json_int_t)1, "id", id, "number", num, "displayName", name,
				       "type", "Company", "currencyCode", e->currency,
				       "lastModifiedDateTime", ts);
		etag(cu);
		json_array_append_new(e->customers, cu);
	}
	for (int64_t i = 1; i <= e->n_items; i++) {
		char num[24], name[64], its[25];
		snprintf(num, sizeof num, "SKU-%06lld", (long long)i);
		snprintf(name, sizeof name, "Item %s", num);
		seam_rfc3339_ms(e->epoch_ms - (e->n_items - i) * 60000, its);
		seam_sim_rng_uuid(&e->rng, id);
		int64_t price = seam_sim_rng_range(&e->rng, 400, 19999) * 1000; /* 4.00 .. 199.99 */
		json_t *it = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:b, s:o, s:s, s:s}",
				       "_version", (json_int_t)1, "id", id, "number", num,
				       "displayName", name, "type", "Inventory", "blocked", 0, "gtin",
				       "", "inventory",
				       json_real((double)seam_sim_rng_range(&e->rng, 0, 500)),
				       "unitPrice", dec_json(price, PS), "priceIncludesTax", 0,
				       "unitCost", dec_json(price / 2, PS), "baseUnitOfMeasureCode",
				       "PCS", "lastModifiedDateTime", its);
		etag(it);
		json_array_append_new(e->items, it);
	}
}

static void free_data(seam_sim_erp_t *e)
{
	json_decref(e->tokens);
	json_decref(e->customers);
	json_decref(e->items);
	for (size_t i = 0; i < e->ncompanies; i++) {
		json_decref(e->companies[i].orders);
		e->companies[i].orders = NULL;
	}
	e->tokens = e->customers = e->items = NULL;
	seam_sim_rng_dispose(&e->rng);
}

static void reset_data(void *ctx)
{
	seam_sim_erp_t *e = ctx;
	pthread_mutex_lock(&e->mu);
	free_data(e);
	seed(e);
	pthread_mutex_unlock(&e->mu);
}

void seam_sim_erp_def(seam_sim_erp_t *e, seam_sim_double_def_t *def)
{
	memset(def, 0, sizeof *def);
	def->name = "erp";
	def->routes = routes;
	def->nroutes = sizeof routes / sizeof *routes;
	def->ctx = e;
	def->reset_data = reset_data;
}

void seam_sim_erp_destroy(seam_sim_erp_t *e)
{
	if (!e)
		return;
	free_data(e);
	free(e->client_id);
	free(e->client_secret);
	free(e->tenant);
	free(e->currency);
	free(e->number_prefix);
	for (size_t i = 0; i < e->ncompanies; i++) {
		free(e->companies[i].cfg_id);
		free(e->companies[i].name);
		free(e->companies[i].currency);
	}
	free(e->companies);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

/* companies: [{name, currency, id}] (id optional: drawn from the seed); without the list,
 * one company from `company` and `currency`. */
static seam_err_t read_companies(seam_sim_erp_t *e, const seam_sim_config_t *cfg,
				 const json_t *list, const char *name, const char *cur,
				 seam_error_t *err)
{
	static const char *const keys[] = {"name", "currency", "id", NULL};
	seam_err_t rc;
	size_t i;
	json_t *item;
	if (!list) {
		if (!(e->companies = calloc(1, sizeof *e->companies)))
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		e->ncompanies = 1;
		e->companies[0].name = strdup(name);
		e->companies[0].currency = strdup(cur);
		return SEAM_OK;
	}
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 16)
		return seam_sim_config_errorf(cfg, list, err,
					      "erp.companies: expected a list of 1 to 16 companies");
	if (!(e->companies = calloc(json_array_size(list), sizeof *e->companies)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	json_array_foreach(list, i, item) {
		const char *n, *c, *id;
		company_t *co = &e->companies[i];
		e->ncompanies = i + 1;
		if ((rc = seam_sim_cfg_keys(cfg, item, keys, err)) ||
		    (rc = seam_sim_cfg_str(cfg, item, "name", name, &n, err)) ||
		    (rc = seam_sim_cfg_str(cfg, item, "currency", cur, &c, err)) ||
		    (rc = seam_sim_cfg_str(cfg, item, "id", "", &id, err)))
			return rc;
		if (*id && strlen(id) != 36)
			return seam_sim_config_errorf(cfg, json_object_get(item, "id"), err,
						      "id: expected a GUID like 7b036c8e-1a6f-46b2-9b63-35b482d9c646");
		co->name = strdup(n);
		co->currency = strdup(c);
		co->cfg_id = *id ? strdup(id) : NULL;
	}
	return SEAM_OK;
}

seam_err_t seam_sim_erp_create(const seam_sim_config_t *cfg, const json_t *sec,
			       const seam_sim_env_t *env, seam_sim_erp_t **out, seam_error_t *err)
{
	static const char *const keys[] = {"listen", "threads", "client_id", "client_secret",
					   "token_ttl", "items", "customers", "page_size",
					   "unique_external_document_number", "currency",
					   "number_prefix", "company", "companies", "epoch", NULL};
	seam_err_t rc;
	seam_sim_erp_t *e = calloc(1, sizeof *e);
	if (!e)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&e->mu, NULL);
	e->seed = env->seed;
	const char *cur, *prefix, *company, *epoch;
	if ((rc = seam_sim_cfg_keys(cfg, sec, keys, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "client_id", "seam", &e->client_id, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "client_secret", "seam-erp-secret", &e->client_secret, err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "token_ttl", 3599000, &e->token_ttl_ms, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "items", 60, 0, 1000000, &e->n_items, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "customers", 5, 0, 100000, &e->n_customers, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "page_size", 100, 1, 20000, &e->page_size, err)) ||
	    (rc = seam_sim_cfg_bool(cfg, sec, "unique_external_document_number", 0, &e->unique_ext, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "currency", "USD", &cur, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "number_prefix", "S-ORD", &prefix, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "company", "CRONUS USA, Inc.", &company, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "epoch", "2026-01-01T00:00:00Z", &epoch, err)))
		goto fail;
	if (seam_rfc3339_parse(epoch, &e->epoch_ms) != 0) {
		rc = seam_sim_config_errorf(cfg, json_object_get(sec, "epoch"), err,
					    "epoch: expected an RFC 3339 time");
		goto fail;
	}
	e->currency = strdup(cur);
	e->number_prefix = strdup(prefix);
	if ((rc = read_companies(e, cfg, json_object_get(sec, "companies"), company, cur, err)))
		goto fail;
	seed(e);
	*out = e;
	return SEAM_OK;
fail:
	seam_sim_erp_destroy(e);
	return rc;
}
