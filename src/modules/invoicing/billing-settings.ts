import { countrySpecs, electronicFormatIBAN, isValidBIC, isValidIBAN } from 'ibantools'
import { checkVAT, countries as vatCountries } from 'jsvat'
import { type CalendarDate, isCalendarDate } from '../../core/dates.js'
import { domainError, type FieldIssue, invalid } from '../../core/errors.js'
import { type Decimal, formatDecimal, parseDecimal } from '../../core/money.js'
import type { PaymentReferenceScheme } from '../../core/payment-reference.js'
import type { Ctx } from '../../db/context.js'
import { recordAudit } from '../audit/index.js'
import type { DocumentLook } from '../documents/index.js'
import { emitEvent } from '../outbox/index.js'
import type { Party, Seller } from './document.js'
import './errors.js'
import { camelKeys, snakeKeys } from './json-case.js'
import { SERIES_PATTERN } from './numbering.js'

// Who the tenant is on its invoices (the seller), where its customers pay, how payment
// references are made, which series number the documents, and how the PDF looks. One row
// per tenant; issuing refuses to start without it (invoicing.billing_settings_missing).

export type BillingSettings = {
  seller: Seller
  paymentReferenceScheme: PaymentReferenceScheme
  invoiceSeries: string
  creditNoteSeries: string
  fiscalYearStartMonth: number
  holidayCalendar: 'nl' | 'none'
  extraHolidays: CalendarDate[]
  /** The early-payment discount offered unless a draft says otherwise (null: none). */
  discount: { percent: Decimal; days: number } | null
  primaryColour: string
  accentColour: string
  logo: { mediaType: 'image/png' | 'image/jpeg'; bytes: Buffer } | null
  /** Series name → the two-digit code in payment references; grows, never shrinks. */
  seriesCodes: Record<string, number>
  updatedAt: Date
  version: number
}

export type BillingSettingsInput = {
  seller: Seller
  paymentReferenceScheme?: PaymentReferenceScheme
  invoiceSeries?: string
  creditNoteSeries?: string
  fiscalYearStartMonth?: number
  holidayCalendar?: 'nl' | 'none'
  extraHolidays?: CalendarDate[]
  discount?: { percent: Decimal; days: number } | null
  primaryColour?: string
  accentColour?: string
}

// Logos go on every PDF page header; a quarter of a megabyte is plenty for one and keeps
// each rendered invoice small.
export const logoBytesMax = 256 * 1024

// Codes are two digits in the payment reference (see issue.ts).
const seriesCodeMax = 99

// The settings as read in a transaction: issuing reads them for the draft, the issue and (in a
// billing run's batch) every invoice of the batch. Writing them here forgets the copy.
const settingsOfTransaction = new WeakMap<Ctx, Promise<BillingSettings | null>>()

export function getBillingSettings(ctx: Ctx): Promise<BillingSettings | null> {
  let settings = settingsOfTransaction.get(ctx)
  if (!settings) {
    settings = readBillingSettings(ctx)
    settingsOfTransaction.set(ctx, settings)
    settings.catch(() => settingsOfTransaction.delete(ctx))
  }
  return settings
}

// The colours of a tenant that has not chosen its own (also the columns' defaults in 0008).
const defaultLook: DocumentLook = { primaryColour: '#1f3a5f', accentColour: '#e8eef5' }

/** How the tenant's PDFs look: its logo and colours, or the defaults before it has settings. */
export async function documentLook(ctx: Ctx): Promise<DocumentLook> {
  const settings = await getBillingSettings(ctx)
  if (!settings) return defaultLook
  return {
    primaryColour: settings.primaryColour,
    accentColour: settings.accentColour,
    ...(settings.logo
      ? { logo: { data: new Uint8Array(settings.logo.bytes), mediaType: settings.logo.mediaType } }
      : {}),
  }
}

