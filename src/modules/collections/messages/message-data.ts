import { sql } from 'kysely'
import { addDays, type CalendarDate, daysBetween } from '../../../core/dates.js'
import type { Ctx } from '../../../db/context.js'
import { getCustomer } from '../../customers/index.js'
import { formatDate, formatMoney } from '../../documents/index.js'
import { type PostalAddress, requireBillingSettings, type Seller } from '../../invoicing/index.js'
import { payPageUrl } from '../../payments/index.js'
import {
  businessCollectionCosts,
  costsToNameInLetter,
  type InterestKind,
  interestAfterDueDate,
  letterTerm,
  statutoryRateCoverage,
} from '../law/index.js'
import type { DunningChannel, TemplateAudience } from '../tables.js'
import type { TemplateLanguage } from './default-templates.js'
import { escapeHtml, type Placeholder } from './template-text.js'

// What a dunning message says about its customer, as data: the seller, the customer and its
// billing address, the items with their current open amounts, the pay link. Loaded for a
// stored message (its dunning_item_step rows) or, for a preview, for a customer's real
// overdue items. placeholderValues turns it into the text of each placeholder.

export type MessageItem = {
  invoiceId: string
  number: string
  dueDate: CalendarDate
  openMinor: bigint
  paymentReference: string | null
}

export type MessageData = {
  seller: Seller
  customer: {
    id: string
    name: string
    number: string
    country: string | null
    address: PostalAddress | undefined
  }
  language: TemplateLanguage
  audience: TemplateAudience
  /** Public sector debtors owe the commercial rate of art. 6:119b BW. */
  publicDebtor: boolean
  channel: DunningChannel
  currency: string
  /** The message's date: its run's date, or today for a preview. */
  date: CalendarDate
  items: MessageItem[]
  totalMinor: bigint
  paymentLink: string
}

export function audienceOf(segment: string): TemplateAudience {
  return segment === 'consumer' ? 'consumer' : 'business'
}

export function languageOf(language: string): TemplateLanguage {
  return language === 'nl' ? 'nl' : 'en'
}

type ItemRow = {
  invoiceId: string
  number: string
  dueDate: CalendarDate
  openMinor: bigint | string
  paymentReference: string | null
}

/** The items of a stored message with their open amounts now (paid ones left out). */
export async function messageItems(ctx: Ctx, messageId: string): Promise<MessageItem[]> {
  const steps = await ctx.db
    .selectFrom('dunningItemStep')
    .select('invoiceId')
    .where('tenantId', '=', ctx.tenantId)
    .where('messageId', '=', messageId)
    .execute()
  if (steps.length === 0) return []
  // The open items by their ids, not joined: a join lets the planner compute the view's
  // settlement sums for every invoice of the tenant (seen on PGlite, which keeps no
  // statistics), where a list of ids reads only these.
  const rows: ItemRow[] = await ctx.db
    .selectFrom('invoiceOpenItem as o')
    .select(['o.invoiceId', 'o.number', 'o.dueDate', 'o.openMinor', 'o.paymentReference'])
    .where('o.tenantId', '=', ctx.tenantId)
    .where(
      'o.invoiceId',
      'in',
      steps.map((s) => s.invoiceId),
    )
    .orderBy('o.dueDate')
    .orderBy('o.number')
    .execute()
  const items = rows.map(toItem)
  const open = items.filter((i) => i.openMinor > 0n)
  // A message whose items were all paid since still shows what it was about.
  return open.length > 0 ? open : items
}

/** A customer's open items in a currency, overdue ones only if there are any (a preview). */
export async function customerOpenItems(
  ctx: Ctx,
  customerId: string,
  currency: string,
  asOf: CalendarDate,
): Promise<MessageItem[]> {
  const rows: ItemRow[] = await ctx.db
    .selectFrom('invoiceOpenItem as o')
    .select(['o.invoiceId', 'o.number', 'o.dueDate', 'o.openMinor', 'o.paymentReference'])
    .where('o.tenantId', '=', ctx.tenantId)
    .where('o.customerId', '=', customerId)
    .where('o.currency', '=', currency)
    .where(sql<boolean>`o.open_minor > 0`)
    .orderBy('o.dueDate')
    .orderBy('o.number')
    .execute()
  const items = rows.map(toItem)
  const overdue = items.filter((i) => i.dueDate < asOf)
  return overdue.length > 0 ? overdue : items
}

