-- Where invoices come from on a timetable. A billing run bills, in one go, what weekly and
-- monthly customers had shipped up to the end of a period: one invoice per customer and
-- currency. The run keeps a row of its own (what it billed, its totals, when it started and
-- finished) so a billing specialist can see what happened, and so a run that stopped halfway
-- (a crash) can be run again: each invoice commits on its own, and what was billed is marked
-- on the shipment lines, so a second run for the same period bills only what is left.
--
-- Runs on a timetable are data too: a schedule per tenant (outbox module, it owns the jobs)
-- names a job kind, its payload and a cadence in the tenant's time zone. The worker enqueues
-- a due schedule as a job and moves next_run_at on, in one transaction that holds the row
-- with FOR UPDATE SKIP LOCKED, so two workers never run the same schedule twice.

create table billing_run (
  tenant_id uuid not null references tenant,
  id uuid not null,
  -- Which customers it bills: weekly, monthly, or both (null).
  frequency text check (frequency in ('weekly', 'monthly')),
  period_end date not null,
  status text not null default 'running' check (status in ('running', 'completed', 'failed')),
  -- Who asked: a person (API, CLI) or a schedule.
  trigger text not null check (trigger in ('api', 'cli', 'schedule')),
  schedule_id uuid,
  invoices_count integer not null default 0 check (invoices_count >= 0),
  orders_count integer not null default 0 check (orders_count >= 0),
  lines_count integer not null default 0 check (lines_count >= 0),
  -- Customers whose invoice could not be made (with the reason in failures).
  failed_count integer not null default 0 check (failed_count >= 0),
  failures jsonb not null default '[]' check (jsonb_typeof(failures) = 'array'),
  error text check (length(error) <= 2000),
  started_at timestamptz not null,
  started_by text not null,
  finished_at timestamptz,
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, id),
  check ((status = 'running') = (finished_at is null))
);
create index billing_run_by_period on billing_run (tenant_id, period_end, id);
select o2c_protect('billing_run');

-- The run's totals per currency; amounts in minor units of that currency.
create table billing_run_total (
  tenant_id uuid not null references tenant,
  billing_run_id uuid not null,
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  invoices_count integer not null default 0 check (invoices_count >= 0),
  net_minor bigint not null default 0,
  vat_minor bigint not null default 0,
  total_minor bigint not null default 0,
  primary key (tenant_id, billing_run_id, currency),
  foreign key (tenant_id, billing_run_id) references billing_run
);
select o2c_protect('billing_run_total');

-- Which invoices a run made: the link from a run to its invoices (and back).
create table billing_run_invoice (
  tenant_id uuid not null references tenant,
  billing_run_id uuid not null,
  invoice_id uuid not null,
  primary key (tenant_id, billing_run_id, invoice_id),
  unique (tenant_id, invoice_id),
  foreign key (tenant_id, billing_run_id) references billing_run,
  foreign key (tenant_id, invoice_id) references invoice
);
select o2c_protect('billing_run_invoice');

-- Scheduled work: enqueue a job of job_kind with payload on a cadence, at time_of_day in the
-- tenant's time zone. weekly runs on day_of_week (ISO: 1 = Monday … 7 = Sunday); monthly on
-- day_of_month, or, with business_day, on the first business day on or after it (weekends and
-- Dutch public holidays are not business days).
create table schedule (
  tenant_id uuid not null references tenant,
  id uuid not null,
  name text not null check (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
  description text not null default '' check (length(description) <= 500),
  job_kind text not null check (job_kind ~ '^[a-z0-9_.]{1,64}$'),
  payload jsonb not null default '{}' check (jsonb_typeof(payload) = 'object'),
  cadence text not null check (cadence in ('daily', 'weekly', 'monthly')),
  day_of_week integer check (day_of_week between 1 and 7),
  day_of_month integer check (day_of_month between 1 and 28),
  business_day boolean not null default false,
  time_of_day time not null,
  active boolean not null default true,
  next_run_at timestamptz not null,
  last_run_at timestamptz,
  last_job_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, name),
  check ((cadence = 'weekly') = (day_of_week is not null)),
  check ((cadence = 'monthly') = (day_of_month is not null))
);
-- The worker's question every tick, across tenants: which schedules are due?
create index schedule_due on schedule (next_run_at) where active;
select o2c_protect('schedule');