async function readBillingSettings(ctx: Ctx): Promise<BillingSettings | null> {
  const row = await ctx.db.selectFrom('billingSettings').selectAll().executeTakeFirst()
  if (!row) return null
  return {
    seller: camelKeys(row.seller) as Seller,
    paymentReferenceScheme: row.paymentReferenceScheme,
    invoiceSeries: row.invoiceSeries,
    creditNoteSeries: row.creditNoteSeries,
    fiscalYearStartMonth: row.fiscalYearStartMonth,
    holidayCalendar: row.holidayCalendar,
    extraHolidays: row.extraHolidays,
    discount:
      row.discountPercent !== null && row.discountDays !== null
        ? { percent: parseDecimal(row.discountPercent, 4) as Decimal, days: row.discountDays }
        : null,
    primaryColour: row.primaryColour,
    accentColour: row.accentColour,
    logo: row.logo && row.logoMediaType ? { mediaType: row.logoMediaType, bytes: row.logo } : null,
    seriesCodes: row.seriesCodes,
    updatedAt: row.updatedAt,
    version: row.version,
  }
}

/** The settings issuing needs, or a clear error naming what to set. */
export async function requireBillingSettings(ctx: Ctx): Promise<BillingSettings> {
  const settings = await getBillingSettings(ctx)
  if (!settings) {
    throw domainError(
      'invoicing.billing_settings_missing',
      'No billing settings: set the seller (name, address, VAT id, payee account IBAN) with PUT /v1/billing-settings or `o2c invoices settings set --file settings.json`',
      { missing: ['seller', 'seller.payee_account.iban'] },
    )
  }
  return settings
}

/**
 * Replaces the billing settings (all but the logo). The first save needs no version; later
 * ones need the version last read, so two people cannot overwrite each other unseen.
 */
export async function putBillingSettings(
  ctx: Ctx,
  input: BillingSettingsInput,
  expectedVersion?: number,
): Promise<BillingSettings> {
  const settings = normaliseSettings(input)
  const issues = checkSettings(settings)
  if (issues.length > 0) throw invalid(issues)

  const before = await ctx.db
    .selectFrom('billingSettings')
    .select(['version', 'seriesCodes'])
    .forUpdate()
    .executeTakeFirst()
  if (!before && expectedVersion !== undefined && expectedVersion !== 0) {
    throw domainError(
      'request.stale_etag',
      `No billing settings were saved yet (version 0), not version ${expectedVersion}`,
      { field: 'If-Match', version: 0 },
    )
  }
  if (before && expectedVersion === undefined) {
    throw domainError(
      'request.precondition_required',
      'The billing settings exist: send If-Match with the ETag you last read',
      { field: 'If-Match' },
    )
  }
  if (before && expectedVersion !== before.version) {
    throw domainError(
      'request.stale_etag',
      `The billing settings are at version ${before.version}, not ${expectedVersion}`,
      { field: 'If-Match', version: before.version },
    )
  }
  const seriesCodes = withSeriesCodes(before?.seriesCodes ?? {}, [
    settings.invoiceSeries,
    settings.creditNoteSeries,
  ])
  const columns = {
    seller: JSON.stringify(snakeKeys(settings.seller)),
    paymentReferenceScheme: settings.paymentReferenceScheme,
    invoiceSeries: settings.invoiceSeries,
    creditNoteSeries: settings.creditNoteSeries,
    seriesCodes: JSON.stringify(seriesCodes),
    fiscalYearStartMonth: settings.fiscalYearStartMonth,
    holidayCalendar: settings.holidayCalendar,
    extraHolidays: JSON.stringify(settings.extraHolidays),
    discountPercent: settings.discount ? formatDecimal(settings.discount.percent) : null,
    discountDays: settings.discount?.days ?? null,
    primaryColour: settings.primaryColour,
    accentColour: settings.accentColour,
    updatedAt: ctx.now,
  }
  if (before) {
    await ctx.db
      .updateTable('billingSettings')
      .set((eb) => ({ ...columns, version: eb('version', '+', 1) }))
      .execute()
  } else {
    await ctx.db
      .insertInto('billingSettings')
      .values({ tenantId: ctx.tenantId, ...columns })
      .execute()
  }
  settingsOfTransaction.delete(ctx)
  const after = (await getBillingSettings(ctx)) as BillingSettings
  await recordAudit(ctx, {
    entityType: 'billing_settings',
    entityId: ctx.tenantId,
    action: before ? 'updated' : 'created',
    after: { ...after, logo: undefined },
  })
  await emitEvent(ctx, {
    type: 'billing_settings.updated',
    entityType: 'billing_settings',
    entityId: ctx.tenantId,
    payload: { version: after.version },
  })
  return after
}

