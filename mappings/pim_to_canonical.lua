-- pim_to_canonical: an Akeneo product model with its variant products (or one simple product)
-- -> the canonical catalog product (contracts/catalog/v1/product.schema.json,
-- catalog.product@v1). docs/mappings.md, "The catalog mappings".
--
-- input:
--   model           the product model as GET /api/rest/v1/product-models/{code} prints it, or
--                   null for a simple product
--   products        the model's variant products (GET /api/rest/v1/products-uuid, any order),
--                   or the one simple product
--   family_variant  the model's family variant (GET .../families/{f}/variants/{code}), or null
-- ctx (per store and channel, from the catalog config):
--   store           the seam store ("us")
--   channel         the PIM channel whose scoped values count ("ecommerce")
--   locales         the locales kept in localized text (["en_US", "de_DE"])
--   currencies      the currencies kept in prices (["USD"])
--   title_attribute, description_attribute   default "name", "description"
--   sku_attribute, price_attribute, weight_attribute   default "sku", "price", "weight"
--                   (the SKU is the product's `identifier` when the PIM prints one)
--
-- Akeneo values are {attribute: [{locale, scope, data}]}: a localizable attribute has one
-- entry per locale, a scopable one per channel, the others locale/scope null.
--
-- Bad data is not repaired here: a variant without a SKU gets sku null, a missing axis value
-- axes.<axis> null, a price amount stays what the PIM sent ("19,99"), so the contract rejects
-- the record with a pointer to the field and the flow quarantines it. The mapping fails itself
-- (error) only for what the contract cannot see: two variants with the same SKU or the same
-- axis values, a variant whose parent is another model, input that is not this shape.

local function fail(fmt, ...)
  error(string.format(fmt, ...), 2)
end

local function list(v)
  return json.nonnull(v) or {}
end

-- The data of attribute attr for locale and channel, or nil (no value, or data null).
local function value(rec, attr, locale, channel)
  local values = json.nonnull(rec.values)
  local entries = values and json.nonnull(values[attr])
  if not entries then return nil end
  for _, e in ipairs(entries) do
    local l, s = json.nonnull(e.locale), json.nonnull(e.scope)
    if (l == nil or l == locale) and (s == nil or s == channel) then
      return json.nonnull(e.data)
    end
  end
  return nil
end

-- A text value as a non-empty string, or nil.
local function text(data)
  if type(data) == "string" and data ~= "" then return data end
  if math.type(data) == "integer" then return tostring(data) end
  return nil
end

-- locale -> text for every ctx locale with a value.
local function localized(rec, attr, ctx)
  local out = json.object()
  for _, loc in ipairs(ctx.locales) do
    out[loc] = text(value(rec, attr, loc, ctx.channel))
  end
  return out
end

-- ---- times: Akeneo prints "2026-01-02T03:04:05+00:00"; the contract wants UTC with Z ----

local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- {s = Unix seconds, frac = ".123" or "", text = "...Z"}, or nil when t cannot be read.
local function utc(t)
  if type(t) ~= "string" then return nil end
  local Y, M, D, h, mi, s, frac, zone =
    t:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
  if not Y or frac == "." then return nil end
  local off
  if zone == "Z" or zone == "z" then
    off = 0
  else
    local sign, oh, om = zone:match("^([+-])(%d%d):(%d%d)$")
    if not sign then return nil end
    off = (tonumber(oh) * 60 + tonumber(om)) * 60
    if sign == "-" then off = -off end
  end
  local secs = days_from_civil(tonumber(Y), tonumber(M), tonumber(D)) * 86400
    + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s) - off
  local y, m, d = civil_from_days(secs // 86400)
  local r = secs % 86400
  return {
    s = secs, frac = frac,
    text = string.format("%04d-%02d-%02dT%02d:%02d:%02d%sZ", y, m, d, r // 3600, r % 3600 // 60,
      r % 60, frac),
  }
end

local function newer(a, b)
  if a.s ~= b.s then return a.s > b.s end
  return (tonumber("0" .. a.frac) or 0) > (tonumber("0" .. b.frac) or 0)
end

-- The record's updated as UTC text, or as the PIM sent it when it cannot be read (state.bad:
-- the product's updated is then that text, for the contract to name); the newest readable
-- time seen so far in state.newest.
local function updated(rec, state)
  local t = utc(rec.updated)
  if not t then
    state.bad = rec.updated
    return rec.updated
  end
  if not state.newest or newer(t, state.newest) then state.newest = t end
  return t.text
end

-- ---- pieces of a variant ----

local function sku_of(p, ctx)
  local id = json.nonnull(p.identifier)
  if type(id) == "string" then return id end
  local v = value(p, ctx.sku_attribute, nil, nil)
  if v == nil then return json.null end -- the contract says: no SKU
  return v
end

-- An axis value as text: option codes as they are, numbers and booleans as text, a metric as
-- "amount unit"; json.null when the variant has none (the contract rejects it).
local function axis_text(data)
  if data == nil then return json.null end
  if type(data) == "string" or math.type(data) == "integer" or type(data) == "boolean" then
    return tostring(data)
  end
  if type(data) == "table" and not json.isarray(data) and data.amount ~= nil then
    return tostring(data.amount) .. " " .. tostring(data.unit)
  end
  return data -- anything else goes to the contract as it is
end

-- The prices in ctx.currencies, sorted by currency. An amount that is not a decimal string
-- is passed on for the contract to refuse; a null amount is no price.
local function prices_of(p, ctx, wanted)
  local out = json.array()
  local data = value(p, ctx.price_attribute, nil, ctx.channel)
  if type(data) ~= "table" then return out end
  for _, pr in ipairs(data) do
    local cur = json.nonnull(pr.currency)
    local amount = json.nonnull(pr.amount)
    if cur and wanted[cur] and amount ~= nil then
      if math.type(amount) == "integer" then amount = tostring(amount) end
      out[#out + 1] = {amount = amount, currency = cur}
    end
  end
  table.sort(out, function(a, b) return a.currency < b.currency end)
  return out
end

local function weight_of(p, ctx)
  local w = value(p, ctx.weight_attribute, nil, ctx.channel)
  if type(w) ~= "table" or json.isnull(w.amount) or json.isnull(w.unit) then return nil end
  local amount = w.amount
  if math.type(amount) == "integer" then amount = tostring(amount) end
  return {amount = amount, unit = w.unit}
end

-- Scalar values other than the ones mapped elsewhere, as strings (option codes, texts,
-- integers, booleans); lists, metrics, prices and floats are left out.
local function attributes_of(rec, ctx, skip)
  local out = json.object()
  local loc = ctx.locales[1]
  for code in pairs(list(rec.values)) do
    if not skip[code] then
      local v = value(rec, code, loc, ctx.channel)
      if type(v) == "string" and v ~= "" or math.type(v) == "integer" or type(v) == "boolean" then
        out[code] = tostring(v)
      end
    end
  end
  return out
end

-- The axes of a family variant, in its order (every level's).
local function axes_of(fv)
  local axes = {}
  if json.isnull(fv) then return axes end
  for _, set in ipairs(list(fv.variant_attribute_sets)) do
    for _, a in ipairs(list(set.axes)) do axes[#axes + 1] = a end
  end
  return axes
end

local function variant(p, ctx, state, wanted, axes, model_title)
  local v = {
    sku = sku_of(p, ctx),
    uuid = p.uuid,
    enabled = p.enabled == true,
    updated = updated(p, state),
    axes = json.object(),
    prices = prices_of(p, ctx, wanted),
    weight = weight_of(p, ctx),
  }
  local words = {}
  for _, a in ipairs(axes) do
    local t = axis_text(value(p, a, nil, ctx.channel))
    v.axes[a] = t
    if type(t) == "string" then words[#words + 1] = t end
  end
  if model_title then
    -- Akeneo prints a variant's values with the ones it inherits from its models, so a title
    -- equal to the model's is the model's, not the variant's own.
    local own = localized(p, ctx.title_attribute, ctx)
    v.title = json.object()
    for _, loc in ipairs(ctx.locales) do
      if own[loc] and own[loc] ~= model_title[loc] then
        v.title[loc] = own[loc]
      elseif model_title[loc] then
        v.title[loc] = table.concat({model_title[loc], table.unpack(words)}, " ")
      end
    end
  else
    v.title = localized(p, ctx.title_attribute, ctx)
  end
  return v
end

local function by_sku(a, b)
  local x, y = type(a.sku) == "string" and a.sku or "", type(b.sku) == "string" and b.sku or ""
  if x ~= y then return x < y end
  return tostring(a.uuid) < tostring(b.uuid)
end

local function set_of(t)
  local s = {}
  for _, v in ipairs(t) do s[v] = true end
  return s
end

local function sorted_union(...)
  local seen, out = {}, json.array()
  for _, l in ipairs({...}) do
    for _, c in ipairs(list(l)) do
      if type(c) == "string" and not seen[c] then
        seen[c] = true
        out[#out + 1] = c
      end
    end
  end
  table.sort(out)
  return out
end

function map(input, ctx)
  ctx.title_attribute = json.nonnull(ctx.title_attribute) or "name"
  ctx.description_attribute = json.nonnull(ctx.description_attribute) or "description"
  ctx.sku_attribute = json.nonnull(ctx.sku_attribute) or "sku"
  ctx.price_attribute = json.nonnull(ctx.price_attribute) or "price"
  ctx.weight_attribute = json.nonnull(ctx.weight_attribute) or "weight"
  if type(ctx.store) ~= "string" or json.isnull(ctx.channel) or json.isnull(ctx.locales)
    or json.isnull(ctx.currencies) then
    fail("ctx needs store, channel, locales and currencies")
  end
  local products = json.nonnull(input.products)
  if not products or not json.isarray(products) then fail("input.products is not a list") end
  local model = json.nonnull(input.model)
  local wanted = set_of(ctx.currencies)
  local state = {}
  local out

  local skip = set_of({ctx.title_attribute, ctx.description_attribute, ctx.sku_attribute,
    ctx.price_attribute, ctx.weight_attribute})
  if model then
    local axes = axes_of(input.family_variant)
    for _, a in ipairs(axes) do skip[a] = true end
    local title = localized(model, ctx.title_attribute, ctx)
    out = {
      id = model.code,
      kind = "model",
      updated = updated(model, state),
      family = model.family,
      categories = sorted_union(model.categories),
      title = title,
      description = localized(model, ctx.description_attribute, ctx),
      attributes = attributes_of(model, ctx, skip),
      variants = json.array(),
    }
    local enabled = false
    for _, p in ipairs(products) do
      if json.nonnull(p.parent) ~= model.code then
        fail("product %s: its parent is %s, not model %s", tostring(p.uuid),
          tostring(json.nonnull(p.parent)), tostring(model.code))
      end
      local v = variant(p, ctx, state, wanted, axes, title)
      enabled = enabled or v.enabled
      out.variants[#out.variants + 1] = v
      out.categories = sorted_union(out.categories, p.categories)
    end
    out.enabled = enabled
  else
    if #products ~= 1 then
      fail("a simple product is one product, got %d (input.model is null)", #products)
    end
    local p = products[1]
    if json.nonnull(p.parent) then
      fail("product %s has parent %s: map it with its model", tostring(p.uuid), tostring(p.parent))
    end
    local v = variant(p, ctx, state, wanted, {}, nil)
    out = {
      id = p.uuid,
      kind = "simple",
      enabled = v.enabled,
      family = p.family,
      categories = sorted_union(p.categories),
      title = v.title,
      description = localized(p, ctx.description_attribute, ctx),
      attributes = attributes_of(p, ctx, skip),
      variants = json.array({v}),
    }
    out.updated = v.updated
  end
  if state.bad ~= nil then
    out.updated = state.bad
  elseif state.newest then
    out.updated = state.newest.text
  end
  out.store = ctx.store

  table.sort(out.variants, by_sku)
  -- Two variants with one SKU or the same axis values are passed through as they are: the
  -- catalog flow refuses such a product whole (duplicate_sku, axis_collision), whatever the
  -- mapping, so a changed mapping cannot let one through.
  return out
end
