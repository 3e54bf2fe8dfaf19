-- order_to_erp: a placed Drupal Commerce order -> a Business Central sales order.
--
-- input: the JSON:API document of
--   GET /jsonapi/commerce_order/{bundle}/{uuid}
--       ?include=order_items,order_items.purchased_entity,billing_profile
--   (the variations are needed for the SKUs; the billing profile for the sell-to address).
-- output: the body of POST .../companies({id})/salesOrders, with its salesOrderLines inside
--   (BC API v2.0 deep insert).
-- ctx (per store, from seam.yaml):
--   customer_number        BC customer number for this store's web orders; required unless
--                          the billing profile carries a per-customer number (below)
--   customer_number_field  billing-profile attribute with a BC customer number, used first
--                          when present and not empty (default "field_erp_customer_number")
--   accounts               G/L account number per order-level adjustment type that becomes a
--                          charge line, e.g. { shipping = "6130", fee = "6140" };
--                          shipping_promotion falls back to accounts.shipping
--
-- Amounts are exact decimal strings ("19.99"), never floats; the ERP connector writes them
-- into the request as JSON numbers (docs/mappings.md, "Amounts").
--
-- Adjustments (Drupal Commerce commerce_adjustment: type, label, amount, percentage,
-- source_id, included, locked):
--   included = true   already inside the price: ignored
--   tax               ignored: BC computes tax from its own setup
--   promotion         on an item: the line's discountAmount; on the order: the order's
--                     discountAmount (invoice discount)
--   anything else     on the order: an "Account" line on ctx.accounts[type]; on an item: an
--                     error (there is no line to put it on)
-- The mapped total (lines - discounts) must equal the Drupal total minus the ignored tax,
-- or the mapping fails: money is never dropped silently.

local DESCRIPTION_MAX = 100 -- BC description is Text[100]

local function fail(fmt, ...)
  error(string.format(fmt, ...), 2)
end

-- Index of the included resources by "type:id".
local function index_included(doc)
  local by = {}
  for _, r in ipairs(json.nonnull(doc.included) or {}) do
    by[r.type .. ":" .. r.id] = r
  end
  return by
end

-- The data of a relationship (an identifier or an array of them), or nil.
local function rel_data(res, name)
  local rels = json.nonnull(res.relationships)
  local rel = rels and json.nonnull(rels[name])
  return rel and json.nonnull(rel.data)
end

local function included(by, ident, what)
  local r = by[ident.type .. ":" .. ident.id]
  if not r then
    fail("%s %s is not in 'included': fetch the order with "
      .. "include=order_items,order_items.purchased_entity,billing_profile", what, ident.id)
  end
  return r
end

-- A decimal price at the currency's exponent when that is exact ("5" -> "5.00",
-- "19.990000" -> "19.99"), else as precise as Drupal gave it ("19.9905").
local function price_text(number, exp)
  local r = money.round(number, exp)
  if money.cmp(r, number) == 0 then return r end
  return money.normalize(number)
end

local function utf8_cut(s, max)
  if utf8.len(s) <= max then return s end
  return s:sub(1, utf8.offset(s, max + 1) - 1)
end

local function check_currency(p, currency, what)
  if json.isnull(p) then fail("%s has no price", what) end
  if p.currency_code ~= currency then
    fail("%s is in %s, the order in %s", what, tostring(p.currency_code), currency)
  end
  return p.number
end

local function customer_number(profile, ctx)
  local field = json.nonnull(ctx.customer_number_field) or "field_erp_customer_number"
  local own = profile and json.nonnull(profile.attributes[field])
  if type(own) == "string" and own ~= "" then return own end
  local n = json.nonnull(ctx.customer_number)
  if type(n) ~= "string" or n == "" then
    fail("no BC customer number: set the store's erp customer_number (ctx.customer_number)")
  end
  return n
end

