-- Invoice numbering (DESIGN.md invariant 2): numbers are gapless and increasing per series and
-- fiscal year, assigned when an invoice is issued, inside the issuing transaction. One counter
-- row per (tenant, series, fiscal year) holds the last number given out. Issuing increments it
-- with one `insert … on conflict … do update … returning`: the row lock is held until commit,
-- so concurrent issuers of one series take turns, and a rollback gives the number back. A
-- sequence object would be faster but leaves gaps on rollback, which the law does not allow.

create table invoice_number_series (
  tenant_id uuid not null references tenant,
  series text not null check (series ~ '^[A-Z0-9-]{1,20}$'),
  fiscal_year integer not null check (fiscal_year between 1900 and 9999),
  -- Tokens: {series}, {year}, {seq} or {seq:N} (zero-padded to N digits). A new fiscal year of a
  -- series takes the format of the series' latest year, so the format is per series.
  format text not null default '{series}-{year}-{seq:5}' check (format like '%{seq%'),
  last_number bigint not null default 0 check (last_number >= 0),
  primary key (tenant_id, series, fiscal_year)
);
select o2c_protect('invoice_number_series');
