import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import { getCreditProfile } from '../credit/index.js'
import { type Customer, findCustomerByNumber } from '../customers/index.js'
import { confirmDraft, lockCreditOfCustomers } from './confirmation.js'
import { type CsvShape, type RowIssue, readCsv, rejected } from './csv.js'
import { insertOrders, type OrderToInsert, reserveOrderNumbers } from './order-store.js'
import type { LineInput } from './pricing.js'
import {
  type CustomerDefaults,
  type NewOrder,
  prepareOrder,
  recordOrderCreated,
} from './service.js'
import type { OrderStatus } from './tables.js'

// Orders from a CSV file, one row per order line; rows with the same order_ref make one
// order. All or nothing: a file with a bad row writes nothing, unless skipInvalid, which
// keeps every order whose rows are all valid (an order is never imported with lines missing).
// An order_ref imported before is not imported again, so re-running a file is harmless.

export const orderImportShape: CsvShape = {
  what: 'orders file',
  columns: [
    'order_ref',
    'customer_number',
    'customer_reference',
    'currency',
    'item',
    'description',
    'quantity',
    'unit',
    'unit_price',
    'discount_percent',
    'vat_category',
    'vat_rate',
    'requested_delivery_date',
    'payment_terms_days',
    'requires_prepayment',
  ],
  required: [
    'order_ref',
    'customer_number',
    'item',
    'quantity',
    'unit_price',
    'vat_category',
    'vat_rate',
  ],
  // 100,000 order lines is a large day's intake; bigger files are split.
  rowsMax: 100_000,
  rejectedCode: 'orders.import_rejected',
}

/** The columns that describe the order, not the line: equal on every row of one order_ref. */
const orderColumns = [
  'customer_number',
  'customer_reference',
  'currency',
  'requested_delivery_date',
  'payment_terms_days',
  'requires_prepayment',
] as const

/** API field names in issues → the file's column names. */
const columnOfField: Record<string, string> = { item_code: 'item' }

export type OrderImportOptions = {
  skipInvalid?: boolean
  /** Confirm each imported order (credit check included) in the same transaction. */
  confirm?: boolean
  onProgress?: (done: number, total: number) => void
}

export type OrderImportReport = {
  rows: number
  imported: { orderRef: string; id: string; number: number; status: OrderStatus; lines: number }[]
  alreadyImported: { orderRef: string; id: string; number: number }[]
  rejected: RowIssue[]
}

type OrderGroup = { orderRef: string; rows: { line: number; values: Record<string, string> }[] }

export async function importOrders(
  ctx: Ctx,
  csv: string,
  options: OrderImportOptions = {},
): Promise<OrderImportReport> {
  const rows = readCsv(csv, orderImportShape)
  const issues: RowIssue[] = []
  const groups = groupByOrderRef(rows, issues)

  const known = await ctx.db
    .selectFrom('salesOrder')
    .select(['id', 'number', 'sourceReference'])
    .where('sourceReference', 'in', groups.size > 0 ? [...groups.keys()] : [''])
    .execute()
  const alreadyImported = known.map((o) => ({
    orderRef: o.sourceReference as string,
    id: o.id,
    number: o.number,
  }))
  for (const done of alreadyImported) groups.delete(done.orderRef)

  const customers = await customersByNumber(ctx, groups)
  const prepared: { group: OrderGroup; order: OrderToInsert }[] = []
  for (const group of groups.values()) {
    const groupIssues = prepareGroup(group, customers, prepared)
    issues.push(...groupIssues)
  }
  issues.sort((a, b) => a.line - b.line)
  if (issues.length > 0 && !options.skipInvalid) throw rejected(orderImportShape, issues)

  const badLines = new Set(issues.map((i) => i.line))
  const valid = prepared.filter((p) => !p.group.rows.some((r) => badLines.has(r.line)))
  if (options.confirm) {
    await lockCreditOfCustomers(
      ctx,
      valid.map((p) => p.order.customerId),
    )
  }
  const firstNumber = valid.length > 0 ? await reserveOrderNumbers(ctx, valid.length) : 0
  valid.forEach((p, index) => {
    p.order.number = firstNumber + index
  })
  const inserted = await insertOrders(
    ctx,
    valid.map((p) => p.order),
  )
  const imported: OrderImportReport['imported'] = []
  for (const [index, { group }] of valid.entries()) {
    let order = inserted[index]
    await recordOrderCreated(ctx, order)
    if (options.confirm) order = await confirmDraft(ctx, order)
    imported.push({
      orderRef: group.orderRef,
      id: order.id,
      number: order.number,
      status: order.status,
      lines: order.lines.length,
    })
    options.onProgress?.(index + 1, valid.length)
  }
  return { rows: rows.length, imported, alreadyImported, rejected: issues }
}

