-- Cash application, part two (issue 6): what the matching decided for each bank transaction,
-- the ranked candidates it offered, what was applied (a payment, its allocations and
-- write-offs, one journal entry) and what was undone, and what people taught it. A worklist
-- lists, accepts, rejects and re-does on these tables. Applying reuses the payments and
-- invoicing tables; undoing adds rows that name what they undo (DESIGN.md: issued things are
-- corrected by adding things), so the two payments tables learn to be reversed here too.

-- One bank transaction: a bank entry, or one part (camt TxDtls) of a batch entry. The
-- counterparty and references are the transaction's own (a batch's parts have their own),
-- kept so that a return can find the credit it returns.
create table bank_transaction (
  tenant_id uuid not null references tenant,
  id uuid not null,
  bank_entry_id uuid not null,
  -- 0 for an entry that is one transaction; the detail's position for a batch entry's parts.
  transaction_index integer not null check (transaction_index >= 0),
  amount_minor bigint not null check (amount_minor >= 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  sign char(1) not null check (sign in ('C', 'D')),
  booked_on date,
  end_to_end_id text,
  mandate_id text,
  counterparty_name text,
  counterparty_iban text,
  return_reason text,
  -- What the matching engine answered the last time it was asked (auto, suggested, unmatched),
  -- and its notes when they are not the first candidate's reasons.
  decision text not null check (decision in ('auto', 'suggested', 'unmatched')),
  notes jsonb not null default '[]' check (jsonb_typeof(notes) = 'array'),
  -- Where the transaction stands now:
  --   applied    a live cash_application holds it (by the matching, or a person)
  --   suggested  candidates wait for a person
  --   unmatched  nothing to go on
  --   reversal   a return or reversal that undid the applied transaction it names
  --   returned   was applied, then undone by a return (reversed_by_transaction_id)
  --   ignored    a person said it needs no application (bank costs, own transfers)
  status text not null
    check (status in ('applied', 'suggested', 'unmatched', 'reversal', 'returned', 'ignored')),
  reverses_transaction_id uuid,
  matched_at timestamptz not null,
  matched_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, bank_entry_id) references bank_entry,
  foreign key (tenant_id, reverses_transaction_id) references bank_transaction,
  unique (tenant_id, bank_entry_id, transaction_index),
  check ((status = 'reversal') = (reverses_transaction_id is not null))
);
create index bank_transaction_by_status on bank_transaction (tenant_id, status);
-- A return finds the credit it returns by end-to-end id, by mandate, or by amount and payer.
create index bank_transaction_by_end_to_end on bank_transaction (tenant_id, end_to_end_id)
  where end_to_end_id is not null;
create index bank_transaction_by_mandate on bank_transaction (tenant_id, mandate_id)
  where mandate_id is not null;
create index bank_transaction_by_payer on bank_transaction (tenant_id, counterparty_iban, amount_minor)
  where counterparty_iban is not null;
select o2c_protect('bank_transaction');

-- The candidates the matching offered, best first (rank 1), as the engine gave them:
-- allocations and write-offs are JSON arrays in the API's shape with minor units as strings
-- ([{"invoice_id": "…", "amount_minor": "12100"}], write-offs with "kind"). Replaced whole when
-- the transaction is matched again.
create table bank_transaction_candidate (
  tenant_id uuid not null references tenant,
  bank_transaction_id uuid not null,
  rank smallint not null check (rank between 1 and 20),
  customer_id uuid not null,
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  payment_minor bigint not null check (payment_minor >= 0),
  unapplied_minor bigint not null check (unapplied_minor >= 0),
  confidence numeric(4, 3) not null check (confidence between 0 and 1),
  reasons jsonb not null check (jsonb_typeof(reasons) = 'array'),
  allocations jsonb not null check (jsonb_typeof(allocations) = 'array'),
  write_offs jsonb not null check (jsonb_typeof(write_offs) = 'array'),
  primary key (tenant_id, bank_transaction_id, rank),
  foreign key (tenant_id, bank_transaction_id) references bank_transaction,
  foreign key (tenant_id, customer_id) references customer
);
select o2c_protect('bank_transaction_candidate');

