-- The trigger that keeps an issued document's lines, allowances and VAT rows fixed (0008)
-- asked for "the invoice with this key and status issued". Its plan is cached per session,
-- and planned while the table was small it took the partial index of issued invoices by due
-- date (which matches the status) and walked every issued invoice of the tenant: inserting an
-- invoice's lines slowed with every invoice issued (23 ms at 43,000 on PostgreSQL). It now
-- reads the invoice's status by its primary key, a plan no statistics can change.
create or replace function invoice_part_refuse_change_when_issued() returns trigger
language plpgsql as $$
declare
  target uuid := case when tg_op = 'INSERT' then new.invoice_id else old.invoice_id end;
  tenant uuid := case when tg_op = 'INSERT' then new.tenant_id else old.tenant_id end;
  target_status text;
begin
  select i.status into target_status from invoice i where i.tenant_id = tenant and i.id = target;
  if target_status = 'issued' then
    raise exception 'invoice % is issued: its % cannot change', target, tg_table_name
      using errcode = 'check_violation', constraint = 'invoice_issued_immutable';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;
