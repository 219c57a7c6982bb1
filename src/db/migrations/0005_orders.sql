-- Orders and shipments (order management): what a customer ordered, priced exactly per line
-- with the VAT category and rate EN 16931 needs later on the invoice; how far the order got
-- (status, credit hold with its reasons and the analyst's decision, prepayment); and what left
-- the warehouse, per order line, so that invoicing can bill what was shipped and not yet
-- invoiced (shipment_line.invoiced_quantity is the column invoicing fills).

-- Order numbers are human and increasing per tenant. One counter row per tenant, bumped with
-- UPDATE … RETURNING: concurrent creations queue on the row and get consecutive numbers.
create table order_number_counter (
  tenant_id uuid primary key references tenant,
  last_number integer not null check (last_number > 0)
);
select o2c_protect('order_number_counter');

-- "order" is an SQL keyword, hence sales_order.
create table sales_order (
  tenant_id uuid not null references tenant,
  id uuid not null,
  number integer not null check (number > 0),
  customer_id uuid not null,
  customer_reference text not null default '' check (length(customer_reference) <= 100),
  currency char(3) not null,
  payment_terms_days integer not null check (payment_terms_days between 0 and 365),
  requested_delivery_date date,
  requires_prepayment boolean not null default false,
  status text not null default 'draft' check (status in ('draft', 'credit_hold', 'confirmed',
    'partially_shipped', 'shipped', 'invoiced', 'closed', 'cancelled')),
  net_minor bigint not null default 0,
  vat_minor bigint not null default 0,
  gross_minor bigint not null default 0,
  -- Prepayments received so far (order_prepayment sums to this); paid_at is when they first
  -- covered the gross amount.
  prepaid_minor bigint not null default 0 check (prepaid_minor >= 0),
  paid_at timestamptz,
  -- The CSV import's order_ref, so that importing the same file twice creates nothing twice.
  source_reference text,
  confirmed_at timestamptz,
  shipped_at timestamptz,
  invoiced_at timestamptz,
  closed_at timestamptz,
  cancelled_at timestamptz,
  cancel_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, number),
  foreign key (tenant_id, customer_id) references customer,
  check (gross_minor = net_minor + vat_minor),
  check (requires_prepayment or prepaid_minor = 0),
  check (paid_at is null or (requires_prepayment and prepaid_minor >= gross_minor)),
  check ((status = 'cancelled') = (cancelled_at is not null)),
  check (status <> 'cancelled' or coalesce(cancel_reason, '') <> ''),
  check (status in ('draft', 'credit_hold', 'cancelled') or confirmed_at is not null)
);
create index sales_order_by_customer on sales_order (tenant_id, customer_id, status);
create index sales_order_by_status on sales_order (tenant_id, status, id);
create unique index sales_order_by_source_reference on sales_order (tenant_id, source_reference)
  where source_reference is not null;
select o2c_protect('sales_order');

