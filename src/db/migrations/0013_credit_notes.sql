-- Credit notes by line (issue 5): a credit note's line names the invoice line it credits, so
-- what is left to credit on each invoice line is derived (invoiced quantity less what earlier
-- credit notes took of it), never kept as a counter. Lines of an amount credit note, and of
-- invoices, name none.
alter table invoice_line
  add column credited_invoice_id uuid,
  add column credited_line_number integer,
  add constraint invoice_line_credits_invoice_line
    foreign key (tenant_id, credited_invoice_id, credited_line_number) references invoice_line,
  add constraint invoice_line_credited_both_or_neither
    check ((credited_invoice_id is null) = (credited_line_number is null));

create index invoice_line_by_credited_line on invoice_line
  (tenant_id, credited_invoice_id, credited_line_number) where credited_invoice_id is not null;
