select c.number, c.currency
from unnest($1::text[]) as wanted(number)
join lateral (
select number, currency from customer
where tenant_id = $2 and number = wanted.number
) c on true

with recursive up (id, number, parent_id, depth) as (
select c.id, c.number, c.parent_id, 0
from unnest($1::text[]) as wanted(number)
join lateral (
select id, number, parent_id from customer
where tenant_id = $2 and number = wanted.number
) c on true
union
select p.id, p.number, p.parent_id, up.depth + 1
from up join lateral (
select id, number, parent_id from customer
where tenant_id = $3 and id = up.parent_id
) p on true
where up.depth < 100
)
select up.id, up.number, p.number as parent_number from up
left join lateral (
select number from customer where tenant_id = $4 and id = up.parent_id
) p on true

select c.id, c.number, c.legal_name, c.country, c.vat_id, c.coc_number, c.segment,
c.language, c.preferred_channel, c.currency, c.payment_terms_days, c.parent_id, c.version,
k.id as contact_id, k.name as contact_name, k.email as contact_email,
k.phone as contact_phone, k.language as contact_language,
k.preferred_channel as contact_channel, k.roles as contact_roles,
coalesce(i.ibans, '{}') as ibans, i.position_max as iban_position_max
from unnest($1::text[]) as wanted(number)
join lateral (
select * from customer
where tenant_id = $2 and number = wanted.number
for update
) c on true
left join lateral (
select id, name, email, phone, language, preferred_channel, roles from customer_contact
where tenant_id = $3 and customer_id = c.id and position = 0
limit 1
) k on true
left join lateral (
select array_agg(iban order by position) as ibans, max(position) as position_max
from customer_iban where tenant_id = $4 and customer_id = c.id
) i on true

insert into customer (tenant_id, id, number, legal_name, country, vat_id, coc_number,
segment, language, preferred_channel, currency, payment_terms_days, parent_id,
updated_at, version)
select $1::uuid, r.id, r.number, r.legal_name, r.country, r.vat_id,
r.coc_number, r.segment, r.language, r.preferred_channel, r.currency,
r.payment_terms_days, r.parent_id, $2::timestamptz, r.version
from jsonb_to_recordset($3::jsonb) as r(id uuid, number text,
legal_name text, country text, vat_id text, coc_number text, segment text,
language text, preferred_channel text, currency text, payment_terms_days int,
parent_id uuid, version int)
on conflict (tenant_id, number) do update set
legal_name = excluded.legal_name, country = excluded.country, vat_id = excluded.vat_id,
coc_number = excluded.coc_number, segment = excluded.segment,
language = excluded.language, preferred_channel = excluded.preferred_channel,
currency = excluded.currency, payment_terms_days = excluded.payment_terms_days,
parent_id = excluded.parent_id, updated_at = excluded.updated_at,
version = customer.version + 1
where customer.version = excluded.version
returning number, (xmax = 0) as inserted

insert into customer_contact (tenant_id, id, customer_id, name, email, phone, language,
preferred_channel, roles, position)
select $1::uuid, k.id, k.customer_id, k.name, k.email, k.phone,
k.language, k.preferred_channel, k.roles, 0
from jsonb_to_recordset($2::jsonb) as k(id uuid, customer_id uuid,
name text, email text, phone text, language text, preferred_channel text,
roles text[])

insert into customer_iban (tenant_id, id, customer_id, iban, source, position)
select $1::uuid, i.id, i.customer_id, i.iban, 'master_data', i.position
from jsonb_to_recordset($2::jsonb)
as i(id uuid, customer_id uuid, iban text, position int)
on conflict (tenant_id, customer_id, iban) do nothing

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

delete from customer_contact
where tenant_id = $1 and id = any($2::uuid[])