function groupByOrderRef(
  rows: { line: number; values: Record<string, string> }[],
  issues: RowIssue[],
): Map<string, OrderGroup> {
  const groups = new Map<string, OrderGroup>()
  for (const row of rows) {
    const orderRef = row.values.order_ref ?? ''
    if (orderRef === '') {
      issues.push({ line: row.line, field: 'order_ref', message: 'is required' })
      continue
    }
    const group = groups.get(orderRef)
    if (!group) {
      groups.set(orderRef, { orderRef, rows: [row] })
      continue
    }
    const first = group.rows[0]
    for (const column of orderColumns) {
      if ((row.values[column] ?? '') !== (first.values[column] ?? '')) {
        issues.push({
          line: row.line,
          field: column,
          message: `differs from line ${first.line} of order_ref ${orderRef} ("${row.values[column] ?? ''}" vs "${first.values[column] ?? ''}")`,
        })
      }
    }
    group.rows.push(row)
  }
  return groups
}

/** A customer with its credit profile's prepayment flag (the order's default). */
type OrderCustomer = Customer & Pick<CustomerDefaults, 'requiresPrepayment'>

/** One lookup per distinct customer number of the file (not one per row). */
async function customersByNumber(
  ctx: Ctx,
  groups: Map<string, OrderGroup>,
): Promise<Map<string, OrderCustomer>> {
  const numbers = new Set([...groups.values()].map((g) => g.rows[0].values.customer_number ?? ''))
  const found = new Map<string, OrderCustomer>()
  for (const number of numbers) {
    if (number === '') continue
    const customer = await findCustomerByNumber(ctx, number)
    if (!customer) continue
    const profile = await getCreditProfile(ctx, customer.id)
    found.set(number, { ...customer, requiresPrepayment: profile.requiresPrepayment })
  }
  return found
}

function prepareGroup(
  group: OrderGroup,
  customers: Map<string, OrderCustomer>,
  prepared: { group: OrderGroup; order: OrderToInsert }[],
): RowIssue[] {
  const first = group.rows[0]
  const value = (column: string) => first.values[column] ?? ''
  const issues: RowIssue[] = []
  const customer = customers.get(value('customer_number'))
  if (!customer) {
    issues.push({
      line: first.line,
      field: 'customer_number',
      message: value('customer_number')
        ? `no customer with number ${value('customer_number')}`
        : 'is required',
    })
  }
  const paymentTerms = value('payment_terms_days')
  if (paymentTerms !== '' && !/^\d{1,3}$/.test(paymentTerms)) {
    issues.push({
      line: first.line,
      field: 'payment_terms_days',
      message: 'must be a whole number of days',
    })
  }
  const prepayment = value('requires_prepayment').toLowerCase()
  if (!['', 'true', 'false', 'yes', 'no', '1', '0'].includes(prepayment)) {
    issues.push({
      line: first.line,
      field: 'requires_prepayment',
      message: 'must be true or false (or yes/no, 1/0)',
    })
  }
  // The lines are checked even when the customer is unknown, if the file names the currency,
  // so one pass over a file reports all that is wrong with it.
  const defaults =
    customer ??
    (value('currency') ? { id: '', currency: value('currency'), paymentTermsDays: 0 } : undefined)
  if (!defaults) return issues

  const input: NewOrder = {
    customerId: defaults.id,
    customerReference: value('customer_reference'),
    currency: value('currency') || undefined,
    paymentTermsDays: /^\d{1,3}$/.test(paymentTerms) ? Number(paymentTerms) : undefined,
    requestedDeliveryDate: value('requested_delivery_date') || null,
    // An empty cell leaves it to the customer's credit profile.
    requiresPrepayment: prepayment === '' ? undefined : ['true', 'yes', '1'].includes(prepayment),
    lines: group.rows.map(
      (row): LineInput => ({
        itemCode: row.values.item ?? '',
        description: row.values.description,
        quantity: row.values.quantity ?? '',
        unit: row.values.unit,
        unitPrice: row.values.unit_price ?? '',
        discountPercent: row.values.discount_percent || undefined,
        vatCategory: row.values.vat_category ?? '',
        vatRate: row.values.vat_rate ?? '',
      }),
    ),
    sourceReference: group.orderRef,
  }
  const result = prepareOrder(input, defaults)
  for (const issue of result.issues) {
    const match = /^lines\[(\d+)\]\.(.+)$/.exec(issue.field)
    const row = match ? group.rows[Number(match[1])] : first
    const field = match ? match[2] : issue.field
    issues.push({ line: row.line, field: columnOfField[field] ?? field, message: issue.message })
  }
  if (customer && result.header && issues.length === 0) {
    prepared.push({
      group,
      order: {
        ...result.header,
        id: newId(),
        number: 0,
        lines: result.lines,
        sourceReference: group.orderRef,
      },
    })
  }
  return issues
}