/** Replaces the logo on the PDFs: PNG or JPEG bytes, recognised by their signature. */
export async function putBillingLogo(ctx: Ctx, bytes: Buffer): Promise<BillingSettings> {
  if (bytes.length > logoBytesMax) {
    throw domainError(
      'invoicing.logo_too_large',
      `The logo has ${bytes.length} bytes; at most ${logoBytesMax} are allowed`,
      { field: 'logo', bytes_max: logoBytesMax },
    )
  }
  const mediaType = imageType(bytes)
  if (!mediaType) {
    throw domainError('invoicing.logo_invalid', 'The logo is neither a PNG nor a JPEG image', {
      field: 'logo',
    })
  }
  const current = await requireBillingSettings(ctx)
  await ctx.db
    .updateTable('billingSettings')
    .set((eb) => ({
      logo: bytes,
      logoMediaType: mediaType,
      updatedAt: ctx.now,
      version: eb('version', '+', 1),
    }))
    .execute()
  settingsOfTransaction.delete(ctx)
  await recordAudit(ctx, {
    entityType: 'billing_settings',
    entityId: ctx.tenantId,
    action: 'logo_replaced',
    before: { logo_media_type: current.logo?.mediaType ?? null },
    after: { logo_media_type: mediaType, logo_bytes: bytes.length },
  })
  await emitEvent(ctx, {
    type: 'billing_settings.updated',
    entityType: 'billing_settings',
    entityId: ctx.tenantId,
    payload: { version: current.version + 1 },
  })
  return (await getBillingSettings(ctx)) as BillingSettings
}

function imageType(bytes: Buffer): 'image/png' | 'image/jpeg' | undefined {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  if (bytes.length > 8 && bytes.subarray(0, 8).equals(png)) return 'image/png'
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'image/jpeg'
  }
  return undefined
}

function withSeriesCodes(codes: Record<string, number>, series: string[]): Record<string, number> {
  const next = { ...codes }
  for (const name of series) {
    if (next[name] !== undefined) continue
    const code = Math.max(0, ...Object.values(next)) + 1
    if (code > seriesCodeMax) {
      throw domainError(
        'invoicing.payment_reference_exhausted',
        `The tenant has used ${seriesCodeMax} series names; payment references have room for no more`,
        { field: 'invoice_series' },
      )
    }
    next[name] = code
  }
  return next
}

function normaliseSettings(input: BillingSettingsInput): Required<BillingSettingsInput> {
  const seller = normaliseParty(input.seller) as Seller
  const account = input.seller.payeeAccount ?? { iban: '' }
  seller.payeeAccount = {
    iban: electronicFormatIBAN(account.iban) ?? account.iban.replace(/\s/g, '').toUpperCase(),
    ...(account.bic ? { bic: account.bic.toUpperCase() } : {}),
    ...(account.name ? { name: account.name } : {}),
  }
  return {
    seller,
    paymentReferenceScheme: input.paymentReferenceScheme ?? 'nl',
    invoiceSeries: input.invoiceSeries ?? 'INV',
    creditNoteSeries: input.creditNoteSeries ?? 'CN',
    fiscalYearStartMonth: input.fiscalYearStartMonth ?? 1,
    holidayCalendar: input.holidayCalendar ?? 'nl',
    extraHolidays: [...new Set(input.extraHolidays ?? [])].sort(),
    discount: input.discount ?? null,
    primaryColour: input.primaryColour ?? defaultLook.primaryColour,
    accentColour: input.accentColour ?? defaultLook.accentColour,
  }
}

/** Upper-case VAT id without dots or spaces, upper-case country codes. */
export function normaliseParty<T extends Party>(party: T): T {
  return {
    ...party,
    ...(party.vatId ? { vatId: party.vatId.toUpperCase().replace(/[\s.-]/g, '') } : {}),
    address: { ...party.address, country: party.address.country.toUpperCase() },
  }
}

