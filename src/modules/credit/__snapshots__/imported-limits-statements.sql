select * from "credit_policy"

select "base_currency" from "tenant"

select w.wanted_id, p.*, d.id as pending_id, d.limit_minor as pending_limit_minor,
d.currency as pending_currency, d.proposed_by_name as pending_proposed_by_name
from unnest($1::uuid[]) as w(wanted_id)
left join lateral (
select * from credit_profile
where tenant_id = $2 and customer_id = w.wanted_id
for update
) p on true
left join lateral (
select id, limit_minor, currency, proposed_by_name from credit_limit_decision
where tenant_id = $3 and customer_id = w.wanted_id and status = 'pending'
limit 1
) d on true

insert into credit_limit_decision (tenant_id, id, customer_id, status, four_eyes_required,
currency, limit_minor, limit_before_minor, reason, seen, proposed_by, proposed_by_name,
proposed_at, decided_by, decided_by_name, decided_at, decision_note, version)
select $1::uuid, d.id, d.customer_id, d.status, d.four_eyes_required,
d.currency, d.limit_minor, d.limit_before_minor, $2, d.seen,
$3, $4, $5::timestamptz,
case when d.decided then $6 end,
case when d.decided then $7 end,
case when d.decided then $8::timestamptz end, d.decision_note, d.version
from jsonb_to_recordset($9::jsonb) as d(id uuid, customer_id uuid,
status text, four_eyes_required boolean, currency text, limit_minor bigint,
limit_before_minor bigint, seen jsonb, decided boolean, decision_note text,
version int)

insert into credit_profile (tenant_id, customer_id, currency, credit_limit_minor,
created_at, updated_at, version)
select $1::uuid, p.customer_id, p.currency, p.credit_limit_minor,
$2::timestamptz, $3::timestamptz, p.version
from jsonb_to_recordset($4::jsonb) as p(customer_id uuid,
currency text, credit_limit_minor bigint, version int)
on conflict (tenant_id, customer_id) do update set
credit_limit_minor = excluded.credit_limit_minor, updated_at = excluded.updated_at,
version = credit_profile.version + 1
where credit_profile.version = excluded.version - 1
returning *

update "audit_chain" set "last_seq" = "last_seq" + $1 where "tenant_id" = $2 returning "last_seq", "last_hash"

with appended as (
insert into audit_event (tenant_id, seq, id, occurred_at, actor_type, actor_id, actor_name,
entity_type, entity_id, action, before, after, request_id, prev_hash, hash)
select $1::uuid, e.seq, e.id, $2::timestamptz, $3,
$4::text, $5, e.entity_type, e.entity_id, e.action,
coalesce(e.before, 'null'), coalesce(e.after, 'null'), $6::text,
e.prev_hash, e.hash
from jsonb_to_recordset($7::jsonb) as e(seq bigint, id uuid,
entity_type text, entity_id text, action text, before jsonb, after jsonb,
prev_hash text, hash text)
returning seq
)
update audit_chain set last_hash = $8
where tenant_id = $9

with given as (
select * from jsonb_to_recordset($1::jsonb) as g(id uuid, type text,
entity_type text, entity_id text, payload jsonb, job_kinds text[])
), event as (
insert into outbox_event (tenant_id, id, type, entity_type, entity_id, payload, occurred_at)
select $2::uuid, id, type, entity_type, entity_id, payload,
$3::timestamptz
from given
), consumer_job as (
insert into job (tenant_id, id, kind, payload, event_id, run_at)
select $4::uuid, o2c_uuid_v7(), kind,
jsonb_build_object('eventId', given.id::text), given.id, $5::timestamptz
from given cross join unnest(given.job_kinds) as kind
), endpoint as (
select given.id as event_id, w.id as webhook_id, o2c_uuid_v7() as delivery_id,
o2c_uuid_v7() as job_id
from given join webhook_endpoint w
on w.active and (given.type = any(w.event_types) or '*' = any(w.event_types))
), delivery as (
insert into webhook_delivery (tenant_id, id, webhook_id, event_id, job_id)
select $6::uuid, delivery_id, webhook_id, event_id, job_id
from endpoint
)
insert into job (tenant_id, id, kind, payload, event_id, run_at)
select $7::uuid, job_id, $8,
jsonb_build_object('deliveryId', delivery_id), event_id, $9::timestamptz
from endpoint
