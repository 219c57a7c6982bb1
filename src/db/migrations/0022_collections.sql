-- Collections and disputes (issue 7): the tables every part of collections shares. The
-- dunning run reads the holds (disputes, promises, plans, do-not-dun, recovery) from here in
-- one set-based statement, so they live in one place with the state they hold.
--
-- Money is bigint minor units with its currency, as everywhere. Dates a customer sees are
-- calendar dates; moments are timestamptz.

-- What collections knows of a customer beyond the master data: the flags a collector sets
-- and the marks the customer's behaviour leaves. One row per customer, made on first need.
create table customer_collection (
  tenant_id uuid not null references tenant,
  customer_id uuid not null,
  -- Never send a dunning message (a collector handles this customer by hand).
  do_not_dun boolean not null default false,
  do_not_dun_reason text check (length(do_not_dun_reason) <= 500),
  -- Key accounts get a phone task before any letter (policy rules read the flags).
  flags text[] not null default '{}' check (array_position(flags, '') is null),
  -- A policy a collector chose for this customer, over the rules.
  dunning_policy_id uuid,
  -- Can't pay (hardship: a plan) or won't pay (escalation), as a collector classified it.
  pay_intent text check (pay_intent in ('cant_pay', 'wont_pay')),
  pay_intent_note text check (length(pay_intent_note) <= 2000),
  pay_intent_at timestamptz,
  pay_intent_by text,
  broken_promises integer not null default 0 check (broken_promises >= 0),
  last_broken_promise_on date,
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, customer_id),
  foreign key (tenant_id, customer_id) references customer,
  check ((pay_intent is null) = (pay_intent_at is null))
);
select o2c_protect('customer_collection');

-- Per tenant: quiet hours per channel, what self-service may offer, SLAs, grace periods.
create table collection_settings (
  tenant_id uuid primary key references tenant,
  -- {"sms": {"from": "21:00", "to": "08:00"}, "whatsapp": …, "phone": …} in the tenant's zone.
  quiet_hours jsonb not null default '{}' check (jsonb_typeof(quiet_hours) = 'object'),
  -- Promises a customer may make on the pay page: at most this many days ahead.
  promise_max_days integer not null default 14 check (promise_max_days between 0 and 365),
  -- Payment plans self-service may offer: instalment count and the smallest instalment.
  plan_max_instalments integer not null default 6 check (plan_max_instalments between 0 and 60),
  plan_min_instalment_minor bigint not null default 2500 check (plan_min_instalment_minor >= 0),
  -- Days an instalment may be late before the plan is breached.
  plan_grace_days integer not null default 7 check (plan_grace_days between 0 and 90),
  -- Days after the promised date before an unpaid promise counts as broken.
  promise_grace_days integer not null default 2 check (promise_grace_days between 0 and 30),
  -- Days to resolve a dispute, per category.
  dispute_sla_days jsonb not null
    default '{"price": 10, "quantity": 10, "quality": 15, "not_delivered": 5, "duplicate": 5, "other": 15}'
    check (jsonb_typeof(dispute_sla_days) = 'object'),
  updated_at timestamptz not null,
  version integer not null default 1
);
select o2c_protect('collection_settings');

-- A dunning policy: a sequence of steps, chosen for a customer by its rule (lowest priority
-- number first whose rule matches). rule is {"segments": [...], "risk_classes": [...],
-- "min_open_minor": "…", "max_open_minor": "…", "attributes": {"age_band": ["student"]},
-- "flags": ["key_account"]}; an absent key matches everything.
create table dunning_policy (
  tenant_id uuid not null references tenant,
  id uuid not null,
  name text not null check (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
  description text not null default '' check (length(description) <= 500),
  priority integer not null check (priority between 0 and 100000),
  rule jsonb not null default '{}' check (jsonb_typeof(rule) = 'object'),
  -- The interest the policy charges where a step adds costs and interest.
  interest_kind text not null default 'none'
    check (interest_kind in ('none', 'statutory', 'commercial', 'commercial_public_debtor')),
  active boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, name)
);
select o2c_protect('dunning_policy');

alter table customer_collection add foreign key (tenant_id, dunning_policy_id)
  references dunning_policy;

