-- The shipment lines of an order: whether an order has anything shipped and not yet invoiced
-- (recordInvoicedQuantities, after each invoice) and the lines of an order billed whole. The
-- partial index of 0005 covers only the uninvoiced lines, and without this one each such
-- question walked all of them: a billing run of 100,000 invoices slowed as it went (every
-- invoice scanned what was still unbilled), quadratic in the run's size.
create index shipment_line_by_order on shipment_line (tenant_id, order_id);
