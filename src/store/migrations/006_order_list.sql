-- 006_order_list: the sort key of GET /v1/orders (src/flows/orders.c, seam_flow_orders_list):
-- newest first by (first_seen_at, store, order_uuid), paged by that keyset, so a page is an
-- index range scan instead of a sort of every order: orders_first_seen for the whole list,
-- orders_store_seen for one store's (store fixed, the rest of the key in order).
CREATE INDEX orders_first_seen ON orders (first_seen_at, store, order_uuid);
CREATE INDEX orders_store_seen ON orders (store, first_seen_at, order_uuid);