create table dunning_step (
  tenant_id uuid not null references tenant,
  policy_id uuid not null,
  -- 1, 2, 3 …: an item's dunning level is the position of the last step done.
  position integer not null check (position between 1 and 50),
  -- days after the due date (negative: a friendly nudge before it) or after the previous step.
  anchor text not null check (anchor in ('due_date', 'previous_step')),
  days integer not null check (days between -60 and 365),
  channel text not null check (channel in ('email', 'sms', 'whatsapp', 'letter', 'phone')),
  template_key text not null check (template_key ~ '^[a-z0-9_.-]{1,64}$'),
  action text not null check (action in ('pre_due_nudge', 'friendly_reminder',
    'formal_reminder', 'fourteen_day_letter', 'charge_costs_and_interest', 'credit_block',
    'recovery_handover')),
  primary key (tenant_id, policy_id, position),
  foreign key (tenant_id, policy_id) references dunning_policy on delete cascade,
  check (anchor = 'due_date' or position > 1),
  check (days >= 0 or anchor = 'due_date')
);
select o2c_protect('dunning_step');

-- A tenant's own wording of a template (o2c ships defaults in code for nl and en, consumer
-- and business); one row per key, language, audience and channel.
create table dunning_template (
  tenant_id uuid not null references tenant,
  template_key text not null check (template_key ~ '^[a-z0-9_.-]{1,64}$'),
  language text not null check (language in ('nl', 'en')),
  audience text not null check (audience in ('consumer', 'business')),
  channel text not null check (channel in ('email', 'sms', 'whatsapp', 'letter', 'phone')),
  subject text not null default '' check (length(subject) <= 300),
  body text not null check (body <> '' and length(body) <= 20000),
  updated_at timestamptz not null,
  updated_by text not null,
  version integer not null default 1,
  primary key (tenant_id, template_key, language, audience, channel)
);
select o2c_protect('dunning_template');

-- One run of dunning for a day. A real run is unique per day: running it again resumes or
-- does nothing; a dry run writes only this row and its report.
create table dunning_run (
  tenant_id uuid not null references tenant,
  id uuid not null,
  run_date date not null,
  dry_run boolean not null,
  status text not null check (status in ('running', 'completed', 'failed')),
  -- Counts (messages per channel, items, held per reason, costs, interest) and, for a dry
  -- run, what would be sent.
  report jsonb not null default '{}' check (jsonb_typeof(report) = 'object'),
  started_at timestamptz not null,
  completed_at timestamptz,
  started_by text not null,
  primary key (tenant_id, id)
);
create unique index dunning_run_one_per_day on dunning_run (tenant_id, run_date) where not dry_run;
select o2c_protect('dunning_run');

-- One message to one customer at one step: every overdue item at that step, listed once.
create table dunning_message (
  tenant_id uuid not null references tenant,
  id uuid not null,
  run_id uuid not null,
  customer_id uuid not null,
  policy_id uuid not null,
  step_position integer not null,
  channel text not null check (channel in ('email', 'sms', 'whatsapp', 'letter', 'phone')),
  action text not null,
  template_key text not null,
  language text not null check (language in ('nl', 'en')),
  audience text not null check (audience in ('consumer', 'business')),
  currency char(3) not null,
  open_minor bigint not null,
  item_count integer not null check (item_count > 0),
  -- pending: written by the run; queued: its job is in the outbox; sent: the channel took it;
  -- failed: given up (the reason says why); a phone step becomes a collector task, done.
  status text not null default 'pending'
    check (status in ('pending', 'queued', 'sent', 'failed', 'task_created')),
  -- Not before this moment (quiet hours of the channel).
  send_after timestamptz not null,
  recipient text,
  provider_message_id text,
  failure text check (length(failure) <= 2000),
  -- A letter's place in its run's print batch.
  print_batch_id uuid,
  created_at timestamptz not null,
  sent_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, run_id, customer_id, policy_id, step_position, currency),
  foreign key (tenant_id, run_id) references dunning_run,
  foreign key (tenant_id, customer_id) references customer,
  foreign key (tenant_id, policy_id, step_position) references dunning_step
    on delete restrict
);
create index dunning_message_by_customer on dunning_message (tenant_id, customer_id, created_at);
create index dunning_message_unsent on dunning_message (tenant_id, status)
  where status in ('pending', 'queued');
