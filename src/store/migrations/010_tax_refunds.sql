-- 010_tax_refunds: refunds of an order whose tax is committed become return invoices in the
-- tax engine (src/flows/tax.c, docs/tax.md). The PSP's refunds reach seam through the payments
-- flow (payment_refs.refunded); tax.sweep finds the payment rows that changed since the
-- document last looked (refund_seen_at) and tax.refund returns the new part.
ALTER TABLE tax_documents ADD COLUMN refunded TEXT;          -- order money returned to the
                                                             -- engine so far (decimal)
ALTER TABLE tax_documents ADD COLUMN refunded_tax TEXT;      -- the return invoices' tax (<= 0)
ALTER TABLE tax_documents ADD COLUMN refunds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tax_documents ADD COLUMN refund_seen_at BIGINT NOT NULL DEFAULT 0;
