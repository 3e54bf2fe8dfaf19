-- order_to_tax: a placed Drupal Commerce order -> seam's canonical tax cart
-- (contracts/tax/v1/quote-request.schema.json), plus what the order charged for tax, for the
-- invoice seam commits in the tax engine when the order is placed (docs/tax.md, "Commit").
--
-- input: the JSON:API document of GET /jsonapi/commerce_order/{bundle}/{uuid}
--   ?include=order_items,order_items.purchased_entity,billing_profile
-- ctx: store (the seam store)
-- output: the cart {store, currency, customer, ship_to, date, lines, shipping} and
--   charged_tax (the order's tax adjustments, decimal string) and order_number.
--
-- Lines are the order items: id the item's uuid, sku from the variation, amount the item's
-- total less its promotions (tax excluded). An order-level promotion is taken from the lines in
-- order until used (the engine needs no split: the total is what it taxes). Shipping is an
-- order adjustment of type shipping. The address is the billing profile's (a site with
-- commerce_shipping would use the shipping profile: not on the sites seam was checked against).

local function fail(fmt, ...)
  error(string.format(fmt, ...), 2)
end

local function index_included(doc)
  local by = {}
  for _, r in ipairs(json.nonnull(doc.included) or {}) do
    by[r.type .. ":" .. r.id] = r
  end
  return by
end

local function rel_data(res, name)
  local rels = json.nonnull(res.relationships)
  local rel = rels and json.nonnull(rels[name])
  return rel and json.nonnull(rel.data)
end

function map(input, ctx)
  local order = input.data
  if json.isnull(order) or not tostring(order.type):match("^commerce_order%-%-") then
    fail("input is not a commerce_order JSON:API document")
  end
  local a = order.attributes
  local total = json.nonnull(a.total_price)
  if not total then fail("order %s has no total_price", order.id) end
  local currency = total.currency_code
  local placed = json.nonnull(a.placed) or a.created
  local date = tostring(placed):match("^(%d%d%d%d%-%d%d%-%d%d)")
  local by = index_included(input)

  local charged = "0"
  local lines = json.array()
  for _, ident in ipairs(rel_data(order, "order_items") or {}) do
    local item = by[ident.type .. ":" .. ident.id]
    if not item then fail("order item %s is not in 'included'", ident.id) end
    local ia = item.attributes
    local amount = ia.total_price.number
    for _, adj in ipairs(json.nonnull(ia.adjustments) or {}) do
      if adj.included ~= true then
        if adj.type == "tax" then
          charged = money.add(charged, adj.amount.number)
        elseif adj.type == "promotion" then
          amount = money.add(amount, adj.amount.number)
        end
      end
    end
    local v = rel_data(item, "purchased_entity")
    local variation = v and by[v.type .. ":" .. v.id]
    lines[#lines + 1] = json.object({
      id = item.id,
      sku = variation and json.nonnull(variation.attributes.sku) or nil,
      quantity = money.normalize(ia.quantity),
      amount = amount,
    })
  end
  if #lines == 0 then fail("order %s has no items", order.id) end

  local shipping = nil
  local discount = "0"
  for _, adj in ipairs(json.nonnull(a.adjustments) or {}) do
    if adj.included ~= true then
      if adj.type == "tax" then
        charged = money.add(charged, adj.amount.number)
      elseif adj.type == "shipping" then
        shipping = json.object({ amount = adj.amount.number })
      elseif adj.type == "promotion" then
        discount = money.sub(discount, adj.amount.number)
      end
    end
  end
  for _, l in ipairs(lines) do
    if money.cmp(discount, "0") <= 0 then break end
    local take = money.cmp(discount, l.amount) > 0 and l.amount or discount
    l.amount = money.sub(l.amount, take)
    discount = money.sub(discount, take)
  end

  local profile_ref = rel_data(order, "billing_profile")
  local profile = profile_ref and by[profile_ref.type .. ":" .. profile_ref.id]
  local addr = profile and json.nonnull(profile.attributes.address)
  if profile_ref and not profile then
    -- JSON:API leaves out what the account may not read and says so in meta.omitted
    local meta = json.nonnull(input.meta)
    if meta and json.nonnull(meta.omitted) then
      fail("order %s: Drupal omitted its billing profile: seam's account may not read customer profiles (grant it 'view any customer profile')", order.id)
    end
  end
  if not addr or not json.nonnull(addr.country_code) then
    fail("order %s has no billing address with a country: the engine needs where it ships", order.id)
  end
  local ship_to = json.object({ country = addr.country_code })
  if json.nonnull(addr.administrative_area) and addr.administrative_area ~= "" then ship_to.region = addr.administrative_area end
  if json.nonnull(addr.postal_code) and addr.postal_code ~= "" then ship_to.postal_code = addr.postal_code end
  if json.nonnull(addr.locality) and addr.locality ~= "" then ship_to.city = addr.locality end
  if json.nonnull(addr.address_line1) and addr.address_line1 ~= "" then ship_to.line1 = addr.address_line1 end

  return json.object({
    store = ctx.store,
    currency = currency,
    customer = json.object({ id = json.nonnull(a.mail) or "guest" }),
    ship_to = ship_to,
    date = date,
    lines = lines,
    shipping = shipping,
    charged_tax = charged,
    order_number = json.nonnull(a.order_number),
  })
end
