-- Planner statistics for tables a bulk run has just grown. PGlite has no autovacuum, and a
-- PostgreSQL whose autovacuum is off or lagging behind a bulk load has none either. Without
-- them, the plan a connection caches while a table is small stays: the foreign-key check
-- "select 1 from invoice where tenant_id = $1 and id = $2" then took the index
-- invoice_by_customer (tenant_id, customer_id, status, id) with only the tenant as its bound
-- and read every invoice of the tenant, for every line, VAT row and event inserted: a billing
-- run grew slower with each invoice (78 buffers per check at 4,000 invoices; 4 after ANALYZE,
-- which also makes every connection re-plan). The application role may not ANALYZE tables it
-- does not own, so this function, owned by the migrations' role, does it for the tables named.
create function o2c_refresh_statistics(table_names text[]) returns void
language plpgsql security definer set search_path = public as $$
declare
  table_name text;
begin
  -- All names first: ANALYZE writes pg_class in place, so a refusal halfway would not undo it.
  foreach table_name in array table_names loop
    if to_regclass(format('public.%I', table_name)) is null then
      raise exception 'no table %', table_name using errcode = 'undefined_table';
    end if;
  end loop;
  foreach table_name in array table_names loop
    execute format('analyze public.%I', table_name);
  end loop;
end $$;
revoke all on function o2c_refresh_statistics(text[]) from public;
grant execute on function o2c_refresh_statistics(text[]) to o2c_app;
