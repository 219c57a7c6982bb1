-- Customers: who we sell to, with the master data every later stage relies on (VAT id for
-- invoices, IBANs for cash application, contacts and preferred channel for dunning, segment
-- and free attributes for choosing a dunning policy, parent company for group exposure).

create table customer (
  tenant_id uuid not null references tenant,
  id uuid not null,
  number text not null check (number <> '' and length(number) <= 64),
  legal_name text not null check (legal_name <> ''),
  trading_names text[] not null default '{}',
  country char(2),
  vat_id text,
  coc_number text,
  segment text not null default 'small_business'
    check (segment in ('consumer', 'small_business', 'enterprise', 'public_sector')),
  attributes jsonb not null default '{}',
  language text not null default 'nl',
  preferred_channel text not null default 'email'
    check (preferred_channel in ('email', 'sms', 'whatsapp', 'letter', 'phone')),
  currency char(3) not null default 'EUR',
  payment_terms_days integer not null default 30 check (payment_terms_days between 0 and 365),
  parent_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, number),
  foreign key (tenant_id, parent_id) references customer,
  check (parent_id is null or parent_id <> id)
);
create index customer_by_parent on customer (tenant_id, parent_id) where parent_id is not null;
create index customer_by_name on customer (tenant_id, lower(legal_name));
select o2c_protect('customer');

create table customer_address (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  kind text not null default 'billing' check (kind in ('billing', 'shipping', 'visiting')),
  lines text[] not null,
  postal_code text not null default '',
  city text not null default '',
  country char(2) not null,
  position integer not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer on delete cascade
);
create index customer_address_by_customer on customer_address (tenant_id, customer_id);
select o2c_protect('customer_address');

create table customer_contact (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  name text not null default '',
  email text,
  phone text,
  language text not null default 'nl',
  preferred_channel text not null default 'email'
    check (preferred_channel in ('email', 'sms', 'whatsapp', 'letter', 'phone')),
  roles text[] not null default '{}',
  position integer not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer on delete cascade
);
create index customer_contact_by_customer on customer_contact (tenant_id, customer_id);
select o2c_protect('customer_contact');

-- Cash application finds the payer by IBAN, so IBANs are rows with an index, not a list.
create table customer_iban (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  iban text not null check (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$'),
  bic text,
  account_holder text,
  source text not null default 'master_data' check (source in ('master_data', 'learned')),
  position integer not null,
  primary key (tenant_id, id),
  unique (tenant_id, customer_id, iban),
  foreign key (tenant_id, customer_id) references customer on delete cascade
);
create index customer_iban_by_iban on customer_iban (tenant_id, iban);
select o2c_protect('customer_iban');
