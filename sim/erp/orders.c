/*
 * orders.c: sales orders and their lines: deep insert, totals in exact decimals,
 * PATCH and the number series.
 * Part of the ERP double (API: sim/sim_erp.h); what the files share and the locking rule
 * are in erp_int.h.
 */
#include "sim/erp/erp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_money.h"
#include "sim/sim_rng.h"

/* ---- sales orders ---- */

static void line_recompute(json_t *l)
{
	int64_t qty = seam__sim_erp_num(json_object_get(l, "quantity"), PS);
	int64_t price = seam__sim_erp_num(json_object_get(l, "unitPrice"), PS);
	int64_t disc = seam__sim_erp_num(json_object_get(l, "discountAmount"), AS);
	int64_t amount;
	if (seam_sim_dec_mul(qty, PS, price, PS, AS, &amount) != 0)
		amount = 0;
	amount -= disc;
	json_object_set_new(l, "amountExcludingTax", seam__sim_erp_dec(amount, AS));
	json_object_set_new(l, "netAmount", seam__sim_erp_dec(amount, AS));
	json_object_set_new(l, "totalTaxAmount", json_real(0));
	json_object_set_new(l, "amountIncludingTax", seam__sim_erp_dec(amount, AS));
	json_object_set_new(l, "netAmountIncludingTax", seam__sim_erp_dec(amount, AS));
}

void seam__sim_erp_order_recompute(json_t *o)
{
	int64_t sum = 0;
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(o, "salesOrderLines"), i, l)
		sum += seam__sim_erp_num(json_object_get(l, "amountExcludingTax"), AS);
	sum -= seam__sim_erp_num(json_object_get(o, "discountAmount"), AS);
	json_object_set_new(o, "totalAmountExcludingTax", seam__sim_erp_dec(sum, AS));
	json_object_set_new(o, "totalTaxAmount", json_real(0));
	json_object_set_new(o, "totalAmountIncludingTax", seam__sim_erp_dec(sum, AS));
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
			seam__sim_erp_error(e, c, 400, "BadRequest_InvalidRequestBody",
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
		item = num       ? seam__sim_erp_find(e->items, "number", num)
		       : item_id ? seam__sim_erp_find(e->items, "id", item_id)
				 : NULL;
		if (!item) {
			seam__sim_erp_error(e, c, 400, "Internal_RecordNotFound",
				 "The Item does not exist. Identification fields and values: No.='%s'",
				 num ? num : item_id ? item_id : "");
			return NULL;
		}
	} else if (strcmp(type, "Comment")) {
		seam__sim_erp_error(e, c, 400, "BadRequest",
			 "The lineType '%s' is not supported by the seam ERP simulator.", type);
		return NULL;
	}
	json_t *q = json_object_get(in, "quantity");
	if (q && !json_is_number(q)) {
		seam__sim_erp_error(e, c, 400, "BadRequest_InvalidRequestBody",
			 "Cannot convert the literal to the expected type 'Edm.Decimal'.");
		return NULL;
	}
	json_t *up = json_object_get(in, "unitPrice");
	if (up && !json_is_number(up)) {
		seam__sim_erp_error(e, c, 400, "BadRequest_InvalidRequestBody",
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
	json_object_set_new(l, "quantity",
			    q ? seam__sim_erp_dec(seam__sim_erp_num(q, PS), PS) : json_real(0));
	json_object_set_new(l, "unitPrice",
			    up ? seam__sim_erp_dec(seam__sim_erp_num(up, PS), PS)
			    : item ? json_deep_copy(json_object_get(item, "unitPrice"))
				   : json_real(0));
	json_t *da = json_object_get(in, "discountAmount");
	json_object_set_new(l, "discountAmount",
			    da ? seam__sim_erp_dec(seam__sim_erp_num(da, AS), AS) : json_real(0));
	json_object_set_new(l, "discountPercent", json_real(0));
	json_object_set_new(l, "taxCode", json_string(""));
	json_object_set_new(l, "taxPercent", json_real(0));
	json_object_set_new(l, "shipmentDate", json_string("0001-01-01"));
	json_object_set_new(l, "shippedQuantity", json_real(0));
	json_object_set_new(l, "invoicedQuantity", json_real(0));
	line_recompute(l);
	seam__sim_erp_etag(l);
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
			seam__sim_erp_error(e, c, 400, "BadRequest_InvalidRequestBody",
				 "The property '%s' does not exist on type 'Microsoft.NAV.salesOrder' or is read-only.",
				 k);
			return;
		}
	}
	const char *cn = json_string_value(json_object_get(in, "customerNumber"));
	const char *cid = json_string_value(json_object_get(in, "customerId"));
	json_t *cust = cn ? seam__sim_erp_find(e->customers, "number", cn)
			  : cid ? seam__sim_erp_find(e->customers, "id", cid) : NULL;
	if (!cn && !cid) {
		seam__sim_erp_error(e, c, 400, "Application_DialogException",
			 "A customerNumber or a customerID must be provided.");
		return;
	}
	if (!cust) {
		seam__sim_erp_error(e, c, 400, "Internal_RecordNotFound",
			 "The Customer does not exist. Identification fields and values: No.='%s'",
			 cn ? cn : cid);
		return;
	}
	const char *ext = json_string_value(json_object_get(in, "externalDocumentNumber"));
	if (ext && strlen(ext) > 35) {
		seam__sim_erp_error(e, c, 400, "Application_StringExceededLength",
			 "The length of the string is %zu, but it must be less than or equal to 35 "
			 "characters. Value: %s",
			 strlen(ext), ext);
		return;
	}
	if (e->unique_ext && ext && *ext &&
	    seam__sim_erp_find(co->orders, "externalDocumentNumber", ext)) {
		seam__sim_erp_error(e, c, 400, "Internal_EntityWithSameKeyExists",
			 "The record in table Sales Header already exists. Identification fields and "
			 "values: External Document No.='%s'",
			 ext);
		return;
	}
	char id[37], number[48], ts[25], date[11];
	seam_sim_rng_uuid(&e->rng, id);
	snprintf(number, sizeof number, "%s%lld", e->number_prefix, (long long)e->next_number);
	seam__sim_erp_now_iso(ts);
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
			json_object_set_new(o, k, seam__sim_erp_dec(seam__sim_erp_num(v, AS), AS));
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
	seam__sim_erp_order_recompute(o);
	seam__sim_erp_etag(o);
	e->next_number++;
	json_array_append_new(co->orders, o);
	char loc[512];
	snprintf(loc, sizeof loc, "%s/api/v2.0/companies(%s)/salesOrders(%s)", c->base_url,
		 co->id, id);
	seam_sim_set_header(c, "Location", loc);
	json_t *out = seam__sim_erp_out(o, json_array_size(lines) > 0);
	char ctx_url[512];
	snprintf(ctx_url, sizeof ctx_url, "%s/api/v2.0/$metadata#companies(%s)/salesOrders/$entity",
		 c->base_url, co->id);
	json_object_set_new(out, "@odata.context", json_string(ctx_url));
	seam_sim_reply_json(c, 201, "application/json; odata.metadata=minimal", out);
}