function toItem(r: ItemRow): MessageItem {
  return {
    invoiceId: r.invoiceId,
    number: r.number,
    dueDate: r.dueDate,
    openMinor: BigInt(r.openMinor),
    paymentReference: r.paymentReference,
  }
}

/** Everything but the items: seller, customer, pay link of the oldest item. */
export async function messageData(
  ctx: Ctx,
  input: {
    customerId: string
    language: TemplateLanguage
    audience: TemplateAudience
    channel: DunningChannel
    currency: string
    date: CalendarDate
    items: MessageItem[]
  },
): Promise<MessageData> {
  const [settings, customer] = await Promise.all([
    requireBillingSettings(ctx),
    getCustomer(ctx, input.customerId),
  ])
  const address = customer.addresses.find((a) => a.kind === 'billing') ?? customer.addresses[0]
  const first = input.items[0]
  return {
    ...input,
    seller: settings.seller,
    customer: {
      id: customer.id,
      name: customer.legalName,
      number: customer.number,
      country: customer.country,
      address: address && {
        lines: address.lines,
        postalCode: address.postalCode,
        city: address.city,
        country: address.country,
      },
    },
    publicDebtor: customer.segment === 'public_sector',
    totalMinor: input.items.reduce((sum, i) => sum + i.openMinor, 0n),
    paymentLink: first ? await payPageUrl(ctx, first.invoiceId) : '',
  }
}

/** The interest a customer of this audience owes: statutory for a consumer, else commercial. */
export function interestKindOf(data: Pick<MessageData, 'audience' | 'publicDebtor'>): InterestKind {
  if (data.audience === 'consumer') return 'statutory'
  return data.publicDebtor ? 'commercial_public_debtor' : 'commercial'
}

/** The collection costs the message names: the WIK scale, for a business at least EUR 40. */
export function costsToName(data: Pick<MessageData, 'audience' | 'totalMinor'>): bigint {
  if (data.totalMinor <= 0n) return 0n
  return data.audience === 'consumer'
    ? costsToNameInLetter(data.totalMinor).totalMinor
    : businessCollectionCosts({ principalMinor: data.totalMinor }).totalMinor
}

/** The last day to pay: after the due dates, the end of a 14-day letter's term. */
export function deadlineOf(data: Pick<MessageData, 'items' | 'date'>): CalendarDate {
  const lastDue = data.items
    .map((i) => i.dueDate)
    .sort()
    .at(-1)
  if (lastDue === undefined || data.date <= lastDue) return addDays(data.date, 14)
  return letterTerm({ dueDate: lastDue, sentOn: data.date }).termEndsOn
}

/**
 * Interest on the items from their due dates to the message's date; when the rate table ends
 * before that date, to the table's last day, which the message then names (a letter never
 * states an amount the law's figures do not give).
 */
export function interestToDate(data: MessageData): {
  interestMinor: bigint
  through: CalendarDate
} {
  const kind = interestKindOf(data)
  const coverage = statutoryRateCoverage(kind)
  const through = [data.date, coverage.through].sort()[0] as CalendarDate
  const interestMinor = data.items.reduce(
    (sum, item) =>
      sum +
      interestAfterDueDate({
        kind,
        principalMinor: item.openMinor,
        dueDate: item.dueDate,
        asOf: through,
      }).interestMinor,
    0n,
  )
  return { interestMinor, through }
}

function interestText(data: MessageData): string {
  const { interestMinor, through } = interestToDate(data)
  const amount = formatMoney(interestMinor, data.currency, data.language)
  if (through === data.date) return amount
  const day = formatDate(through, data.language)
  return data.language === 'nl' ? `${amount} (berekend t/m ${day})` : `${amount} (to ${day})`
}

const itemWords = {
  nl: {
    invoice: 'Factuur',
    due: 'vervaldatum',
    open: 'open',
    daysOverdue: (n: number) => (n > 0 ? `${n} dagen te laat` : 'nog niet vervallen'),
    header: ['Factuur', 'Vervaldatum', 'Openstaand', 'Dagen te laat'],
  },
  en: {
    invoice: 'Invoice',
    due: 'due',
    open: 'open',
    daysOverdue: (n: number) => (n > 0 ? `${n} days overdue` : 'not yet due'),
    header: ['Invoice', 'Due date', 'Open amount', 'Days overdue'],
  },
}

export function itemTableHeader(language: TemplateLanguage): string[] {
  return itemWords[language].header
}