select o2c_protect('dunning_message');

-- The dunning state of an open item: its policy, the last step done and when. Written by
-- the run (set-based); no row means level 0. recovery_since: handed over, dunning ends.
create table dunning_item (
  tenant_id uuid not null references tenant,
  invoice_id uuid not null,
  customer_id uuid not null,
  policy_id uuid not null,
  level integer not null default 0 check (level >= 0),
  last_step_on date,
  last_message_id uuid,
  -- Set by the 14-day letter step: the day costs may be charged (law/fourteen-day-letter.ts).
  costs_chargeable_from date,
  recovery_since date,
  updated_at timestamptz not null,
  primary key (tenant_id, invoice_id),
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, customer_id) references customer,
  foreign key (tenant_id, policy_id) references dunning_policy,
  check ((level = 0) = (last_step_on is null))
);
create index dunning_item_by_customer on dunning_item (tenant_id, customer_id);
select o2c_protect('dunning_item');

-- Every step an item went through, once: the unique key is what makes a run idempotent.
create table dunning_item_step (
  tenant_id uuid not null references tenant,
  invoice_id uuid not null,
  step_position integer not null,
  message_id uuid not null,
  open_minor bigint not null,
  done_on date not null,
  primary key (tenant_id, invoice_id, step_position),
  foreign key (tenant_id, message_id) references dunning_message
);
create index dunning_item_step_by_message on dunning_item_step (tenant_id, message_id);
select o2c_protect('dunning_item_step');
revoke update, delete on dunning_item_step from o2c_app;

-- Letters of a run, rendered into one PDF for the printer.
create table dunning_print_batch (
  tenant_id uuid not null references tenant,
  id uuid not null,
  run_id uuid not null,
  letter_count integer not null check (letter_count >= 0),
  pdf bytea,
  sha256 text,
  created_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, run_id),
  foreign key (tenant_id, run_id) references dunning_run
);
select o2c_protect('dunning_print_batch');

-- Collection costs and interest charged on an item: booked to the ledger (journal_entry) and
-- shown on the customer's statement. Reversed by a row with the opposite amount.
create table collection_charge (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  invoice_id uuid not null,
  kind text not null check (kind in ('collection_costs', 'interest')),
  amount_minor bigint not null check (amount_minor <> 0),
  currency char(3) not null,
  charged_on date not null,
  -- Interest: the period it covers and the kind (statutory, commercial, …).
  period_from date,
  period_to date,
  -- How it was computed (the law's breakdown), for the statement and the file.
  basis jsonb not null default '{}' check (jsonb_typeof(basis) = 'object'),
  message_id uuid,
  journal_entry_id uuid not null,
  reverses_charge_id uuid,
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer,
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, message_id) references dunning_message,
  foreign key (tenant_id, reverses_charge_id) references collection_charge,
  unique (tenant_id, reverses_charge_id),
  check ((amount_minor < 0) = (reverses_charge_id is not null))
);
create index collection_charge_by_invoice on collection_charge (tenant_id, invoice_id);
create index collection_charge_by_customer on collection_charge (tenant_id, customer_id, charged_on);
select o2c_protect('collection_charge');
revoke update, delete on collection_charge from o2c_app;

-- A promise to pay: amount by a date, through a channel. Active promises hold dunning of
-- their items; cash application closes a kept one; the daily run breaks an expired one.
create table promise_to_pay (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  promised_on date not null,
  channel text not null check (channel in ('phone', 'email', 'sms', 'whatsapp', 'letter',
    'pay_page', 'portal', 'api')),
  status text not null default 'active' check (status in ('active', 'kept', 'broken', 'cancelled')),
  paid_minor bigint not null default 0 check (paid_minor >= 0),
  note text check (length(note) <= 2000),
  made_at timestamptz not null,
  made_by text not null,
  closed_at timestamptz,
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer,
  check ((status = 'active') = (closed_at is null))
);
create index promise_to_pay_active on promise_to_pay (tenant_id, promised_on) where status = 'active';
create index promise_to_pay_by_customer on promise_to_pay (tenant_id, customer_id, made_at);
select o2c_protect('promise_to_pay');

