select pg_advisory_xact_lock(hashtextextended($1, 0))

discard plans

insert into "bank_account" ("tenant_id", "id", "iban", "number", "currency", "created_at", "created_by") values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing

select "id" from "bank_account" where "account_key" = $1 and "currency" = $2

insert into "bank_statement" ("tenant_id", "id", "bank_account_id", "format", "statement_id", "statement_number", "currency", "opening_amount_minor", "opening_sign", "opening_date", "balance_check", "unbalanced", "entry_count", "content_digest", "file_name", "import_id", "imported_at", "imported_by") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)

create temporary table if not exists bank_import_occurrence (
statement_id uuid not null, digest text not null, seen integer not null,
primary key (statement_id, digest)
) on commit drop

with given as (
select * from jsonb_to_recordset($1::jsonb) as g(id uuid,
position int, digest text, booking_date date, value_date date, amount_minor text,
currency text, sign text, reversal boolean, bank_reference text,
customer_reference text, end_to_end_id text, mandate_id text, counterparty_name text,
counterparty_iban text, counterparty_bic text, remittance_unstructured text,
remittance_structured_reference text, bank_transaction_code text, return_reason text,
details jsonb)
), counted as (
-- How often each digest has come in this statement, this batch included.
insert into bank_import_occurrence as o (statement_id, digest, seen)
select $2::uuid, g.digest, count(*) from given g group by g.digest
on conflict (statement_id, digest) do update set seen = o.seen + excluded.seen
returning o.digest, o.seen
), numbered as (
-- The identity: the digest and its occurrence within the statement (entry-identity.ts).
select g.*, g.digest || '#' || (c.seen - count(*) over (partition by g.digest)
+ row_number() over (partition by g.digest order by g.position)) as identity
from given g join counted c on c.digest = g.digest
), inserted as (
insert into bank_entry (tenant_id, id, bank_account_id, bank_statement_id, position,
identity, booking_date, value_date, amount_minor, currency, sign, reversal,
bank_reference, customer_reference, end_to_end_id, mandate_id, counterparty_name,
counterparty_iban, counterparty_bic, remittance_unstructured,
remittance_structured_reference, bank_transaction_code, return_reason, details,
created_at)
select $3::uuid, n.id, $4::uuid, $5::uuid,
n.position, n.identity, n.booking_date, n.value_date, n.amount_minor::bigint,
n.currency, n.sign, n.reversal, n.bank_reference, n.customer_reference,
n.end_to_end_id, n.mandate_id, n.counterparty_name, n.counterparty_iban,
n.counterparty_bic, n.remittance_unstructured, n.remittance_structured_reference,
n.bank_transaction_code, n.return_reason, n.details, $6::timestamptz
from numbered n
on conflict (tenant_id, bank_account_id, identity) do nothing
returning id, identity
), linked as (
insert into bank_statement_entry (tenant_id, bank_statement_id, position, bank_entry_id)
select $7::uuid, $8::uuid, n.position, coalesce(i.id, (
-- A known entry, looked up by its key only when it was not just stored. (A join here
-- was planned as a scan of every entry of the account, once per batch: the import
-- slowed with the account's history.)
select e.id from bank_entry e
where e.tenant_id = $9::uuid
and e.bank_account_id = $10::uuid and e.identity = n.identity))
from numbered n
left join inserted i on i.identity = n.identity
returning 1
)
select (select count(*) from inserted)::int as inserted,
(select count(*) from linked)::int as linked,
(select string_agg(identity, ' ' order by position) from numbered) as identities

update "bank_statement" set "closing_amount_minor" = $1, "closing_sign" = $2, "closing_date" = $3, "balance_check" = $4, "unbalanced" = $5, "difference_minor" = $6, "entry_count" = $7, "content_digest" = $8 where "id" = $9

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
