-- The people's side of cash application (issue 6): a person rejects a suggested candidate,
-- and a re-match must not offer it again. Candidates are replaced whole each time a
-- transaction is matched (0018), so what was rejected is kept apart, named by the
-- candidate's identity: the customer and the invoices it settles. A bank transaction also
-- gets a version, so a person's act can say which state of the worklist row it was made on
-- (If-Match) and two people, or a person and a re-match, cannot act on what they did not see.

create table bank_transaction_rejection (
  tenant_id uuid not null references tenant,
  id uuid not null,
  bank_transaction_id uuid not null,
  customer_id uuid not null,
  -- The invoices the candidate settles (allocations and write-offs), their ids sorted and
  -- joined by commas; '' for a candidate that only puts the money on the customer's account.
  invoice_key text not null,
  -- The candidate as it was offered (rank, payment, allocations, write-offs, confidence,
  -- reasons; minor units as strings), so the record shows what was turned down.
  candidate jsonb not null check (jsonb_typeof(candidate) = 'object'),
  reason text not null check (reason <> '' and length(reason) <= 500),
  rejected_at timestamptz not null,
  rejected_by text not null,
  primary key (tenant_id, id),
  unique (tenant_id, bank_transaction_id, customer_id, invoice_key),
  foreign key (tenant_id, bank_transaction_id) references bank_transaction,
  foreign key (tenant_id, customer_id) references customer
);
select o2c_protect('bank_transaction_rejection');
revoke update, delete on bank_transaction_rejection from o2c_app;

-- Every change of a bank transaction (matched again, applied, un-applied, rejected) moves its
-- version on; a trigger, because the bulk statements of a run change thousands at once.
alter table bank_transaction add column version integer not null default 1;

create or replace function bank_transaction_next_version() returns trigger
language plpgsql as $$
begin
  new.version := old.version + 1;
  return new;
end;
$$;

create trigger bank_transaction_versioned before update on bank_transaction
  for each row execute function bank_transaction_next_version();
