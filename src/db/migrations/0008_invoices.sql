-- Invoices and credit notes (e-invoicing). A document is a draft until it is issued; issuing
-- gives it its number (invoice_number_series, 0006), its payment reference and due date, and
-- snapshots seller and buyer, so an issued document never changes (DESIGN.md invariant 2):
-- the application may not update an issued row's content, and a trigger refuses it.
-- What is still open on an invoice is derived (invariant 4): its total less the settlements
-- against it (credit notes, payments allocated by cash application, write-offs, amounts
-- settled in a previous system), in the view invoice_open_item.

-- The seller on the invoice, one row per tenant: who we are, where the buyer pays, how the
-- payment reference is made, the series used and how the documents look.
create table billing_settings (
  tenant_id uuid primary key references tenant,
  -- Party (document.ts): name, trading name, VAT id, legal id, address, electronic address,
  -- contact; and payee_account { iban, bic, name }.
  seller jsonb not null,
  payment_reference_scheme text not null default 'nl' check (payment_reference_scheme in ('nl', 'rf', 'be')),
  invoice_series text not null default 'INV' check (invoice_series ~ '^[A-Z0-9-]{1,20}$'),
  credit_note_series text not null default 'CN' check (credit_note_series ~ '^[A-Z0-9-]{1,20}$'),
  fiscal_year_start_month integer not null default 1 check (fiscal_year_start_month between 1 and 12),
  -- A two-digit code per series name ever used ({"INV": 1, "CN": 2}), given when the settings
  -- name a series and never taken back: the payment reference is made from code, fiscal
  -- year and sequence, so it stays unique in the tenant when a series is renamed.
  series_codes jsonb not null default '{}' check (jsonb_typeof(series_codes) = 'object'),
  -- Due dates fall on business days: weekends, the Dutch public holidays when 'nl', and these.
  holiday_calendar text not null default 'nl' check (holiday_calendar in ('nl', 'none')),
  extra_holidays jsonb not null default '[]' check (jsonb_typeof(extra_holidays) = 'array'),
  -- The early-payment discount offered by default (null: none), e.g. 2% within 10 days.
  discount_percent numeric(7, 4) check (discount_percent > 0 and discount_percent < 100),
  discount_days integer check (discount_days between 1 and 365),
  -- Look of the PDF: a PNG or JPEG logo and two colours (#RRGGBB).
  logo bytea,
  logo_media_type text check (logo_media_type in ('image/png', 'image/jpeg')),
  primary_colour text not null default '#1f3a5f' check (primary_colour ~ '^#[0-9a-fA-F]{6}$'),
  accent_colour text not null default '#e8eef5' check (accent_colour ~ '^#[0-9a-fA-F]{6}$'),
  updated_at timestamptz not null,
  version integer not null default 1,
  check ((discount_percent is null) = (discount_days is null)),
  check ((logo is null) = (logo_media_type is null))
);
select o2c_protect('billing_settings');

-- How a customer is billed and where its documents go. No row: per shipment, by email to
-- the customer's billing contact (or first contact with an email).
create table customer_billing (
  tenant_id uuid not null references tenant,
  customer_id uuid not null,
  -- per_shipment and per_order bill as goods leave; weekly and monthly wait for the
  -- consolidated billing run, which makes one invoice per customer and currency.
  billing_frequency text not null default 'per_shipment'
    check (billing_frequency in ('per_shipment', 'per_order', 'weekly', 'monthly')),
  invoice_channel text not null default 'email' check (invoice_channel in ('email', 'peppol', 'portal')),
  invoice_email text check (invoice_email ~ '^[^@\s]+@[^@\s]+$'),
  peppol_scheme text check (peppol_scheme ~ '^[0-9]{4}$'),
  peppol_id text check (peppol_id <> '' and length(peppol_id) <= 100),
  -- Buyer reference (BT-10) the customer wants on every invoice, e.g. a cost centre.
  buyer_reference text check (length(buyer_reference) <= 100),
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, customer_id),
  foreign key (tenant_id, customer_id) references customer,
  check ((peppol_scheme is null) = (peppol_id is null)),
  check (invoice_channel <> 'peppol' or peppol_id is not null)
);
select o2c_protect('customer_billing');