/** The rows of the items table, formatted: number, due date, open amount, days overdue. */
export function itemRows(data: MessageData): string[][] {
  return data.items.map((item) => {
    const days = daysBetween(item.dueDate, data.date)
    return [
      item.number,
      formatDate(item.dueDate, data.language),
      formatMoney(item.openMinor, data.currency, data.language),
      days > 0 ? String(days) : '-',
    ]
  })
}

function itemsText(data: MessageData): string {
  const w = itemWords[data.language]
  const short = data.channel === 'sms' || data.channel === 'whatsapp'
  if (short) {
    return data.items
      .map((i) => `${i.number} ${formatMoney(i.openMinor, data.currency, data.language)}`)
      .join(', ')
  }
  return data.items
    .map((item) => {
      const days = daysBetween(item.dueDate, data.date)
      return `- ${w.invoice} ${item.number}, ${w.due} ${formatDate(item.dueDate, data.language)}, ${w.open} ${formatMoney(item.openMinor, data.currency, data.language)}, ${w.daysOverdue(days)}`
    })
    .join('\n')
}

function itemsHtml(data: MessageData): string {
  const head = itemTableHeader(data.language)
    .map((h, i) => `<th style="text-align:${i >= 2 ? 'right' : 'left'}">${escapeHtml(h)}</th>`)
    .join('')
  const rows = itemRows(data)
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => `<td style="text-align:${i >= 2 ? 'right' : 'left'}">${escapeHtml(cell)}</td>`).join('')}</tr>`,
    )
    .join('')
  return `<table cellpadding="4" style="border-collapse:collapse"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`
}

function consequencesText(data: MessageData, costs: string, deadline: string): string {
  if (data.language === 'nl') {
    return data.audience === 'consumer'
      ? `Betaalt u niet uiterlijk op ${deadline}, dan bent u buitengerechtelijke incassokosten verschuldigd van ${costs}, en dragen wij de vordering over ter incasso. Daarnaast bent u dan de wettelijke rente verschuldigd.`
      : `Betaalt u niet uiterlijk op ${deadline}, dan dragen wij de vordering over ter incasso. U bent dan de wettelijke handelsrente (art. 6:119a BW) verschuldigd vanaf de vervaldatum en een vergoeding voor incassokosten van ${costs} (ten minste EUR 40, art. 6:96 BW).`
  }
  return data.audience === 'consumer'
    ? `If you do not pay by ${deadline}, you will owe extrajudicial collection costs of ${costs}, and we will hand the claim over for collection. You will then also owe statutory interest.`
    : `If you do not pay by ${deadline}, we will hand the claim over for collection. You will then owe statutory commercial interest (art. 6:119a Dutch Civil Code) from the due date and compensation for collection costs of ${costs} (at least EUR 40).`
}

/**
 * The text of every placeholder the template uses, as plain text and as HTML. Interest is
 * computed only when used (it needs the rate table to cover the date).
 */
export function placeholderValues(
  data: MessageData,
  used: ReadonlySet<Placeholder>,
): { text: Record<Placeholder, string>; html: Record<Placeholder, string> } {
  const money = (minor: bigint) => formatMoney(minor, data.currency, data.language)
  const deadline = formatDate(deadlineOf(data), data.language)
  const costs = money(costsToName(data))
  const text: Record<Placeholder, string> = {
    'customer.name': data.customer.name,
    'customer.number': data.customer.number,
    'tenant.name': data.seller.tradingName ?? data.seller.name,
    date: formatDate(data.date, data.language),
    items: itemsText(data),
    item_count: String(data.items.length),
    total: money(data.totalMinor),
    payment_link: data.paymentLink,
    payment_reference: data.items[0]?.paymentReference ?? data.items[0]?.number ?? '',
    iban: data.seller.payeeAccount.iban.replace(/\s/g, '').replace(/(.{4})(?=.)/g, '$1 '),
    costs,
    interest: used.has('interest') ? interestText(data) : '',
    deadline,
    consequences: consequencesText(data, costs, deadline),
  }
  const html = Object.fromEntries(
    Object.entries(text).map(([name, value]) => [name, escapeHtml(value)]),
  ) as Record<Placeholder, string>
  html.items = itemsHtml(data)
  html.payment_link = `<a href="${escapeHtml(data.paymentLink)}">${escapeHtml(data.paymentLink)}</a>`
  return { text, html }
}
