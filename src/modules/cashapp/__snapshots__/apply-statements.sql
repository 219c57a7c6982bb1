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

select e.id from bank_statement_entry se
join bank_entry e on e.tenant_id = se.tenant_id and e.id = se.bank_entry_id
where se.tenant_id = $1 and se.bank_statement_id = any($2::uuid[])
and e.bank_statement_id = se.bank_statement_id
order by se.bank_statement_id, se.position

select "a"."id", "a"."payer_name", "a"."payer_iban", "a"."amount_minor", "a"."currency", "a"."advice_date", "l"."invoice_number", "l"."amount_minor" as "line_amount_minor" from "remittance_advice" as "a" inner join "remittance_advice_line" as "l" on "l"."tenant_id" = "a"."tenant_id" and "l"."remittance_advice_id" = "a"."id" where "a"."tenant_id" = $1 and "a"."status" <> $2 order by "a"."id", "l"."position"

select i.id as invoice_id, i.number, i.customer_id, i.currency,
(i.payable_minor - coalesce(sum(st.amount_minor), 0))::text as open_minor,
i.issue_date, i.due_date, i.payment_reference,
i.payment_terms -> 'discount' ->> 'amount_minor' as discount_minor,
i.payment_terms -> 'discount' ->> 'due_date' as discount_until
from invoice i
left join invoice_settlement st on st.tenant_id = i.tenant_id and st.invoice_id = i.id
where i.tenant_id = $1 and i.status = 'issued'
and i.document_type = 'invoice'
group by i.tenant_id, i.id
having i.payable_minor - coalesce(sum(st.amount_minor), 0) > 0

select c.id, c.number, c.legal_name, c.trading_names,
-- A group is a parent and its children: the parent's id names it.
coalesce(c.parent_id, parents.id) as group_id, ib.ibans
from customer c
left join (select distinct k.parent_id as id from customer k
where k.tenant_id = $1 and k.parent_id is not null) parents
on parents.id = c.id
left join (select ci.customer_id, array_agg(ci.iban order by ci.position) as ibans
from customer_iban ci where ci.tenant_id = $2
group by ci.customer_id) ib
on ib.customer_id = c.id
where c.tenant_id = $3

select "kind", "key", "customer_id" from "bank_payer_link" where "tenant_id" = $1

select * from "cash_application_settings" where "tenant_id" = $1

select "base_currency" from "tenant" where "tenant_id" = $1

select "currency", "valid_from", "rate" from "exchange_rate" order by "currency", "valid_from" desc limit $1

select * from "bank_entry" where "tenant_id" = $1 and "id" in ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $48, $49, $50, $51, $52, $53, $54, $55, $56, $57, $58, $59, $60, $61, $62, $63, $64, $65, $66, $67, $68, $69, $70, $71, $72, $73, $74, $75, $76, $77, $78, $79, $80, $81, $82, $83, $84, $85, $86, $87, $88, $89, $90, $91, $92, $93, $94, $95, $96, $97, $98, $99, $100, $101, $102, $103, $104, $105, $106, $107, $108, $109, $110, $111, $112, $113, $114, $115, $116, $117, $118, $119, $120, $121, $122, $123, $124, $125, $126, $127, $128, $129, $130, $131, $132, $133, $134, $135, $136, $137, $138, $139, $140, $141, $142, $143, $144, $145, $146, $147, $148, $149, $150, $151, $152, $153, $154, $155, $156, $157, $158, $159, $160, $161, $162, $163, $164, $165, $166, $167, $168, $169, $170, $171, $172, $173, $174, $175, $176, $177, $178, $179, $180, $181, $182, $183, $184, $185, $186, $187, $188, $189, $190, $191, $192, $193, $194, $195, $196, $197, $198, $199, $200, $201, $202, $203, $204, $205, $206, $207, $208, $209, $210, $211, $212, $213, $214, $215, $216, $217, $218, $219, $220, $221, $222, $223, $224, $225, $226, $227, $228, $229, $230, $231, $232, $233, $234, $235, $236, $237, $238, $239, $240, $241, $242, $243, $244, $245, $246, $247, $248, $249, $250, $251, $252, $253, $254, $255, $256, $257, $258, $259, $260, $261, $262, $263, $264, $265, $266, $267, $268, $269, $270, $271, $272, $273, $274, $275, $276, $277, $278, $279, $280, $281, $282, $283, $284, $285, $286, $287, $288, $289, $290, $291, $292, $293, $294, $295, $296, $297, $298, $299, $300, $301) order by "bank_statement_id", "position"

