-- Cash application, part one: the bank statements a tenant imports (camt.053/054, MT940, CSV),
-- kept as the bank sent them, so that matching (later) works on stored entries and a
-- statement reads back whole. Re-importing a statement, or a statement that overlaps an
-- earlier one, must create no second entry for the same transaction (DESIGN.md invariant 7):
-- each entry carries an identity (see src/modules/cashapp/entry-identity.ts), unique per
-- account, and a statement lists its entries through bank_statement_entry, which may point at
-- an entry an earlier statement brought.

-- The tenant's own bank accounts, found or created by the statements that name them: by IBAN,
-- else by the bank's account number (MT940 :25:, camt Othr/Id), and the currency.
create table bank_account (
  tenant_id uuid not null references tenant,
  id uuid not null,
  -- As the bank writes them (the parsers normalise; no check here turns a bank's odd
  -- account id into a failed import).
  iban text check (length(iban) >= 1),
  number text check (length(number) >= 1),
  -- What the account is found by: its IBAN, else its number.
  account_key text generated always as (coalesce(iban, number)) stored,
  currency char(3) check (currency ~ '^[A-Z]{3}$'),
  name text check (length(name) <= 200),
  -- For CSV statements: which column holds what (set when a CSV mapping is saved).
  csv_mapping jsonb,
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, id),
  check (iban is not null or number is not null)
);
create unique index bank_account_by_key on bank_account (tenant_id, account_key, currency)
  nulls not distinct;
select o2c_protect('bank_account');

-- One statement (camt Stmt/Ntfctn, MT940 :20: … :62:) as imported. Balances are unsigned
-- minor units of the account's currency plus the bank's sign, as the file has them; a
-- balance is null when the file has none. difference_minor is closing − (opening + signed
-- entries) when both balances are known and signed.
create table bank_statement (
  tenant_id uuid not null references tenant,
  id uuid not null,
  bank_account_id uuid not null,
  format text not null check (length(format) between 1 and 40),
  statement_id text,
  statement_number text,
  currency char(3) check (currency ~ '^[A-Z]{3}$'),
  opening_amount_minor bigint check (opening_amount_minor >= 0),
  opening_sign char(1) check (opening_sign in ('C', 'D')),
  opening_date date,
  closing_amount_minor bigint check (closing_amount_minor >= 0),
  closing_sign char(1) check (closing_sign in ('C', 'D')),
  closing_date date,
  balance_check text not null check (balance_check in ('ok', 'mismatch', 'not_applicable')),
  -- Imported although it does not balance (--allow-unbalanced): kept, flagged, with the
  -- difference, so that nobody takes its balances for the bank's word.
  unbalanced boolean not null,
  difference_minor bigint,
  entry_count integer not null check (entry_count >= 0),
  -- A digest of the statement as read (account, ids, balances, entry identities): the same
  -- statement imported again is recognised and not stored twice.
  content_digest text not null,
  file_name text not null check (length(file_name) between 1 and 255),
  import_id uuid not null,
  imported_at timestamptz not null,
  imported_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, bank_account_id) references bank_account,
  check (unbalanced = (balance_check = 'mismatch')),
  check ((difference_minor is null) = (balance_check = 'not_applicable'))
);
create index bank_statement_by_account on bank_statement (tenant_id, bank_account_id, id);
create index bank_statement_by_digest on bank_statement (tenant_id, bank_account_id, content_digest);
select o2c_protect('bank_statement');

-- One bank transaction, once per account however many statements carried it. The statement
-- and position are those of the statement that brought it first. Amounts: unsigned minor
-- units of `currency` and the sign as the bank gives them (C credit, D debit; a reversal keeps
-- the sign of its own booking), and signed_minor (credit positive) for the matching to sum.
create table bank_entry (
  tenant_id uuid not null references tenant,
  id uuid not null,
  bank_account_id uuid not null,
  bank_statement_id uuid not null,
  position integer not null check (position >= 0),
  -- See src/modules/cashapp/entry-identity.ts: the fields that say "this is that transaction".
  identity text not null,
  booking_date date,
  value_date date,
  amount_minor bigint not null check (amount_minor >= 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  sign char(1) not null check (sign in ('C', 'D')),
  signed_minor bigint generated always as
    (case when sign = 'C' then amount_minor else -amount_minor end) stored,
  reversal boolean not null,
  bank_reference text,
  customer_reference text,
  end_to_end_id text,
  mandate_id text,
  counterparty_name text,
  counterparty_iban text,
  counterparty_bic text,
  remittance_unstructured text,
  remittance_structured_reference text,
  bank_transaction_code text,
  return_reason text,
  -- The transactions of a batch entry (camt TxDtls), in the shape of the API.
  details jsonb not null default '[]',
  -- Filled by the matching (not built yet): unmatched until then.
  status text not null default 'unmatched'
    check (status in ('unmatched', 'suggested', 'applied', 'ignored')),
  matched_at timestamptz,
  matched_by text,
  created_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, bank_account_id) references bank_account,
  foreign key (tenant_id, bank_statement_id) references bank_statement,
  unique (tenant_id, bank_account_id, identity)
);
create index bank_entry_by_status on bank_entry (tenant_id, status, bank_account_id);
select o2c_protect('bank_entry');

-- Which entries a statement lists, in file order; an entry repeated by an overlapping
-- statement is listed by both and stored once.
create table bank_statement_entry (
  tenant_id uuid not null references tenant,
  bank_statement_id uuid not null,
  position integer not null check (position >= 0),
  bank_entry_id uuid not null,
  primary key (tenant_id, bank_statement_id, position),
  foreign key (tenant_id, bank_statement_id) references bank_statement,
  foreign key (tenant_id, bank_entry_id) references bank_entry
);
create index bank_statement_entry_by_entry on bank_statement_entry (tenant_id, bank_entry_id);
select o2c_protect('bank_statement_entry');
