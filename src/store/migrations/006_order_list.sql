-- 006_order_list: the sort key of GET /v1/orders (src/flows/orders.c, seam_flow_orders_list):
-- newest first by (first_seen_at, store, order_uuid), paged by that keyset, so a page is an
-- index range scan instead of a sort of every order.
CREATE INDEX orders_first_seen ON orders (first_seen_at, store, order_uuid);