-- One application of a bank transaction: the payment it recorded for the customer, the one
-- journal entry that booked it, and (in cash_application_line) what it settled. Undoing it
-- (unapplyEntry, or a return) fills the reversal columns; at most one live application per
-- transaction.
create table cash_application (
  tenant_id uuid not null references tenant,
  id uuid not null,
  bank_transaction_id uuid not null,
  customer_id uuid not null,
  payment_id uuid not null,
  journal_entry_id uuid not null,
  -- In the invoices' currency (the payment converted at the tenant's rate when the bank's
  -- currency differs).
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  payment_minor bigint not null check (payment_minor > 0),
  unapplied_minor bigint not null check (unapplied_minor >= 0),
  -- 'matching' when applied automatically, 'person' when a person applied or accepted it.
  applied_by text not null check (applied_by in ('matching', 'person')),
  confidence numeric(4, 3),
  reasons jsonb not null default '[]' check (jsonb_typeof(reasons) = 'array'),
  created_at timestamptz not null,
  created_by text not null,
  reversed_at timestamptz,
  reversed_by text,
  reversal_reason text check (length(reversal_reason) <= 500),
  reversal_journal_entry_id uuid,
  -- The return (or reversal) that undid it, when a bank transaction did.
  reversed_by_transaction_id uuid,
  primary key (tenant_id, id),
  foreign key (tenant_id, bank_transaction_id) references bank_transaction,
  foreign key (tenant_id, customer_id) references customer,
  foreign key (tenant_id, payment_id) references payment,
  foreign key (tenant_id, journal_entry_id) references journal_entry,
  foreign key (tenant_id, reversal_journal_entry_id) references journal_entry,
  foreign key (tenant_id, reversed_by_transaction_id) references bank_transaction,
  check ((reversed_at is null) = (reversal_journal_entry_id is null)),
  check ((reversed_at is null) = (reversed_by is null))
);
create unique index cash_application_live on cash_application (tenant_id, bank_transaction_id)
  where reversed_at is null;
create index cash_application_by_transaction on cash_application (tenant_id, bank_transaction_id);
create index cash_application_by_payment on cash_application (tenant_id, payment_id);
select o2c_protect('cash_application');

-- What an application settled, invoice by invoice: the payment's allocation, or a write-off
-- (discount, bank fee, small difference) that closes the invoice without cash; each with the
-- invoice settlement it made.
create table cash_application_line (
  tenant_id uuid not null references tenant,
  cash_application_id uuid not null,
  line_no integer not null check (line_no >= 1),
  kind text not null check (kind in ('payment', 'discount', 'bank_fee', 'small_difference')),
  invoice_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  settlement_id uuid not null,
  primary key (tenant_id, cash_application_id, line_no),
  foreign key (tenant_id, cash_application_id) references cash_application,
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, settlement_id) references invoice_settlement
);
create index cash_application_line_by_invoice on cash_application_line (tenant_id, invoice_id);
select o2c_protect('cash_application_line');

-- Taught by people's manual matches: this IBAN, or this payer name (normalised), pays for that
-- customer. The matching reads them as learned links; the last teaching wins.
create table bank_payer_link (
  tenant_id uuid not null references tenant,
  kind text not null check (kind in ('iban', 'payer_name')),
  key text not null check (key <> '' and length(key) <= 200),
  customer_id uuid not null,
  taught_at timestamptz not null,
  taught_by text not null,
  primary key (tenant_id, kind, key),
  foreign key (tenant_id, customer_id) references customer
);
select o2c_protect('bank_payer_link');

-- The tenant's tolerances for automatic write-offs; no row: the matching's defaults
-- (src/modules/cashapp/matching/model.ts defaultMatchSettings).
create table cash_application_settings (
  tenant_id uuid primary key references tenant,
  small_difference_minor_max bigint not null check (small_difference_minor_max >= 0),
  bank_fee_minor_max bigint not null check (bank_fee_minor_max >= 0),
  bank_fee_percent_max integer not null check (bank_fee_percent_max between 0 and 100),
  discount_grace_days integer not null check (discount_grace_days between 0 and 60),
  advice_days_max integer not null check (advice_days_max between 0 and 90),
  updated_at timestamptz not null,
  version integer not null default 1
);
select o2c_protect('cash_application_settings');

-- Payments learn to be undone by adding rows. An allocation is undone by one of the opposite
-- amount that names it (with the settlement reversal it made); a payment whose money turned
-- out not to be the customer's (a wrong match undone, a returned direct debit) is marked by a
-- payment_reversal row, after which none of it is the customer's unapplied cash.
alter table payment_allocation add column reverses_allocation_id uuid;
alter table payment_allocation drop constraint payment_allocation_amount_minor_check;
alter table payment_allocation add constraint payment_allocation_amount_minor_check
  check (amount_minor <> 0 and (amount_minor < 0) = (reverses_allocation_id is not null));
alter table payment_allocation add constraint payment_allocation_reverses_fkey
  foreign key (tenant_id, reverses_allocation_id) references payment_allocation;
alter table payment_allocation add constraint payment_allocation_reversed_once
  unique (tenant_id, reverses_allocation_id);

create table payment_reversal (
  tenant_id uuid not null references tenant,
  payment_id uuid not null,
  reason text not null check (reason <> '' and length(reason) <= 500),
  journal_entry_id uuid,
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, payment_id),
  foreign key (tenant_id, payment_id) references payment,
  foreign key (tenant_id, journal_entry_id) references journal_entry
);
select o2c_protect('payment_reversal');
revoke update, delete on payment_reversal from o2c_app;
