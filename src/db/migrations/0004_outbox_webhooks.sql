-- What webhook delivery needs beyond 0001:
-- * Signing secrets rotate without a gap: after a rotation, deliveries are signed with the new
--   and the previous secret until previous_secret_expires_at, so a receiver can switch over at
--   its own pace instead of refusing every delivery from the moment of rotation.
-- * A redelivery replaces a job that is still waiting for its next retry. The waiting job is
--   'cancelled' (not run, not counted as done), so one delivery never has two live jobs.
-- * The event log is read by entity (GET /v1/events?entity_id=…).
-- * Rows made in SQL (emitEvent fans out deliveries and jobs in one statement) get time-ordered
--   UUIDs (v7) like the ones newId() makes in TypeScript, so lists sorted by id (and their
--   cursors) follow creation order. PostgreSQL has uuidv7() only from version 18.

alter table webhook_endpoint
  add column previous_secret text,
  add column previous_secret_expires_at timestamptz,
  add constraint webhook_endpoint_previous_secret_check
    check ((previous_secret is null) = (previous_secret_expires_at is null));

alter table job drop constraint job_status_check;
alter table job add constraint job_status_check
  check (status in ('queued', 'running', 'done', 'dead', 'cancelled'));
alter table job add constraint job_attempts_check check (attempts >= 0 and attempts_max >= 1);

alter table webhook_delivery add constraint webhook_delivery_attempts_check check (attempts >= 0);
alter table webhook_delivery add constraint webhook_delivery_delivered_check
  check (status <> 'delivered' or delivered_at is not null);

alter table webhook_attempt add constraint webhook_attempt_outcome_check
  check (status_code is not null or error is not null);
alter table webhook_attempt add constraint webhook_attempt_duration_check check (duration_ms >= 0);

create index outbox_event_by_entity on outbox_event (tenant_id, entity_id, id);

create or replace function o2c_uuid_v7() returns uuid
language sql volatile as $$
  -- 48 bits of Unix milliseconds, then random bits with the version (7) and variant set.
  select encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
        placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;
grant execute on function o2c_uuid_v7() to o2c_app;
