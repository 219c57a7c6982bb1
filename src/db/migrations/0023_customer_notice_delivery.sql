-- Collections (issue 7, dunning/): how each notice to a customer went out. A notice (the
-- confirmation of a promise, a plan or a dispute; collection_activity kind 'confirmation') is
-- sent by a job on the customer's preferred channel; this row records the channel, the
-- recipient and the provider's id, so a retried job knows it was sent and sends nothing twice.
create table customer_notice_delivery (
  tenant_id uuid not null references tenant,
  activity_id uuid not null,
  customer_id uuid not null,
  channel text not null check (channel in ('email', 'sms', 'whatsapp', 'letter', 'phone')),
  -- sent: the channel took it; failed: given up (failure says why); task_created: a
  -- collector calls (phone), or the notice had no way to the customer.
  status text not null check (status in ('sent', 'failed', 'task_created')),
  recipient text,
  provider_message_id text,
  failure text check (length(failure) <= 2000),
  sent_at timestamptz not null,
  primary key (tenant_id, activity_id),
  foreign key (tenant_id, activity_id) references collection_activity,
  foreign key (tenant_id, customer_id) references customer
);
select o2c_protect('customer_notice_delivery');