function checkSettings(settings: Required<BillingSettingsInput>): FieldIssue[] {
  const issues = checkParty('seller', settings.seller)
  const iban = settings.seller.payeeAccount.iban
  if (!isValidIBAN(iban)) {
    issues.push({ field: 'seller.payee_account.iban', message: `"${iban}" is not a valid IBAN` })
  }
  const bic = settings.seller.payeeAccount.bic
  if (bic && !isValidBIC(bic)) {
    issues.push({ field: 'seller.payee_account.bic', message: `"${bic}" is not a valid BIC` })
  }
  for (const [field, series] of [
    ['invoice_series', settings.invoiceSeries],
    ['credit_note_series', settings.creditNoteSeries],
  ] as const) {
    if (!SERIES_PATTERN.test(series)) {
      issues.push({ field, message: 'must be 1 to 20 capital letters, digits or hyphens' })
    }
  }
  if (settings.invoiceSeries === settings.creditNoteSeries) {
    issues.push({
      field: 'credit_note_series',
      message: 'must differ from invoice_series: credit notes are numbered on their own',
    })
  }
  if (
    !Number.isInteger(settings.fiscalYearStartMonth) ||
    settings.fiscalYearStartMonth < 1 ||
    settings.fiscalYearStartMonth > 12
  ) {
    issues.push({ field: 'fiscal_year_start_month', message: 'must be a month 1 to 12' })
  }
  settings.extraHolidays.forEach((date, index) => {
    if (!isCalendarDate(date)) {
      issues.push({ field: `extra_holidays[${index}]`, message: 'must be a date YYYY-MM-DD' })
    }
  })
  if (settings.discount) {
    const { percent, days } = settings.discount
    if (percent.units <= 0n || percent.units >= 100n * 10n ** BigInt(percent.scale)) {
      issues.push({ field: 'discount.percent', message: 'must be above 0 and below 100' })
    }
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      issues.push({ field: 'discount.days', message: 'must be 1 to 365 days' })
    }
  }
  for (const [field, colour] of [
    ['primary_colour', settings.primaryColour],
    ['accent_colour', settings.accentColour],
  ] as const) {
    if (!/^#[0-9a-fA-F]{6}$/.test(colour)) {
      issues.push({ field, message: 'must be a colour #RRGGBB' })
    }
  }
  return issues
}

/** The checks of a party printed on an invoice: name, address, country, VAT id. */
export function checkParty(prefix: string, party: Party): FieldIssue[] {
  const issues: FieldIssue[] = []
  if (!party.name?.trim()) issues.push({ field: `${prefix}.name`, message: 'is required' })
  const address = party.address
  if (address.lines.length < 1 || address.lines.length > 3 || address.lines.some((l) => !l)) {
    issues.push({ field: `${prefix}.address.lines`, message: 'must be 1 to 3 non-empty lines' })
  }
  if (!address.city?.trim()) {
    issues.push({ field: `${prefix}.address.city`, message: 'is required' })
  }
  if (!isCountry(address.country)) {
    issues.push({
      field: `${prefix}.address.country`,
      message: `"${address.country}" is not an ISO 3166 country code`,
    })
  }
  if (party.vatId) {
    const problem = vatIdProblem(party.vatId)
    if (problem) issues.push({ field: `${prefix}.vat_id`, message: problem })
  }
  if (party.electronicAddress && !/^[0-9]{4}$/.test(party.electronicAddress.scheme)) {
    issues.push({
      field: `${prefix}.electronic_address.scheme`,
      message: 'must be a four-digit Peppol EAS code such as 0106 or 9944',
    })
  }
  return issues
}

export function isCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && code in countrySpecs
}

/** What is wrong with a VAT id, or undefined; EU ids are checked on their check digits. */
export function vatIdProblem(vatId: string): string | undefined {
  if (!/^[A-Z]{2}[0-9A-Z+*]{2,13}$/.test(vatId)) {
    return `"${vatId}" is not a VAT id (country prefix and number)`
  }
  const result = checkVAT(vatId, vatCountries)
  if (!result.isSupportedCountry) return undefined
  if (!result.isValidFormat) {
    return `"${vatId}" does not have the format of a ${result.country?.name} VAT id`
  }
  if (!result.isValid) return `"${vatId}" fails the ${result.country?.name} VAT id check digit`
  return undefined
}