-- Rates to the tenant's accounting currency, for foreign-currency invoices (BT-6, BT-111):
-- one unit of `currency` is `rate` units of the accounting currency on and after valid_from.
create table exchange_rate (
  tenant_id uuid not null references tenant,
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  valid_from date not null,
  rate numeric(18, 8) not null check (rate > 0),
  created_at timestamptz not null,
  primary key (tenant_id, currency, valid_from)
);
select o2c_protect('exchange_rate');

create table invoice (
  tenant_id uuid not null references tenant,
  id uuid not null,
  document_type text not null check (document_type in ('invoice', 'credit_note')),
  status text not null default 'draft' check (status in ('draft', 'issued')),
  -- Where it came from. opening_balance: an open item imported from a previous system; it
  -- has a number and totals but no lines.
  origin text not null check (origin in ('shipment', 'order', 'prepayment', 'manual',
    'consolidated', 'credit_note', 'opening_balance')),
  customer_id uuid not null,
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  -- A credit note corrects exactly one issued invoice.
  corrects_invoice_id uuid,
  -- Given at issue (null while draft).
  series text,
  fiscal_year integer,
  sequence bigint,
  number text,
  issue_date date,
  due_date date,
  payment_reference text,
  -- Snapshots at issue: Seller and Buyer of document.ts, so later changes to the master data
  -- do not change an issued document.
  seller jsonb,
  buyer jsonb,
  language text not null default 'nl' check (language in ('nl', 'en')),
  buyer_reference text check (length(buyer_reference) <= 100),
  order_reference text check (length(order_reference) <= 100),
  -- PaymentTerms of document.ts in snake_case JSON: net_days, discount, instalments.
  payment_terms jsonb not null,
  period_start date,
  period_end date,
  delivery_date date,
  note text check (length(note) <= 2000),
  -- Totals (BT-106 … BT-115). total_minor is the tax-inclusive total; payable_minor what the
  -- buyer pays (total less prepaid). The open amount is derived from payable_minor.
  line_net_minor bigint not null default 0,
  allowance_minor bigint not null default 0 check (allowance_minor >= 0),
  charge_minor bigint not null default 0 check (charge_minor >= 0),
  tax_exclusive_minor bigint not null default 0,
  vat_minor bigint not null default 0,
  total_minor bigint not null default 0,
  prepaid_minor bigint not null default 0 check (prepaid_minor >= 0),
  payable_minor bigint not null default 0,
  -- Foreign currency: the rate used and the VAT in the accounting currency (BT-6, BT-111).
  accounting_currency char(3),
  exchange_rate numeric(18, 8),
  vat_accounting_minor bigint,
  -- The source of an imported open item: the previous system's number is `number`.
  created_at timestamptz not null,
  created_by text not null,
  issued_at timestamptz,
  issued_by text,
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer,
  foreign key (tenant_id, corrects_invoice_id) references invoice,
  unique (tenant_id, series, fiscal_year, sequence),
  unique (tenant_id, number),
  check ((document_type = 'credit_note') = (corrects_invoice_id is not null)),
  check ((document_type = 'credit_note') = (origin = 'credit_note')),
  check (status = 'draft' or (number is not null and issue_date is not null and
    payment_reference is not null and seller is not null and buyer is not null and
    issued_at is not null)),
  check (document_type = 'credit_note' or status = 'draft' or due_date is not null),
  check (origin = 'opening_balance' or status = 'draft' or sequence is not null),
  check (tax_exclusive_minor = line_net_minor - allowance_minor + charge_minor),
  check (total_minor = tax_exclusive_minor + vat_minor),
  check (payable_minor = total_minor - prepaid_minor),
  check ((accounting_currency is null) = (exchange_rate is null)),
  check ((accounting_currency is null) = (vat_accounting_minor is null))
);
create index invoice_by_customer on invoice (tenant_id, customer_id, status, id);
create index invoice_by_corrected on invoice (tenant_id, corrects_invoice_id)
  where corrects_invoice_id is not null;
create index invoice_by_payment_reference on invoice (tenant_id, payment_reference)
  where payment_reference is not null;
create index invoice_by_due_date on invoice (tenant_id, due_date) where status = 'issued';
select o2c_protect('invoice');

