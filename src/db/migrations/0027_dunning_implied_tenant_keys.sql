-- The dunning run writes a dunning_item_step and a dunning_item row for every item it dunns
-- (850,000 on the benchmark's first day). Their own foreign key to tenant is implied by the
-- keys they keep (tenant_id, invoice_id) → invoice and (tenant_id, message_id) →
-- dunning_message, whose rows reference the tenant themselves; checking it again cost about a
-- sixth of the run's time (docs/performance.md, "Dunning run").
alter table dunning_item drop constraint dunning_item_tenant_id_fkey;
alter table dunning_item_step drop constraint dunning_item_step_tenant_id_fkey;