create table promise_to_pay_item (
  tenant_id uuid not null references tenant,
  promise_id uuid not null,
  invoice_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  primary key (tenant_id, promise_id, invoice_id),
  foreign key (tenant_id, promise_id) references promise_to_pay,
  foreign key (tenant_id, invoice_id) references invoice
);
create index promise_to_pay_item_by_invoice on promise_to_pay_item (tenant_id, invoice_id);
select o2c_protect('promise_to_pay_item');

-- A payment plan for a customer who cannot pay: the items it covers and the instalments.
create table payment_plan (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  currency char(3) not null,
  total_minor bigint not null check (total_minor > 0),
  status text not null default 'active'
    check (status in ('active', 'completed', 'breached', 'cancelled')),
  grace_days integer not null check (grace_days between 0 and 90),
  source text not null check (source in ('collector', 'pay_page', 'api')),
  note text check (length(note) <= 2000),
  created_at timestamptz not null,
  created_by text not null,
  closed_at timestamptz,
  closed_reason text check (length(closed_reason) <= 500),
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer,
  check ((status = 'active') = (closed_at is null))
);
create index payment_plan_by_customer on payment_plan (tenant_id, customer_id, created_at);
select o2c_protect('payment_plan');

create table payment_plan_item (
  tenant_id uuid not null references tenant,
  plan_id uuid not null,
  invoice_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  primary key (tenant_id, plan_id, invoice_id),
  foreign key (tenant_id, plan_id) references payment_plan,
  foreign key (tenant_id, invoice_id) references invoice
);
create index payment_plan_item_by_invoice on payment_plan_item (tenant_id, invoice_id);
select o2c_protect('payment_plan_item');

create table payment_plan_instalment (
  tenant_id uuid not null references tenant,
  plan_id uuid not null,
  position integer not null check (position >= 1),
  due_on date not null,
  amount_minor bigint not null check (amount_minor > 0),
  -- Cash allocated to this instalment (oldest instalment first).
  paid_minor bigint not null default 0 check (paid_minor >= 0),
  primary key (tenant_id, plan_id, position),
  foreign key (tenant_id, plan_id) references payment_plan on delete cascade,
  check (paid_minor <= amount_minor)
);
select o2c_protect('payment_plan_instalment');

-- A dispute on an invoice (or on lines of it). While open or investigating, the disputed
-- amount is held from dunning.
create table dispute (
  tenant_id uuid not null references tenant,
  id uuid not null,
  number text not null check (number <> '' and length(number) <= 32),
  invoice_id uuid not null,
  customer_id uuid not null,
  category text not null check (category in ('price', 'quantity', 'quality', 'not_delivered',
    'duplicate', 'other')),
  disputed_minor bigint not null check (disputed_minor > 0),
  currency char(3) not null,
  description text not null check (description <> '' and length(description) <= 5000),
  status text not null default 'open'
    check (status in ('open', 'investigating', 'resolved', 'rejected', 'withdrawn')),
  owner text,
  sla_due_on date not null,
  opened_via text not null check (opened_via in ('collector', 'pay_page', 'api')),
  opened_at timestamptz not null,
  opened_by text not null,
  -- On close: what was decided and why; a resolution by credit note names it.
  resolution_note text check (length(resolution_note) <= 5000),
  root_cause text check (length(root_cause) <= 200),
  credit_note_id uuid,
  closed_at timestamptz,
  closed_by text,
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, number),
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, customer_id) references customer,
  foreign key (tenant_id, credit_note_id) references invoice,
  check ((status in ('open', 'investigating')) = (closed_at is null)),
  check ((credit_note_id is not null) <= (status = 'resolved'))
);
create index dispute_by_invoice on dispute (tenant_id, invoice_id);
create index dispute_open on dispute (tenant_id, sla_due_on) where status in ('open', 'investigating');
create index dispute_by_customer on dispute (tenant_id, customer_id, opened_at);
select o2c_protect('dispute');

create table dispute_line (
  tenant_id uuid not null references tenant,
  dispute_id uuid not null,
  invoice_line_id uuid not null,
  disputed_minor bigint not null check (disputed_minor > 0),
  quantity numeric(18, 6),
  primary key (tenant_id, dispute_id, invoice_line_id),
  foreign key (tenant_id, dispute_id) references dispute on delete cascade
);
select o2c_protect('dispute_line');

