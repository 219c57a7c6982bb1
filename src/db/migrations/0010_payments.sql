-- Payments: money received from customers and what it was allocated to, the public pay page
-- of each issued invoice, and the payments started there at a payment provider (Mollie).
-- A payment's unallocated amount is derived (amount − allocations), never stored, the same way
-- an invoice's open amount is (DESIGN.md invariant 4). What is unallocated is unapplied cash
-- on the customer, in the ledger as well (account purpose unapplied_cash).

-- Per tenant: the secret that signs pay-page links, and the payment provider's API key. Both
-- are written by the payments module only and never leave it: the key is not shown again.
create table payment_settings (
  tenant_id uuid primary key references tenant,
  -- HMAC-SHA256 key of the pay-page tokens; a new one invalidates every link given out.
  pay_link_secret bytea not null check (length(pay_link_secret) = 32),
  pay_link_secret_created_at timestamptz not null,
  provider text check (provider in ('mollie')),
  provider_api_key text check (length(provider_api_key) between 1 and 200),
  provider_configured_at timestamptz,
  updated_at timestamptz not null,
  version integer not null default 1,
  check ((provider is null) = (provider_api_key is null))
);
select o2c_protect('payment_settings');

create table payment (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  received_on date not null,
  -- ideal, card, bank_transfer, bancontact, paypal, direct_debit, …
  method text not null check (method ~ '^[a-z0-9_]{1,40}$'),
  source text not null check (source in ('pay_page', 'bank', 'manual')),
  -- The provider's id of the payment ('tr_…' at Mollie): one payment per provider payment.
  provider text check (provider ~ '^[a-z0-9_]{1,40}$'),
  provider_payment_id text check (length(provider_payment_id) between 1 and 200),
  payer_name text check (length(payer_name) <= 200),
  payer_iban text check (payer_iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$'),
  reference text check (length(reference) <= 140),
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer,
  unique (tenant_id, provider, provider_payment_id),
  check ((provider is null) = (provider_payment_id is null))
);
create index payment_by_customer on payment (tenant_id, customer_id, id);
select o2c_protect('payment');
revoke update, delete on payment from o2c_app;

-- A part of a payment applied to an invoice, and the invoice settlement it made.
create table payment_allocation (
  tenant_id uuid not null references tenant,
  id uuid not null,
  payment_id uuid not null,
  invoice_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  settlement_id uuid not null,
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, payment_id) references payment,
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, settlement_id) references invoice_settlement,
  unique (tenant_id, settlement_id)
);
create index payment_allocation_by_payment on payment_allocation (tenant_id, payment_id);
create index payment_allocation_by_invoice on payment_allocation (tenant_id, invoice_id);
select o2c_protect('payment_allocation');
revoke update, delete on payment_allocation from o2c_app;

-- A payment started at the provider from a pay page ("pay now"). Its status follows the
-- provider's, fetched back when the provider calls our webhook; payment_id is set once, when
-- the provider says it is paid and we recorded the payment.
create table checkout (
  tenant_id uuid not null references tenant,
  id uuid not null,
  invoice_id uuid not null,
  provider text not null check (provider ~ '^[a-z0-9_]{1,40}$'),
  provider_payment_id text not null check (length(provider_payment_id) between 1 and 200),
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  status text not null check (status in ('open', 'pending', 'paid', 'failed', 'canceled', 'expired')),
  checkout_url text not null check (length(checkout_url) <= 2000),
  payment_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, payment_id) references payment,
  unique (tenant_id, provider, provider_payment_id),
  unique (tenant_id, payment_id),
  check (payment_id is null or status = 'paid')
);
create index checkout_by_invoice on checkout (tenant_id, invoice_id, created_at);
select o2c_protect('checkout');

-- When a visit to an invoice's pay page was last put on its timeline: at most one 'opened'
-- step per invoice a minute, so reloading the page does not flood the timeline and webhooks.
create table pay_page_visit (
  tenant_id uuid not null references tenant,
  invoice_id uuid not null,
  recorded_at timestamptz not null,
  primary key (tenant_id, invoice_id),
  foreign key (tenant_id, invoice_id) references invoice
);
select o2c_protect('pay_page_visit');
