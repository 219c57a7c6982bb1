-- The ledger: a double-entry journal that invoicing, cash application, collections and
-- write-offs post to (DESIGN.md: every money movement is booked). This first piece holds the
-- chart of accounts, journal entries and their lines. Each entry sums to zero per currency;
-- the service checks it, and the database enforces it at commit with a deferred constraint
-- trigger, so a posting that bypasses the service cannot unbalance the books either.
-- Posted lines never change: a mistake is corrected by a reversing entry.

create table account (
  tenant_id uuid not null references tenant,
  id uuid not null,
  code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$'),
  name text not null check (name <> '' and length(name) <= 200),
  kind text not null check (kind in ('asset', 'liability', 'equity', 'revenue', 'expense')),
  -- What the account is for ('receivable', 'vat_payable_21', …): how postings find it, so a
  -- tenant can renumber its chart. At most one account per purpose.
  purpose text check (purpose ~ '^[a-z0-9_]{1,64}$'),
  active boolean not null default true,
  created_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, code),
  unique (tenant_id, purpose)
);
select o2c_protect('account');

create table journal_entry (
  tenant_id uuid not null references tenant,
  id uuid not null,
  posted_on date not null,
  description text not null check (description <> '' and length(description) <= 500),
  -- What caused the entry: ('invoice', its id), ('credit_note', …), ('journal_entry', …).
  source_type text not null check (source_type ~ '^[a-z0-9_]{1,64}$'),
  source_id text not null check (source_id <> '' and length(source_id) <= 200),
  -- A reversal names the entry it reverses; an entry is reversed at most once.
  reverses_entry_id uuid,
  reason text check (length(reason) <= 500),
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, id),
  unique (tenant_id, reverses_entry_id),
  foreign key (tenant_id, reverses_entry_id) references journal_entry
);
create index journal_entry_by_date on journal_entry (tenant_id, posted_on);
create index journal_entry_by_source on journal_entry (tenant_id, source_type, source_id);
select o2c_protect('journal_entry');

create table journal_line (
  tenant_id uuid not null references tenant,
  entry_id uuid not null,
  line_no integer not null check (line_no >= 1),
  account_code text not null,
  debit_minor bigint not null default 0,
  credit_minor bigint not null default 0,
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  customer_id uuid,
  primary key (tenant_id, entry_id, line_no),
  foreign key (tenant_id, entry_id) references journal_entry,
  foreign key (tenant_id, account_code) references account (tenant_id, code),
  foreign key (tenant_id, customer_id) references customer,
  -- Exactly one side of a line carries a positive amount, the other is zero.
  check (debit_minor >= 0 and credit_minor >= 0 and (debit_minor > 0) <> (credit_minor > 0))
);
create index journal_line_by_account on journal_line (tenant_id, account_code, currency);
create index journal_line_by_customer on journal_line (tenant_id, customer_id)
  where customer_id is not null;
select o2c_protect('journal_line');

-- The journal is append-only for the application.
revoke update, delete on journal_entry from o2c_app;
revoke update, delete on journal_line from o2c_app;

-- At commit, each entry that got lines in the transaction must balance per currency.
create or replace function ledger_check_entry_balanced() returns trigger
language plpgsql as $$
declare
  unbalanced record;
begin
  select l.currency, sum(l.debit_minor) as debit, sum(l.credit_minor) as credit
    into unbalanced
    from journal_line l
    where l.tenant_id = new.tenant_id and l.entry_id = new.entry_id
    group by l.currency
    having sum(l.debit_minor) <> sum(l.credit_minor)
    limit 1;
  if found then
    raise exception 'journal entry % does not balance in %: debit % <> credit %',
      new.entry_id, unbalanced.currency, unbalanced.debit, unbalanced.credit
      using errcode = 'check_violation', constraint = 'journal_entry_balanced';
  end if;
  return null;
end $$;

create constraint trigger journal_entry_balanced
  after insert on journal_line
  deferrable initially deferred
  for each row execute function ledger_check_entry_balanced();

-- At commit, an entry must have lines: an entry without any would balance vacuously.
create or replace function ledger_check_entry_has_lines() returns trigger
language plpgsql as $$
begin
  if not exists (
    select 1 from journal_line l where l.tenant_id = new.tenant_id and l.entry_id = new.id
  ) then
    raise exception 'journal entry % has no lines', new.id
      using errcode = 'check_violation', constraint = 'journal_entry_has_lines';
  end if;
  return null;
end $$;

create constraint trigger journal_entry_has_lines
  after insert on journal_entry
  deferrable initially deferred
  for each row execute function ledger_check_entry_has_lines();
