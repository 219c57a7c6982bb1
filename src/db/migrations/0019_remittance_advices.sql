-- Cash application: remittance advices, the customer's own statement of what a payment covers
-- (issue 6). They arrive as CSV or spreadsheet exports, mail bodies, PDF text or API calls, and
-- the matching reads them as its strongest signal: an advice is linked to a bank entry by
-- currency, exact amount, date and payer, and its lines name the invoices and amounts.
--
-- An advice is kept as read: its lines, its total (stated, else their sum) and where it came
-- from. The same file received twice (by its SHA-256) is recognised and not stored again
-- (DESIGN.md invariant 7). Its status moves open → linked (the matching tied it to a bank
-- entry that awaits a person) → used (a payment was applied with it); an advice that is used
-- is no longer offered to the matching.
create table remittance_advice (
  tenant_id uuid not null references tenant,
  id uuid not null,
  source text not null check (source in ('csv', 'email', 'pdf', 'api')),
  payer_name text check (length(payer_name) between 1 and 200),
  -- Electronic format, checked by its check digits when read.
  payer_iban text check (payer_iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$'),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  amount_minor bigint not null check (amount_minor > 0),
  -- Whether the advice stated its total; if not, amount_minor is the sum of its lines.
  total_stated boolean not null,
  advice_date date not null,
  file_name text not null check (length(file_name) between 1 and 255),
  -- SHA-256 (hex) of the file's bytes, or of the canonical JSON of an API advice.
  content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
  -- For mail: the sender's address, so a clerk can see who sent it.
  sender text check (length(sender) <= 320),
  status text not null default 'open' check (status in ('open', 'linked', 'used')),
  bank_entry_id uuid,
  status_changed_at timestamptz,
  status_changed_by text,
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, bank_entry_id) references bank_entry,
  unique (tenant_id, content_hash),
  check ((status = 'open') = (bank_entry_id is null))
);
-- The matching loads the advices not yet used, every run, within the dates of its entries.
create index remittance_advice_unused on remittance_advice (tenant_id, advice_date)
  where status <> 'used';
create index remittance_advice_by_bank_entry on remittance_advice (tenant_id, bank_entry_id)
  where bank_entry_id is not null;
select o2c_protect('remittance_advice');

-- One invoice of an advice and the amount paid on it, in the advice's currency; negative for
-- a credit note the customer deducted. `line` is where it stood in the file.
create table remittance_advice_line (
  tenant_id uuid not null references tenant,
  remittance_advice_id uuid not null,
  position integer not null check (position >= 0),
  invoice_number text not null check (length(invoice_number) between 1 and 100),
  amount_minor bigint not null,
  line integer not null check (line >= 1),
  primary key (tenant_id, remittance_advice_id, position),
  foreign key (tenant_id, remittance_advice_id) references remittance_advice
);
select o2c_protect('remittance_advice_line');
