-- Disputes (issue 7): an invoice line has no id of its own (its key is the invoice and the line
-- number, 0008), so a disputed line names it by that key, with a foreign key that proves the line
-- exists; 0022's invoice_line_id had nothing to refer to. The table is empty until this part
-- ships, so the column is replaced, not migrated.
alter table dispute_line drop constraint dispute_line_pkey;
alter table dispute_line drop column invoice_line_id;
alter table dispute_line add column invoice_id uuid not null;
alter table dispute_line add column line_number integer not null check (line_number >= 1);
alter table dispute_line add primary key (tenant_id, dispute_id, line_number);
alter table dispute_line add foreign key (tenant_id, invoice_id, line_number) references invoice_line;

-- Dispute numbers D-YYYY-NNNNN: the last number given per tenant and year. An upsert on this
-- row hands out the next one; two disputes opened at once take turns on the row, so numbers are
-- unique (gaps may appear when a transaction rolls back, which disputes allow).
create table dispute_number_counter (
  tenant_id uuid not null references tenant,
  year integer not null check (year between 2000 and 9999),
  last_number integer not null check (last_number >= 1),
  primary key (tenant_id, year)
);
select o2c_protect('dispute_number_counter');