static void patch_order(seam_sim_erp_t *e, seam_sim_call_t *c, json_t *o, json_t *in)
{
	if (seam__sim_erp_if_match(e, c, o) != 0)
		return;
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v) {
		if (!writable(k)) {
			seam__sim_erp_error(e, c, 400, "BadRequest_InvalidRequestBody",
				 "The property '%s' does not exist on type 'Microsoft.NAV.salesOrder' or is read-only.",
				 k);
			return;
		}
	}
	json_object_foreach(in, k, v) {
		if (!strcmp(k, "discountAmount"))
			json_object_set_new(o, k, seam__sim_erp_dec(seam__sim_erp_num(v, AS), AS));
		else
			json_object_set(o, k, v);
	}
	seam__sim_erp_order_recompute(o);
	seam__sim_erp_bump(e, o);
	seam__sim_erp_single(c, e, o, "companies/salesOrders", 0);
}

/* /salesOrders[({id})[/salesOrderLines[({id})]]] of one company. Lock held. */
void seam__sim_erp_orders(seam_sim_erp_t *e, company_t *co, seam_sim_call_t *c, const seg_t *segs,
			  int n, json_t *in)
{
	if (!segs[1].has_key && n == 2) {
		if (!strcmp(c->method, "GET"))
			seam__sim_erp_list(e, c, co->orders, "companies/salesOrders", 1);
		else if (!strcmp(c->method, "POST"))
			create_order(e, co, c, in);
		else
			seam__sim_erp_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		return;
	}
	json_t *o = segs[1].has_key ? seam__sim_erp_find(co->orders, "id", segs[1].key) : NULL;
	if (!o) {
		seam__sim_erp_error(e, c, 404, "Internal_RecordNotFound",
			 "The Sales Header does not exist. Identification fields and values: Id='%s'",
			 segs[1].key);
		return;
	}
	if (n == 2) {
		if (!strcmp(c->method, "GET")) {
			const char *ex = seam_sim_query(c, "$expand");
			seam__sim_erp_single(c, e, o, "companies/salesOrders",
				     ex && !strcmp(ex, "salesOrderLines"));
		} else if (!strcmp(c->method, "PATCH")) {
			patch_order(e, c, o, in);
		} else if (!strcmp(c->method, "DELETE")) {
			if (seam__sim_erp_if_match(e, c, o) == 0) {
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
			seam__sim_erp_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		}
		return;
	}
	if (!strcmp(segs[2].name, "salesOrderLines") && n == 3) {
		json_t *lines = json_object_get(o, "salesOrderLines");
		if (segs[2].has_key) {
			json_t *l = seam__sim_erp_find(lines, "id", segs[2].key);
			if (!l)
				seam__sim_erp_error(e, c, 404, "Internal_RecordNotFound",
					 "The Sales Line does not exist.");
			else if (!strcmp(c->method, "GET"))
				seam__sim_erp_single(c, e, l, "companies/salesOrders/salesOrderLines", 0);
			else
				seam__sim_erp_error(e, c, 405, "BadRequest_MethodNotAllowed",
					 "Method not allowed.");
		} else if (!strcmp(c->method, "GET")) {
			seam__sim_erp_list(e, c, lines, "companies/salesOrders/salesOrderLines", 0);
		} else if (!strcmp(c->method, "POST")) {
			json_t *l = make_line(e, c, o, in, (int)json_array_size(lines) + 1);
			if (l) {
				json_array_append_new(lines, l);
				seam__sim_erp_order_recompute(o);
				seam__sim_erp_bump(e, o);
				json_t *out = seam__sim_erp_out(l, 0);
				seam_sim_reply_json(c, 201, "application/json; odata.metadata=minimal",
						    out);
			}
		} else {
			seam__sim_erp_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		}
		return;
	}
	seam__sim_erp_error(e, c, 404, "BadRequest_ResourceNotFound", "Resource not found.");
}