create table dispute_attachment (
  tenant_id uuid not null references tenant,
  id uuid not null,
  dispute_id uuid not null,
  file_name text not null check (file_name <> '' and length(file_name) <= 255),
  content_type text not null check (length(content_type) <= 200),
  size_bytes integer not null check (size_bytes >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null,
  added_at timestamptz not null,
  added_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, dispute_id) references dispute,
  check (size_bytes = length(content))
);
create index dispute_attachment_by_dispute on dispute_attachment (tenant_id, dispute_id);
select o2c_protect('dispute_attachment');
revoke update, delete on dispute_attachment from o2c_app;

-- The customer's timeline beyond what other tables already record: calls and their outcome,
-- notes, collector tasks (a phone step of a policy), confirmations sent to the customer.
create table collection_activity (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  kind text not null check (kind in ('call', 'note', 'task', 'confirmation')),
  -- call: reached, no_answer, voicemail, wrong_number, promised, disputed, refused, cant_pay
  outcome text check (outcome ~ '^[a-z_]{1,40}$'),
  note text check (length(note) <= 5000),
  -- task: open until done; tied to the dunning message that made it, if any.
  task_status text check (task_status in ('open', 'done', 'cancelled')),
  due_on date,
  assigned_to text,
  message_id uuid,
  invoice_id uuid,
  occurred_at timestamptz not null,
  recorded_by text not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customer,
  foreign key (tenant_id, message_id) references dunning_message,
  check ((kind = 'task') = (task_status is not null))
);
create index collection_activity_by_customer on collection_activity (tenant_id, customer_id, occurred_at);
create index collection_activity_open_tasks on collection_activity (tenant_id, due_on)
  where task_status = 'open';
select o2c_protect('collection_activity');

-- SEPA direct debit: mandates, and the batches (pain.008) that collect due invoices.
create table sepa_mandate (
  tenant_id uuid not null references tenant,
  id uuid not null,
  customer_id uuid not null,
  mandate_reference text not null check (mandate_reference ~ '^[A-Za-z0-9+?/:().,'' -]{1,35}$'),
  scheme text not null default 'CORE' check (scheme in ('CORE', 'B2B')),
  iban text not null check (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$'),
  bic text,
  debtor_name text not null check (debtor_name <> ''),
  signed_on date not null,
  -- FRST until the first collection went through, then RCUR.
  first_collected_on date,
  status text not null default 'active' check (status in ('active', 'revoked')),
  created_at timestamptz not null,
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, mandate_reference),
  foreign key (tenant_id, customer_id) references customer
);
create index sepa_mandate_by_customer on sepa_mandate (tenant_id, customer_id) where status = 'active';
select o2c_protect('sepa_mandate');

create table direct_debit_batch (
  tenant_id uuid not null references tenant,
  id uuid not null,
  message_id text not null check (message_id <> '' and length(message_id) <= 35),
  collection_date date not null,
  creditor_id text not null,
  item_count integer not null check (item_count > 0),
  total_minor bigint not null check (total_minor > 0),
  currency char(3) not null default 'EUR',
  pain008 text not null,
  created_at timestamptz not null,
  created_by text not null,
  primary key (tenant_id, id),
  unique (tenant_id, message_id)
);
select o2c_protect('direct_debit_batch');

create table direct_debit_item (
  tenant_id uuid not null references tenant,
  batch_id uuid not null,
  invoice_id uuid not null,
  mandate_id uuid not null,
  end_to_end_id text not null check (length(end_to_end_id) between 1 and 35),
  amount_minor bigint not null check (amount_minor > 0),
  sequence_type text not null check (sequence_type in ('FRST', 'RCUR')),
  -- submitted: in a file; collected: cash application saw the money; returned: it came back.
  status text not null default 'submitted' check (status in ('submitted', 'collected', 'returned')),
  return_reason text,
  primary key (tenant_id, batch_id, invoice_id),
  unique (tenant_id, end_to_end_id),
  foreign key (tenant_id, batch_id) references direct_debit_batch,
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, mandate_id) references sepa_mandate
);
create index direct_debit_item_by_invoice on direct_debit_item (tenant_id, invoice_id);
select o2c_protect('direct_debit_item');
