-- Credit control (customer assessment): a credit profile per customer (limit, group limit,
-- risk class, status, review date), external credit reports kept as history, the payment
-- behaviour later stages feed for the internal score, limit decisions under four eyes,
-- reviews, the per-tenant credit policy, and a record of every order credit check.
-- Open receivables are not known until invoicing lands; the credit check reads them from the
-- view customer_receivable_position, defined here over no rows and replaced by invoicing.

-- One row per tenant; a tenant without a row uses the defaults of credit/policy.ts.
create table credit_policy (
  tenant_id uuid primary key references tenant,
  -- A limit increase (or a new limit) above this amount needs a second person to approve.
  four_eyes_threshold_minor bigint not null check (four_eyes_threshold_minor >= 0),
  currency char(3) not null,
  -- The order credit check holds an order when the oldest open item is overdue longer.
  overdue_days_max integer not null check (overdue_days_max between 0 and 3650),
  -- The next review date a completed review proposes when the analyst names none.
  review_interval_days integer not null check (review_interval_days between 1 and 1830),
  updated_at timestamptz not null,
  version integer not null default 1
);
select o2c_protect('credit_policy');

-- One profile per customer, so the customer's id is the profile's. No row: no limit set.
create table credit_profile (
  tenant_id uuid not null references tenant,
  customer_id uuid not null,
  -- The currency of the limits: the customer's currency when the profile was made.
  currency char(3) not null,
  credit_limit_minor bigint check (credit_limit_minor >= 0),
  -- Only on a group's top parent: the limit for the exposure of the whole group.
  group_credit_limit_minor bigint check (group_credit_limit_minor >= 0),
  risk_class char(1) check (risk_class in ('A', 'B', 'C', 'D', 'E')),
  credit_status text not null default 'ok'
    check (credit_status in ('ok', 'watch', 'hold', 'blocked')),
  next_review_date date,
  last_review_date date,
  requires_prepayment boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, customer_id),
  foreign key (tenant_id, customer_id) references customer
);
create index credit_profile_by_review on credit_profile (tenant_id, next_review_date)
  where next_review_date is not null;
select o2c_protect('credit_profile');

-- Reports from credit bureaus (Graydon, Creditsafe, D&B, …), kept as history: a new report
-- is a new row. One report per customer, bureau and report date.
create table credit_report (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  bureau text not null check (bureau <> '' and length(bureau) <= 100),
  score integer check (score >= 0 and score <= 1000),
  rating text check (length(rating) <= 20),
  recommended_limit_minor bigint check (recommended_limit_minor >= 0),
  currency char(3) not null,
  -- The bureau's payment index on a 0–100 scale (100: pays on time; Paydex-like).
  payment_index integer check (payment_index between 0 and 100),
  report_date date not null,
  source text not null check (source in ('file', 'api')),
  file_name text,
  imported_at timestamptz not null,
  imported_by text not null,
  primary key (tenant_id, id),
  unique (tenant_id, customer_id, bureau, report_date),
  foreign key (tenant_id, customer_id) references customer
);
create index credit_report_by_customer on credit_report (tenant_id, customer_id, report_date);
select o2c_protect('credit_report');

-- Payment behaviour per customer as of a date, fed by the later stages (cash application,
-- collections, disputes) through recordPaymentBehaviour(); the newest row feeds the score.
create table payment_behaviour (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  as_of date not null,
  invoices_paid_count integer not null check (invoices_paid_count >= 0),
  invoices_paid_late_count integer not null
    check (invoices_paid_late_count between 0 and invoices_paid_count),
  -- Average days late of the invoices paid late.
  average_days_late integer not null check (average_days_late >= 0),
  open_overdue_minor bigint not null check (open_overdue_minor >= 0),
  currency char(3) not null,
  disputes_count integer not null check (disputes_count >= 0),
  broken_promises_count integer not null check (broken_promises_count >= 0),
  recorded_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, customer_id, as_of),
  foreign key (tenant_id, customer_id) references customer
);
select o2c_protect('payment_behaviour');

-- A completed review: what the analyst saw and decided, and the next review date.
create table credit_review (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  reviewed_at timestamptz not null,
  reviewed_by text not null,
  reviewed_by_name text not null,
  note text not null check (note <> ''),
  seen jsonb not null,
  risk_class char(1) check (risk_class in ('A', 'B', 'C', 'D', 'E')),
  credit_status text not null check (credit_status in ('ok', 'watch', 'hold', 'blocked')),
  next_review_date date not null,
  limit_decision_id uuid,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer
);
create index credit_review_by_customer on credit_review (tenant_id, customer_id, id);
select o2c_protect('credit_review');

-- A proposed change of a customer's limit and/or group limit. Above the policy's threshold it
-- stays pending until a different person approves; the limit changes only when approved.
create table credit_limit_decision (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  status text not null check (status in ('pending', 'approved', 'rejected')),
  four_eyes_required boolean not null,
  currency char(3) not null,
  -- null: this decision does not change that limit.
  limit_minor bigint check (limit_minor >= 0),
  limit_before_minor bigint,
  group_limit_minor bigint check (group_limit_minor >= 0),
  group_limit_before_minor bigint,
  reason text not null check (reason <> ''),
  -- What the analyst saw when proposing: score, report id, exposure, …
  seen jsonb not null,
  proposed_by text not null,
  proposed_by_name text not null,
  proposed_at timestamptz not null,
  decided_by text,
  decided_by_name text,
  decided_at timestamptz,
  decision_note text,
  review_id uuid,
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer,
  check (limit_minor is not null or group_limit_minor is not null),
  check ((status = 'pending') = (decided_at is null)),
  -- The second pair of eyes is a different person: the proposer never approves their own.
  check (status <> 'approved' or not four_eyes_required or decided_by <> proposed_by)
);
-- One open proposal per customer at a time, so an approval never lands on a stale "before".
create unique index credit_limit_decision_one_pending on credit_limit_decision
  (tenant_id, customer_id) where status = 'pending';
create index credit_limit_decision_by_status on credit_limit_decision (tenant_id, status, id);
select o2c_protect('credit_limit_decision');

-- Every order credit check, approved or held, with the figures it decided on.
create table credit_check (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  order_id uuid not null,
  checked_at timestamptz not null,
  checked_by text not null,
  outcome text not null check (outcome in ('approved', 'hold')),
  reasons jsonb not null,
  order_amount_minor bigint not null,
  order_currency char(3) not null,
  prepayment boolean not null,
  currency char(3) not null,
  limit_minor bigint,
  exposure_minor bigint not null,
  group_root_id uuid,
  group_limit_minor bigint,
  group_exposure_minor bigint,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer
);
create index credit_check_by_order on credit_check (tenant_id, order_id);
create index credit_check_by_customer on credit_check (tenant_id, customer_id, id);
select o2c_protect('credit_check');

-- Open receivables per customer and currency, with the due date of the oldest open item.
-- Nothing is invoiced yet, so for now it has no rows; invoicing will `create or replace` it
-- over its open items. A view runs with its owner's rights unless it is a security_invoker
-- view, and would then bypass row-level security: every definition keeps
-- security_invoker on and filters on the current tenant itself as well.
create view customer_receivable_position with (security_invoker = true) as
  select tenant_id, customer_id, currency, open_minor, oldest_due_date
  from (
    select null::uuid, null::uuid, null::char(3), null::bigint, null::date
  ) as nothing (tenant_id, customer_id, currency, open_minor, oldest_due_date)
  where false and tenant_id = o2c_current_tenant();
grant select on customer_receivable_position to o2c_app;
