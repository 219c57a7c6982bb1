-- Delivery: every attempt to get a document or a notice to a customer, on the channel the
-- customer prefers (email, Peppol, portal link). One row per delivery: an invoice or credit
-- note sent once (a resend is a new row), or one shipment notification. The document's
-- timeline (invoice_event, 0008) tells the story; this table keeps what the channel needs to
-- retry, match a bounce or a Peppol receipt to the message, and show the billing specialist
-- where each copy went.
create table delivery (
  tenant_id uuid not null references tenant,
  id uuid not null,
  -- What is delivered: an issued invoice or credit note, or a shipment notification.
  subject text not null check (subject in ('invoice', 'shipment_notice')),
  invoice_id uuid,
  shipment_id uuid,
  channel text not null check (channel in ('email', 'peppol', 'portal')),
  -- An email address, or a Peppol participant id "scheme:id" (e.g. 0106:12345678).
  recipient text check (length(recipient) <= 320),
  -- queued → sent → delivered; bounced when refused for good (or after the last retry).
  status text not null default 'queued'
    check (status in ('queued', 'sent', 'delivered', 'bounced')),
  -- The channel's id of the message: the Message-ID of the mail, the Peppol message id.
  message_id text check (length(message_id) <= 998),
  attempts integer not null default 0 check (attempts >= 0),
  last_error text check (length(last_error) <= 2000),
  -- The event that asked for this delivery (invoice.issued, shipment.shipped, a resend's
  -- invoice.queued), so a job that runs twice finds the row it made the first time.
  source_event_id uuid,
  created_at timestamptz not null,
  sent_at timestamptz,
  settled_at timestamptz,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, invoice_id) references invoice,
  foreign key (tenant_id, shipment_id) references shipment,
  unique (tenant_id, source_event_id),
  check ((subject = 'invoice') = (invoice_id is not null)),
  check ((subject = 'shipment_notice') = (shipment_id is not null)),
  check (status = 'queued' or status = 'bounced' or message_id is not null)
);
create index delivery_by_invoice on delivery (tenant_id, invoice_id, id) where invoice_id is not null;
create index delivery_by_message on delivery (tenant_id, message_id) where message_id is not null;
select o2c_protect('delivery');