create table invoice_line (
  tenant_id uuid not null references tenant,
  invoice_id uuid not null,
  line_number integer not null check (line_number > 0),
  item_code text not null check (item_code <> '' and length(item_code) <= 64),
  description text not null default '' check (length(description) <= 500),
  quantity numeric(18, 4) not null check (quantity > 0),
  unit text not null check (unit <> '' and length(unit) <= 16),
  unit_price_minor bigint not null check (unit_price_minor >= 0),
  discount_percent numeric(7, 4) not null default 0 check (discount_percent between 0 and 100),
  vat_category text not null check (vat_category in ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')),
  vat_rate numeric(7, 4) not null check (vat_rate >= 0 and vat_rate < 100),
  net_minor bigint not null check (net_minor >= 0),
  -- What was billed: the order line and, when billed on shipment, the shipment line.
  order_id uuid,
  order_line_id uuid,
  shipment_line_id uuid,
  primary key (tenant_id, invoice_id, line_number),
  foreign key (tenant_id, invoice_id) references invoice on delete cascade,
  foreign key (tenant_id, order_line_id) references sales_order_line,
  foreign key (tenant_id, shipment_line_id) references shipment_line,
  check ((vat_category = 'S') = (vat_rate > 0))
);
create index invoice_line_by_order on invoice_line (tenant_id, order_id) where order_id is not null;
select o2c_protect('invoice_line');

-- Document-level allowances and charges (BG-20, BG-21).
create table invoice_allowance_charge (
  tenant_id uuid not null references tenant,
  invoice_id uuid not null,
  position integer not null check (position > 0),
  is_charge boolean not null,
  reason text not null check (reason <> '' and length(reason) <= 200),
  reason_code text check (reason_code ~ '^[A-Z0-9]{1,3}$'),
  amount_minor bigint not null check (amount_minor > 0),
  vat_category text not null check (vat_category in ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')),
  vat_rate numeric(7, 4) not null check (vat_rate >= 0 and vat_rate < 100),
  primary key (tenant_id, invoice_id, position),
  foreign key (tenant_id, invoice_id) references invoice on delete cascade,
  check ((vat_category = 'S') = (vat_rate > 0))
);
select o2c_protect('invoice_allowance_charge');

-- The VAT breakdown (BG-23) as computed at issue: one row per category and rate.
create table invoice_vat (
  tenant_id uuid not null references tenant,
  invoice_id uuid not null,
  vat_category text not null check (vat_category in ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')),
  vat_rate numeric(7, 4) not null,
  taxable_minor bigint not null,
  vat_minor bigint not null,
  exemption_reason text,
  exemption_reason_code text,
  primary key (tenant_id, invoice_id, vat_category, vat_rate),
  foreign key (tenant_id, invoice_id) references invoice on delete cascade,
  check (vat_category in ('S', 'Z') or exemption_reason is not null or exemption_reason_code is not null)
);
select o2c_protect('invoice_vat');

-- What settled (part of) an issued invoice: a credit note, a payment allocated by cash
-- application, a write-off, an early-payment discount taken, or an amount already settled in
-- the previous system (opening balances). Rows are never changed or deleted: undoing one
-- (un-applying a payment) adds a row with the opposite amount that names it.
create table invoice_settlement (
  tenant_id uuid not null references tenant,
  id uuid not null,
  invoice_id uuid not null,
  kind text not null check (kind in ('credit_note', 'payment', 'write_off', 'discount', 'prior_settlement')),
  amount_minor bigint not null check (amount_minor <> 0),
  currency char(3) not null,
  settled_on date not null,
  -- What settled it: ('invoice', the credit note's id), ('payment_allocation', …), …
  source_type text not null check (source_type ~ '^[a-z0-9_]{1,64}$'),
  source_id text not null check (source_id <> '' and length(source_id) <= 200),
  reverses_settlement_id uuid,
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, reverses_settlement_id) references invoice_settlement,
  unique (tenant_id, reverses_settlement_id),
  check ((amount_minor < 0) = (reverses_settlement_id is not null))
);
create index invoice_settlement_by_invoice on invoice_settlement (tenant_id, invoice_id);
create index invoice_settlement_by_source on invoice_settlement (tenant_id, source_type, source_id);
select o2c_protect('invoice_settlement');
revoke update, delete on invoice_settlement from o2c_app;

-- The timeline of a document (its track & trace): issued, queued, sent, delivered, bounced,
-- opened, disputed, partially_paid, paid, credited, … Each step is also a webhook event.
create table invoice_event (
  tenant_id uuid not null references tenant,
  id uuid not null,
  invoice_id uuid not null,
  step text not null check (step ~ '^[a-z_]{1,40}$'),
  channel text check (channel in ('email', 'peppol', 'portal', 'pay_page')),
  detail jsonb not null default '{}',
  occurred_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, invoice_id) references invoice
);
create index invoice_event_by_invoice on invoice_event (tenant_id, invoice_id, occurred_at);
select o2c_protect('invoice_event');
revoke update, delete on invoice_event from o2c_app;

-- An issued document never changes: only its version and updated_at may move (for locking).
create or replace function invoice_refuse_change_when_issued() returns trigger
language plpgsql as $$
begin
  if old.status = 'issued' and (to_jsonb(new) - 'version' - 'updated_at')
      is distinct from (to_jsonb(old) - 'version' - 'updated_at') then
    raise exception 'invoice % is issued and cannot change', old.number
      using errcode = 'check_violation', constraint = 'invoice_issued_immutable';
  end if;
  if tg_op = 'DELETE' and old.status = 'issued' then
    raise exception 'invoice % is issued and cannot be deleted', old.number
      using errcode = 'check_violation', constraint = 'invoice_issued_immutable';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;

create trigger invoice_issued_immutable
  before update or delete on invoice
  for each row execute function invoice_refuse_change_when_issued();

-- Lines, allowances and the VAT breakdown of an issued document are as fixed as the document.
create or replace function invoice_part_refuse_change_when_issued() returns trigger
language plpgsql as $$
declare
  target uuid := case when tg_op = 'INSERT' then new.invoice_id else old.invoice_id end;
  tenant uuid := case when tg_op = 'INSERT' then new.tenant_id else old.tenant_id end;
begin
  if exists (select 1 from invoice i where i.tenant_id = tenant and i.id = target
             and i.status = 'issued') then
    raise exception 'invoice % is issued: its % cannot change', target, tg_table_name
      using errcode = 'check_violation', constraint = 'invoice_issued_immutable';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;

create trigger invoice_line_issued_immutable before insert or update or delete on invoice_line
  for each row execute function invoice_part_refuse_change_when_issued();
create trigger invoice_allowance_charge_issued_immutable
  before insert or update or delete on invoice_allowance_charge
  for each row execute function invoice_part_refuse_change_when_issued();
create trigger invoice_vat_issued_immutable before insert or update or delete on invoice_vat
  for each row execute function invoice_part_refuse_change_when_issued();

-- The open items: every issued invoice with what is still open on it (invariant 4). Credit
-- notes are not open items themselves; they settle the invoice they correct.
create view invoice_open_item with (security_invoker = true) as
  select i.tenant_id, i.id as invoice_id, i.customer_id, i.number, i.currency,
         i.issue_date, i.due_date, i.payment_reference, i.payable_minor,
         i.payable_minor - coalesce(s.settled_minor, 0) as open_minor
  from invoice i
  -- Lateral, so that the open items of one customer or one invoice read only their own
  -- settlements through the index.
  left join lateral (
    select sum(st.amount_minor)::bigint as settled_minor
    from invoice_settlement st
    where st.tenant_id = i.tenant_id and st.invoice_id = i.id
  ) s on true
  where i.status = 'issued' and i.document_type = 'invoice'
    and i.tenant_id = o2c_current_tenant();
grant select on invoice_open_item to o2c_app;

-- The credit check's view of what a customer owes (0003 defined it over no rows).
create or replace view customer_receivable_position with (security_invoker = true) as
  select tenant_id, customer_id, currency, sum(open_minor)::bigint as open_minor,
         min(due_date) filter (where open_minor > 0) as oldest_due_date
  from invoice_open_item
  where open_minor <> 0
  group by tenant_id, customer_id, currency;
grant select on customer_receivable_position to o2c_app;
