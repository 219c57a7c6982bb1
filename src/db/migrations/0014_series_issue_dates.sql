-- Issue dates follow the numbers (issue 5): within a series and fiscal year an invoice is
-- never dated before the one numbered before it, so the numbered series reads in date order
-- as an auditor expects. The counter row remembers the latest issue date it numbered;
-- numbering refuses an earlier one (invoicing.issue_date_before_previous). Series numbered
-- before this migration learn their date from the invoices they numbered.
alter table invoice_number_series add column last_issue_date date;

update invoice_number_series s set last_issue_date = (
  select max(i.issue_date) from invoice i
  where i.tenant_id = s.tenant_id and i.series = s.series and i.fiscal_year = s.fiscal_year);