select "id", "bank_entry_id", "transaction_index", "status" from "bank_transaction" where "tenant_id" = $1 and "bank_entry_id" in ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $48, $49, $50, $51, $52, $53, $54, $55, $56, $57, $58, $59, $60, $61, $62, $63, $64, $65, $66, $67, $68, $69, $70, $71, $72, $73, $74, $75, $76, $77, $78, $79, $80, $81, $82, $83, $84, $85, $86, $87, $88, $89, $90, $91, $92, $93, $94, $95, $96, $97, $98, $99, $100, $101, $102, $103, $104, $105, $106, $107, $108, $109, $110, $111, $112, $113, $114, $115, $116, $117, $118, $119, $120, $121, $122, $123, $124, $125, $126, $127, $128, $129, $130, $131, $132, $133, $134, $135, $136, $137, $138, $139, $140, $141, $142, $143, $144, $145, $146, $147, $148, $149, $150, $151, $152, $153, $154, $155, $156, $157, $158, $159, $160, $161, $162, $163, $164, $165, $166, $167, $168, $169, $170, $171, $172, $173, $174, $175, $176, $177, $178, $179, $180, $181, $182, $183, $184, $185, $186, $187, $188, $189, $190, $191, $192, $193, $194, $195, $196, $197, $198, $199, $200, $201, $202, $203, $204, $205, $206, $207, $208, $209, $210, $211, $212, $213, $214, $215, $216, $217, $218, $219, $220, $221, $222, $223, $224, $225, $226, $227, $228, $229, $230, $231, $232, $233, $234, $235, $236, $237, $238, $239, $240, $241, $242, $243, $244, $245, $246, $247, $248, $249, $250, $251, $252, $253, $254, $255, $256, $257, $258, $259, $260, $261, $262, $263, $264, $265, $266, $267, $268, $269, $270, $271, $272, $273, $274, $275, $276, $277, $278, $279, $280, $281, $282, $283, $284, $285, $286, $287, $288, $289, $290, $291, $292, $293, $294, $295, $296, $297, $298, $299, $300, $301)

with given as (
select unnest($1::uuid[]) as id
), locked as (
-- Joined to the given ids, so that each invoice is found by its key whatever the
-- planner thinks of a long id list.
select i.id, i.number, i.customer_id, i.currency, i.payable_minor, i.status,
i.document_type
from given join invoice i on i.tenant_id = $2 and i.id = given.id
order by i.id
for update of i
), settled as (
select st.invoice_id, sum(st.amount_minor)::bigint as settled_minor
from given join invoice_settlement st
on st.tenant_id = $3 and st.invoice_id = given.id
group by st.invoice_id
)
select locked.id as invoice_id, locked.number, locked.customer_id, locked.currency,
locked.payable_minor, locked.payable_minor - coalesce(settled.settled_minor, 0) as open_minor
from locked left join settled on settled.invoice_id = locked.id
where locked.status = 'issued' and locked.document_type = 'invoice'

insert into bank_transaction (tenant_id, id, bank_entry_id, transaction_index,
amount_minor, currency, sign, booked_on, end_to_end_id, mandate_id, counterparty_name,
counterparty_iban, return_reason, decision, notes, status, matched_at, matched_by)
select $1::uuid, r.id, r.bank_entry_id, r.transaction_index,
r.amount_minor::bigint, r.currency, r.sign, r.booked_on, r.end_to_end_id, r.mandate_id,
r.counterparty_name, r.counterparty_iban, r.return_reason, r.decision, r.notes,
r.status, $2::timestamptz, $3
from jsonb_to_recordset($4::jsonb) as r(id uuid, bank_entry_id uuid,
transaction_index int, amount_minor text, currency text, sign text, booked_on date,
end_to_end_id text, mandate_id text, counterparty_name text, counterparty_iban text,
return_reason text, decision text, notes jsonb, status text)
on conflict (tenant_id, id) do update set decision = excluded.decision,
notes = excluded.notes, status = excluded.status, matched_at = excluded.matched_at,
matched_by = excluded.matched_by

insert into bank_transaction_candidate (tenant_id, bank_transaction_id, rank, customer_id,
currency, payment_minor, unapplied_minor, confidence, reasons, allocations, write_offs)
select $1::uuid, r.bank_transaction_id, r.rank, r.customer_id, r.currency,
r.payment_minor::bigint, r.unapplied_minor::bigint, r.confidence, r.reasons,
r.allocations, r.write_offs
from jsonb_to_recordset($2::jsonb) as r(
bank_transaction_id uuid, rank int, customer_id uuid, currency text,
payment_minor text, unapplied_minor text, confidence numeric, reasons jsonb,
allocations jsonb, write_offs jsonb)

select "id", "code", "name", "kind", "purpose", "active" from "account" order by "code"

insert into invoice_settlement (tenant_id, id, invoice_id, kind, amount_minor, currency,
settled_on, source_type, source_id, created_at, created_by)
select $1::uuid, r.id, r.invoice_id, r.kind, r.amount_minor::bigint,
r.currency, r.settled_on, r.source_type, r.source_id, $2::timestamptz,
$3
from jsonb_to_recordset($4::jsonb) as r(id uuid, invoice_id uuid,
kind text, amount_minor text, currency text, settled_on date, source_type text,
source_id text)