-- Quantities have up to 4 decimals (kilograms, hours); rates and percentages up to 4.
-- net_minor is lineNetMinor(quantity, unit price, discount): rounded once, per line (BT-131).
create table sales_order_line (
  tenant_id uuid not null references tenant,
  id uuid not null,
  order_id uuid not null,
  line_number integer not null check (line_number > 0),
  item_code text not null check (item_code <> '' and length(item_code) <= 64),
  description text not null default '' check (length(description) <= 500),
  quantity numeric(18, 4) not null check (quantity > 0),
  unit text not null check (unit <> '' and length(unit) <= 16),
  unit_price_minor bigint not null check (unit_price_minor >= 0),
  discount_percent numeric(7, 4) not null default 0 check (discount_percent between 0 and 100),
  -- EN 16931 VAT category codes (UNCL5305 subset): only S carries a rate above zero.
  vat_category text not null check (vat_category in ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')),
  vat_rate numeric(7, 4) not null check (vat_rate >= 0 and vat_rate < 100),
  net_minor bigint not null check (net_minor >= 0),
  -- What left on shipments that were shipped (registered parcels not yet counted).
  shipped_quantity numeric(18, 4) not null default 0
    check (shipped_quantity >= 0 and shipped_quantity <= quantity),
  primary key (tenant_id, id),
  unique (tenant_id, order_id, line_number),
  foreign key (tenant_id, order_id) references sales_order on delete cascade,
  check ((vat_category = 'S') = (vat_rate > 0))
);
select o2c_protect('sales_order_line');

-- A credit hold names its reasons as the credit module gave them; the analyst's decision
-- (release or reject, who, when, why) is kept beside it. An order is held at most once: it
-- can only be held when confirmed from draft, and it never returns to draft.
create table order_credit_hold (
  tenant_id uuid not null references tenant,
  id uuid not null,
  order_id uuid not null,
  reasons jsonb not null check (jsonb_typeof(reasons) = 'array' and jsonb_array_length(reasons) > 0),
  credit_check jsonb not null,
  held_at timestamptz not null,
  outcome text check (outcome in ('released', 'rejected')),
  decided_at timestamptz,
  decided_by_id text,
  decided_by_name text,
  decision_reason text,
  primary key (tenant_id, id),
  unique (tenant_id, order_id),
  foreign key (tenant_id, order_id) references sales_order on delete cascade,
  check ((outcome is null) = (decided_at is null)),
  check (outcome is null or (coalesce(decision_reason, '') <> '' and decided_by_name is not null))
);
create index order_credit_hold_open on order_credit_hold (tenant_id, id) where outcome is null;
select o2c_protect('order_credit_hold');

create table order_prepayment (
  tenant_id uuid not null references tenant,
  id uuid not null,
  order_id uuid not null,
  reference text not null check (reference <> '' and length(reference) <= 140),
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  received_at timestamptz not null,
  recorded_by text not null,
  primary key (tenant_id, id),
  unique (tenant_id, order_id, reference),
  foreign key (tenant_id, order_id) references sales_order
);
select o2c_protect('order_prepayment');

-- A shipment is one parcel (or pallet) for one order: registered when the label is made,
-- shipped when the carrier has it, delivered when the customer has it.
create table shipment (
  tenant_id uuid not null references tenant,
  id uuid not null,
  order_id uuid not null,
  customer_id uuid not null,
  carrier text not null default '' check (length(carrier) <= 40),
  tracking_number text check (tracking_number <> '' and length(tracking_number) <= 64),
  tracking_url text check (length(tracking_url) <= 500),
  status text not null check (status in ('registered', 'shipped', 'delivered')),
  shipped_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, order_id) references sales_order,
  foreign key (tenant_id, customer_id) references customer,
  check ((status = 'registered') = (shipped_at is null)),
  check ((status = 'delivered') = (delivered_at is not null))
);
-- Carrier events name a parcel by its tracking number only.
create unique index shipment_by_tracking_number on shipment (tenant_id, tracking_number)
  where tracking_number is not null;
create index shipment_by_order on shipment (tenant_id, order_id);
create index shipment_by_customer on shipment (tenant_id, customer_id, id);
select o2c_protect('shipment');

-- invoiced_quantity is filled by invoicing (through recordInvoicedQuantities in the orders
-- module): what of this shipped quantity is on an invoice. Shipped and not yet invoiced is
-- quantity - invoiced_quantity on a shipped or delivered shipment.
create table shipment_line (
  tenant_id uuid not null references tenant,
  id uuid not null,
  shipment_id uuid not null,
  order_id uuid not null,
  order_line_id uuid not null,
  quantity numeric(18, 4) not null check (quantity > 0),
  invoiced_quantity numeric(18, 4) not null default 0
    check (invoiced_quantity >= 0 and invoiced_quantity <= quantity),
  primary key (tenant_id, id),
  unique (tenant_id, shipment_id, order_line_id),
  foreign key (tenant_id, shipment_id) references shipment,
  foreign key (tenant_id, order_line_id) references sales_order_line,
  foreign key (tenant_id, order_id) references sales_order
);
create index shipment_line_by_order_line on shipment_line (tenant_id, order_line_id);
create index shipment_line_uninvoiced on shipment_line (tenant_id, id)
  where invoiced_quantity < quantity;
select o2c_protect('shipment_line');
