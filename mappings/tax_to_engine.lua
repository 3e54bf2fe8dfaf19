-- tax_to_engine: seam's canonical tax cart (contracts/tax/v1/quote-request.schema.json) -> the
-- AvaTax-like engine's CreateTransactionModel (POST /api/v2/transactions/create, or inside
-- createoradjust for an invoice).
--
-- input: the quote request: store, currency, customer {id, exemption}, ship_to, ship_from,
--   date, lines [{id, sku, tax_code, quantity, amount, discount}], shipping {amount, tax_code}
-- ctx (per store and call, from seam.yaml and the flow):
--   company        the engine's company code
--   type           SalesOrder (a quote: not kept), SalesInvoice (an order's tax, kept),
--                  ReturnInvoice (a refund)
--   code           the document code (invoices: "<store>-<order uuid>"); none for a quote
--   commit         true to commit the document (invoices)
--   customer       the customer code when the cart names none
--   shipping_code  the tax code of shipping when the cart's shipping names none ("FR010000")
--   ship_from      the store's warehouse address when the cart names none
--
-- Every line keeps its id as lineNumber, so the answer's lines map back to the cart's; shipping
-- becomes a line numbered "shipping". Amounts stay exact decimal strings: the connector writes
-- them as JSON numbers.

local function addr(a)
  if a == nil or json.isnull(a) then
    return nil
  end
  return json.object({
    line1 = json.nonnull(a.line1),
    line2 = json.nonnull(a.line2),
    city = json.nonnull(a.city),
    region = json.nonnull(a.region),
    postalCode = json.nonnull(a.postal_code),
    country = a.country,
  })
end

function map(input, ctx)
  local ship_to = addr(input.ship_to)
  if ship_to == nil then
    return nil, "ship_to is required"
  end
  local ship_from = addr(json.nonnull(input.ship_from)) or addr(json.nonnull(ctx.ship_from))
  local lines = json.array()
  for _, l in ipairs(input.lines) do
    lines[#lines + 1] = json.object({
      number = l.id,
      quantity = l.quantity,
      amount = l.amount,
      itemCode = json.nonnull(l.sku),
      taxCode = json.nonnull(l.tax_code),
      discounted = false,
    })
  end
  local shipping = json.nonnull(input.shipping)
  if shipping and money.cmp(shipping.amount, "0") > 0 then
    lines[#lines + 1] = json.object({
      number = "shipping",
      quantity = "1",
      amount = shipping.amount,
      taxCode = json.nonnull(shipping.tax_code) or json.nonnull(ctx.shipping_code) or "FR010000",
    })
  end
  local customer = json.nonnull(input.customer)
  local model = json.object({
    type = ctx.type or "SalesOrder",
    companyCode = ctx.company,
    date = json.nonnull(input.date) or ctx.today,
    customerCode = (customer and json.nonnull(customer.id)) or ctx.customer or "WEB",
    currencyCode = input.currency,
    addresses = json.object({ shipTo = ship_to, shipFrom = ship_from }),
    lines = lines,
    commit = ctx.commit == true,
  })
  if customer and json.nonnull(customer.exemption) then
    model.exemptionNo = customer.exemption
  end
  if ctx.code then
    model.code = ctx.code
  end
  return model
end
