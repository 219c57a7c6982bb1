-- The platform every stage stands on: tenants, users and API keys, the hash-chained audit
-- trail, idempotency keys, and the outbox (events, jobs, webhooks). It also sets up row-level
-- security: the application's queries run as the role o2c_app, which sees only the rows of
-- the tenant named in the transaction setting app.tenant_id.

-- Roles are shared by all databases of a PostgreSQL server, so o2c_app may exist already.
-- In production a DBA creates it once, with a login role that is a member of it (see
-- docs/decisions/0001-store-and-tenancy.md); then this needs no CREATEROLE privilege.
-- The connecting role must be a member to switch to it (superusers always are).
do $$
begin
  if not exists (select from pg_roles where rolname = 'o2c_app') then
    begin
      create role o2c_app nologin;
    exception when duplicate_object or unique_violation then
      null; -- another database's migration created it at the same moment
    end;
  end if;
  if not pg_has_role(current_user, 'o2c_app', 'member') then
    execute format('grant o2c_app to %I', current_user);
  end if;
end $$;

grant usage on schema public to o2c_app;

create or replace function o2c_current_tenant() returns uuid
language sql stable as $$
  select nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

-- Every tenant-owned table is passed through this once: row-level security on, one policy
-- that admits only the current tenant's rows (reading and writing), and the grants o2c_app
-- needs. A guard test checks that every table has had it.
create or replace function o2c_protect(table_name text) returns void
language plpgsql as $$
begin
  execute format('alter table %I enable row level security', table_name);
  execute format(
    'create policy tenant_isolation on %I using (tenant_id = o2c_current_tenant()) '
    'with check (tenant_id = o2c_current_tenant())', table_name);
  execute format('grant select, insert, update, delete on %I to o2c_app', table_name);
end $$;

create table tenant (
  tenant_id uuid primary key,
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text not null,
  time_zone text not null default 'Europe/Amsterdam',
  base_currency char(3) not null default 'EUR',
  settings jsonb not null default '{}',
  created_at timestamptz not null default now(),
  version integer not null default 1
);
select o2c_protect('tenant');

create table app_user (
  tenant_id uuid not null references tenant,
  id uuid not null,
  email text not null,
  name text not null default '',
  role text not null,
  status text not null default 'active' check (status in ('active', 'disabled')),
  created_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, email)
);
select o2c_protect('app_user');

create table api_key (
  tenant_id uuid not null references tenant,
  id uuid not null,
  user_id uuid not null,
  name text not null default '',
  secret_hash text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, user_id) references app_user
);
-- Keys are looked up by id before the tenant is known (that is how we learn the tenant).
create unique index api_key_by_id on api_key (id);
select o2c_protect('api_key');

-- One row per tenant: the head of that tenant's audit chain. Appending locks it, so events
-- of one tenant get consecutive sequence numbers in commit order.
create table audit_chain (
  tenant_id uuid primary key references tenant,
  last_seq bigint not null default 0,
  last_hash text not null
);
select o2c_protect('audit_chain');

create table audit_event (
  tenant_id uuid not null references tenant,
  seq bigint not null,
  id uuid not null,
  occurred_at timestamptz not null,
  actor_type text not null,
  actor_id text,
  actor_name text not null,
  entity_type text not null,
  entity_id text not null,
  action text not null,
  before jsonb,
  after jsonb,
  request_id text,
  prev_hash text not null,
  hash text not null,
  primary key (tenant_id, seq)
);
create index audit_event_by_entity on audit_event (tenant_id, entity_type, entity_id, seq);
select o2c_protect('audit_event');
-- The trail is append-only for the application.
revoke update, delete on audit_event from o2c_app;

create table idempotency_key (
  tenant_id uuid not null references tenant,
  key text not null,
  request_hash text not null,
  method text not null,
  path text not null,
  status_code integer,
  response_body jsonb,
  created_at timestamptz not null default now(),
  primary key (tenant_id, key)
);
select o2c_protect('idempotency_key');

-- The outbox: each domain event is written in the transaction of the change it announces.
create table outbox_event (
  tenant_id uuid not null references tenant,
  id uuid not null,
  type text not null,
  entity_type text not null,
  entity_id text not null,
  payload jsonb not null,
  occurred_at timestamptz not null,
  primary key (tenant_id, id)
);
create index outbox_event_by_type on outbox_event (tenant_id, type, id);
select o2c_protect('outbox_event');

-- Work to do after commit (deliver a webhook, send a mail), taken by workers with
-- FOR UPDATE SKIP LOCKED. See docs/decisions/0002-outbox-and-jobs.md.
create table job (
  tenant_id uuid not null references tenant,
  id uuid not null,
  kind text not null,
  payload jsonb not null,
  event_id uuid,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'done', 'dead')),
  run_at timestamptz not null,
  attempts integer not null default 0,
  attempts_max integer not null default 10,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create index job_due on job (run_at) where status in ('queued', 'running');
select o2c_protect('job');

create table webhook_endpoint (
  tenant_id uuid not null references tenant,
  id uuid not null,
  url text not null,
  description text not null default '',
  event_types text[] not null,
  secret text not null,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
select o2c_protect('webhook_endpoint');

create table webhook_delivery (
  tenant_id uuid not null references tenant,
  id uuid not null,
  webhook_id uuid not null,
  event_id uuid not null,
  job_id uuid not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, webhook_id) references webhook_endpoint,
  foreign key (tenant_id, event_id) references outbox_event
);
create index webhook_delivery_by_webhook on webhook_delivery (tenant_id, webhook_id, id);
select o2c_protect('webhook_delivery');

create table webhook_attempt (
  tenant_id uuid not null references tenant,
  id uuid not null,
  delivery_id uuid not null,
  attempted_at timestamptz not null,
  status_code integer,
  error text,
  duration_ms integer not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, delivery_id) references webhook_delivery
);
create index webhook_attempt_by_delivery on webhook_attempt (tenant_id, delivery_id, id);
select o2c_protect('webhook_attempt');