function map(input, ctx)
  local order = input.data
  if json.isnull(order) or not tostring(order.type):match("^commerce_order%-%-") then
    fail("input is not a commerce_order JSON:API document")
  end
  local a = order.attributes
  local number = json.nonnull(a.order_number)
  if not number then fail("order %s has no order_number (not placed yet?)", order.id) end
  local total = json.nonnull(a.total_price)
  if not total then fail("order %s has no total_price", number) end
  local currency = total.currency_code
  local exp = money.exponent(currency)
  local placed = json.nonnull(a.placed) or a.created
  local date = tostring(placed):match("^(%d%d%d%d%-%d%d%-%d%d)T")
  if not date then fail("order %s: unreadable placed date '%s'", number, tostring(placed)) end

  local by = index_included(input)
  local lines = json.array()
  local mapped = "0" -- sum of what the lines and discounts add up to
  local tax = "0"    -- tax adjustments left to BC

  local items = rel_data(order, "order_items")
  if not items or #items == 0 then fail("order %s has no items", number) end
  for _, ident in ipairs(items) do
    local item = included(by, ident, "order item")
    local ia = item.attributes
    local what = string.format("order item %s", ident.id)
    local variation_ref = rel_data(item, "purchased_entity")
    if not variation_ref then fail("%s has no purchased_entity", what) end
    local sku = json.nonnull(included(by, variation_ref, "variation").attributes.sku)
    if not sku or sku == "" then fail("%s: variation %s has no SKU", what, variation_ref.id) end

    local unit = check_currency(ia.unit_price, currency, what .. " unit_price")
    local line_total = check_currency(ia.total_price, currency, what .. " total_price")
    -- Drupal's own rule: total_price = round(unit_price * quantity) (half up).
    if money.cmp(money.round(money.mul(ia.quantity, unit), exp), line_total) ~= 0 then
      fail("%s: total_price %s is not quantity %s x unit_price %s", what, line_total, ia.quantity, unit)
    end

    local discount = "0"
    for _, adj in ipairs(json.nonnull(ia.adjustments) or {}) do
      if adj.included ~= true then
        local amount = check_currency(adj.amount, currency, what .. " adjustment " .. tostring(adj.type))
        if adj.type == "promotion" then
          discount = money.sub(discount, amount)
        elseif adj.type == "tax" then
          tax = money.add(tax, amount)
        else
          fail("%s: adjustment type '%s' is not supported on items", what, adj.type)
        end
      end
    end

    local line = {
      lineType = "Item",
      lineObjectNumber = sku,
      description = utf8_cut(json.nonnull(ia.title) or sku, DESCRIPTION_MAX),
      quantity = money.normalize(ia.quantity),
      unitPrice = price_text(unit, exp),
    }
    if money.cmp(discount, "0") ~= 0 then
      line.discountAmount = money.round(discount, exp)
    end
    lines[#lines + 1] = line
    mapped = money.add(mapped, money.sub(line_total, discount))
  end

  local order_discount = "0"
  local accounts = json.nonnull(ctx.accounts) or {}
  for _, adj in ipairs(json.nonnull(a.adjustments) or {}) do
    if adj.included ~= true then
      local amount = check_currency(adj.amount, currency, "order adjustment " .. tostring(adj.type))
      if adj.type == "promotion" then
        order_discount = money.sub(order_discount, amount)
      elseif adj.type == "tax" then
        tax = money.add(tax, amount)
      else
        local account = json.nonnull(accounts[adj.type])
        if not account and adj.type == "shipping_promotion" then account = json.nonnull(accounts.shipping) end
        if not account then
          fail("order %s: no G/L account for '%s' adjustments (set accounts.%s in the store's erp settings)",
            number, adj.type, adj.type)
        end
        lines[#lines + 1] = {
          lineType = "Account",
          lineObjectNumber = account,
          description = utf8_cut(json.nonnull(adj.label) or adj.type, DESCRIPTION_MAX),
          quantity = "1",
          unitPrice = price_text(amount, exp),
        }
        mapped = money.add(mapped, amount)
      end
    end
  end
  mapped = money.sub(mapped, order_discount)

  local expected = money.sub(total.number, tax)
  if money.cmp(mapped, expected) ~= 0 then
    fail("order %s: mapped lines add up to %s, but the order total %s less tax %s is %s",
      number, mapped, total.number, tax, expected)
  end

  local out = {
    externalDocumentNumber = number,
    orderDate = date,
    currencyCode = currency,
    email = a.mail,
    salesOrderLines = lines,
  }
  if money.cmp(order_discount, "0") ~= 0 then
    out.discountAmount = money.round(order_discount, exp)
  end

  local profile_ref = rel_data(order, "billing_profile")
  local profile = profile_ref and included(by, profile_ref, "billing profile")
  out.customerNumber = customer_number(profile, ctx)
  local addr = profile and json.nonnull(profile.attributes.address)
  if addr then
    -- Absent parts stay null; the connector leaves null fields out of the request.
    out.sellToAddressLine1 = addr.address_line1
    out.sellToAddressLine2 = addr.address_line2
    out.sellToCity = addr.locality
    out.sellToState = addr.administrative_area
    out.sellToPostCode = addr.postal_code
    out.sellToCountry = addr.country_code
  end
  return out
end