insert into invoice_event (tenant_id, id, invoice_id, step, channel, detail, occurred_at)
select $1::uuid, r.id, r.invoice_id, r.step, null, r.detail,
$2::timestamptz
from jsonb_to_recordset($3::jsonb) as r(id uuid, invoice_id uuid,
step text, detail jsonb)

insert into payment (tenant_id, id, customer_id, amount_minor, currency, received_on,
method, source, payer_name, payer_iban, reference, created_at, created_by)
select $1::uuid, r.id, r.customer_id, r.amount_minor::bigint, r.currency,
r.received_on, 'bank_transfer', 'bank', r.payer_name, r.payer_iban, r.reference,
$2::timestamptz, $3
from jsonb_to_recordset($4::jsonb) as r(id uuid, customer_id uuid,
amount_minor text, currency text, received_on date, payer_name text, payer_iban text,
reference text)

insert into payment_allocation (tenant_id, id, payment_id, invoice_id, amount_minor,
currency, settlement_id, created_at, created_by)
select $1::uuid, r.id, r.payment_id, r.invoice_id, r.amount_minor::bigint,
r.currency, r.settlement_id, $2::timestamptz, $3
from jsonb_to_recordset($4::jsonb) as r(id uuid, payment_id uuid,
invoice_id uuid, amount_minor text, currency text, settlement_id uuid)

select "code" from "account" where "code" in ($1, $2) and "active" = $3

insert into journal_entry (tenant_id, id, posted_on, description, source_type, source_id,
created_at, created_by)
select $1::uuid, r.id, r.posted_on, r.description, r.source_type,
r.source_id, $2::timestamptz, $3
from jsonb_to_recordset($4::jsonb) as r(id uuid,
posted_on date, description text, source_type text, source_id text)

insert into journal_line (tenant_id, entry_id, line_no, account_code, debit_minor,
credit_minor, currency, customer_id)
select $1::uuid, r.entry_id, r.line_no, r.account_code,
r.debit_minor::bigint, r.credit_minor::bigint, r.currency, r.customer_id
from jsonb_to_recordset($2::jsonb) as r(entry_id uuid,
line_no int, account_code text, debit_minor text, credit_minor text, currency text,
customer_id uuid)

insert into cash_application (tenant_id, id, bank_transaction_id, customer_id, payment_id,
journal_entry_id, currency, payment_minor, unapplied_minor, applied_by, confidence,
reasons, created_at, created_by)
select $1::uuid, r.id, r.bank_transaction_id, r.customer_id, r.payment_id,
r.journal_entry_id, r.currency, r.payment_minor::bigint, r.unapplied_minor::bigint,
r.applied_by, r.confidence, r.reasons, $2::timestamptz, $3
from jsonb_to_recordset($4::jsonb)
as r(id uuid, bank_transaction_id uuid, customer_id uuid, payment_id uuid,
journal_entry_id uuid, currency text, payment_minor text, unapplied_minor text,
applied_by text, confidence numeric, reasons jsonb)

insert into cash_application_line (tenant_id, cash_application_id, line_no, kind,
invoice_id, amount_minor, settlement_id)
select $1::uuid, r.cash_application_id, r.line_no, r.kind, r.invoice_id,
r.amount_minor::bigint, r.settlement_id
from jsonb_to_recordset($2::jsonb)
as r(cash_application_id uuid, line_no int, kind text, invoice_id uuid,
amount_minor text, settlement_id uuid)

select distinct 'promise' as kind, h.promise_id as id
from unnest($1::uuid[]) as g(id)
join promise_to_pay_item h on h.tenant_id = $2 and h.invoice_id = g.id
join promise_to_pay p on p.tenant_id = h.tenant_id and p.id = h.promise_id
where p.status = 'active'
union
select distinct 'plan' as kind, h.plan_id as id
from unnest($3::uuid[]) as g(id)
join payment_plan_item h on h.tenant_id = $4 and h.invoice_id = g.id
join payment_plan p on p.tenant_id = h.tenant_id and p.id = h.plan_id
where p.status = 'active'

select d.invoice_id from unnest($1::uuid[]) as g(id)
join direct_debit_item d on d.tenant_id = $2 and d.invoice_id = g.id
where d.status = 'submitted'

update bank_entry e set status = s.status, matched_at = $1::timestamptz,
matched_by = $2
from (
select t.bank_entry_id,
case when bool_or(t.status = 'suggested') then 'suggested'
when bool_or(t.status = 'unmatched') then 'unmatched'
when bool_and(t.status = 'ignored') then 'ignored'
else 'applied' end as status
from bank_transaction t
where t.tenant_id = $3 and t.bank_entry_id = any($4::uuid[])
group by t.bank_entry_id
) s
where e.tenant_id = $5 and e.id = s.bank_entry_id
