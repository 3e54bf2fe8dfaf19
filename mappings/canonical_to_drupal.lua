-- canonical_to_drupal: a canonical catalog product (catalog.product@v1, the output of
-- pim_to_canonical) -> the Drupal Commerce write plan for it
-- (contracts/catalog/v1/drupal-product.schema.json, catalog.drupal-product@v1).
-- docs/mappings.md, "The catalog mappings".
--
-- ctx (per store, from the catalog config):
--   store        the seam store ("us")
--   locale       the store's language: which localized text Drupal gets ("en_US")
--   currency     the store's currency ("USD")
--   prices       "pim": the PIM's price collection is the price (a variant without a price in
--                the currency is an error); "erp": the ERP owns the price (the price flow
--                writes it), so the plan never PATCHes it and only creates a variation with
--                the PIM price, else 0
--   attributes   PIM axis -> Drupal product attribute id ({"color": "color", "size": "size"});
--                axes not listed are not written as Drupal attributes
--   body_format  the Drupal text format of the body (default "plain_text")
--   translations PIM locale -> Drupal langcode ({"de_DE": "de"}): translations[langcode] gets
--                the title, description and variation titles in that locale
--
-- product and variations[].attributes are exactly what seam owns and keeps equal in Drupal
-- (sent on create, PATCHed when Drupal differs); create_attributes only go with a create.

local TITLE_MAX = 255 -- Drupal's title fields are varchar(255)

local function fail(fmt, ...)
  error(string.format(fmt, ...), 2)
end

local function utf8_cut(s, max)
  local n = utf8.len(s)
  if not n or n <= max then return s end
  return s:sub(1, utf8.offset(s, max + 1) - 1)
end

local function price_in(prices, currency)
  for _, p in ipairs(json.nonnull(prices) or {}) do
    if p.currency == currency then
      return {number = p.amount, currency_code = currency}
    end
  end
  return nil
end

function map(input, ctx)
  local locale, currency = json.nonnull(ctx.locale), json.nonnull(ctx.currency)
  if type(locale) ~= "string" or type(currency) ~= "string" then
    fail("ctx needs locale and currency")
  end
  local owner = json.nonnull(ctx.prices) or "erp"
  if owner ~= "pim" and owner ~= "erp" then
    fail("ctx.prices is '%s': pim or erp", tostring(owner))
  end
  local attr_ids = json.nonnull(ctx.attributes) or {}

  local title = json.nonnull(input.title) and json.nonnull(input.title[locale])
  if type(title) ~= "string" then fail("%s: no title in %s", tostring(input.id), locale) end
  local product = {title = utf8_cut(title, TITLE_MAX), status = input.enabled == true}
  local body = json.nonnull(input.description) and json.nonnull(input.description[locale])
  if type(body) == "string" then
    product.body = {value = body, format = json.nonnull(ctx.body_format) or "plain_text"}
  end

  local variations = json.array()
  for _, v in ipairs(input.variants) do
    local vt = json.nonnull(v.title) and json.nonnull(v.title[locale])
    local attributes = {
      title = utf8_cut(type(vt) == "string" and vt or title, TITLE_MAX),
      status = v.enabled == true,
    }
    local create = json.object()
    local price = price_in(v.prices, currency)
    if owner == "pim" then
      if not price then fail("%s: no price in %s", tostring(v.sku), currency) end
      attributes.price = price
    else
      -- Drupal needs a price to create a variation; the ERP's price flow sets the real one.
      create.price = price or {number = "0", currency_code = currency}
    end
    local axes = json.object()
    for axis, value in pairs(json.nonnull(v.axes) or {}) do
      local id = json.nonnull(attr_ids[axis])
      if id and type(value) == "string" then axes[id] = value end
    end
    variations[#variations + 1] = {
      sku = v.sku,
      attributes = attributes,
      create_attributes = create,
      axes = axes,
    }
  end
  -- Translations: the locales the store keeps in another Drupal language. A product without
  -- a title in that locale has none there (json.null: Drupal's translation, if any, goes and
  -- Drupal falls back to the store's language).
  local translations = json.object()
  for loc, lang in pairs(json.nonnull(ctx.translations) or {}) do
    local t = json.nonnull(input.title) and json.nonnull(input.title[loc])
    if type(t) == "string" then
      local tt = utf8_cut(t, TITLE_MAX)
      local tb = json.nonnull(input.description) and json.nonnull(input.description[loc])
      local tv = json.object()
      for _, v in ipairs(input.variants) do
        local vt = json.nonnull(v.title) and json.nonnull(v.title[loc])
        tv[v.sku] = {title = utf8_cut(type(vt) == "string" and vt or tt, TITLE_MAX)}
      end
      translations[lang] = {
        title = tt,
        body = type(tb) == "string"
          and {value = tb, format = json.nonnull(ctx.body_format) or "plain_text"} or json.null,
        variations = tv,
      }
    else
      translations[lang] = json.null
    end
  end
  return {pim_id = input.id, product = product, variations = variations,
          translations = translations}
end
