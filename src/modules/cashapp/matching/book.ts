import type {
  CustomerRecord,
  LearnedLink,
  MatchSettings,
  OpenItem,
  RemittanceAdvice,
} from './model.js'
import { defaultMatchSettings } from './model.js'
import {
  invoiceNumberKeys,
  invoiceSequenceKey,
  nameTokens,
  normaliseIban,
  referenceKey,
} from './text.js'

// Everything matching needs from the tenant, indexed once per run so that each bank
// transaction costs a handful of map look-ups: by payment reference, invoice number, IBAN,
// payer name, customer and amount.

export type BookCustomer = CustomerRecord & { names: string[][] }

export type IbanOwner = { customerId: string; source: 'master data' | 'learned' }

export type MatchBook = {
  settings: MatchSettings
  customers: Map<string, BookCustomer>
  /** Oldest first (due date, then issue date, then number): the order payments settle in. */
  itemsByCustomer: Map<string, OpenItem[]>
  byReference: Map<string, OpenItem[]>
  byNumberKey: Map<string, OpenItem[]>
  /** How many digits the invoice numbers have, run together (9 for INV-2026-00042). */
  numberDigitLengths: Set<number>
  bySequence: Map<string, Map<string, OpenItem[]>>
  byAmount: Map<string, OpenItem[]>
  ibanOwners: Map<string, IbanOwner[]>
  payerNameOwners: Map<string, string>
  groupMembers: Map<string, string[]>
  nameIndex: Map<string, string[]>
  prefixIndex: Map<string, string[]>
  advicesByAmount: Map<string, RemittanceAdvice[]>
}

export type MatchBookInput = {
  openItems: readonly OpenItem[]
  customers: readonly CustomerRecord[]
  learnedLinks?: readonly LearnedLink[]
  advices?: readonly RemittanceAdvice[]
  settings?: Partial<MatchSettings>
}

export function amountKey(currency: string, minor: bigint): string {
  return `${currency}:${minor}`
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

function settleOrder(a: OpenItem, b: OpenItem): number {
  if (a.dueDate !== b.dueDate) return a.dueDate < b.dueDate ? -1 : 1
  if (a.issueDate !== b.issueDate) return a.issueDate < b.issueDate ? -1 : 1
  return a.number < b.number ? -1 : a.number > b.number ? 1 : 0
}

export function buildMatchBook(input: MatchBookInput): MatchBook {
  const book: MatchBook = {
    settings: { ...defaultMatchSettings, ...input.settings },
    customers: new Map(),
    itemsByCustomer: new Map(),
    byReference: new Map(),
    byNumberKey: new Map(),
    numberDigitLengths: new Set(),
    bySequence: new Map(),
    byAmount: new Map(),
    ibanOwners: new Map(),
    payerNameOwners: new Map(),
    groupMembers: new Map(),
    nameIndex: new Map(),
    prefixIndex: new Map(),
    advicesByAmount: new Map(),
  }
  for (const customer of input.customers) {
    const names = [customer.legalName, customer.tradingName]
      .filter((n): n is string => !!n)
      .map(nameTokens)
      .filter((t) => t.length > 0)
    book.customers.set(customer.customerId, { ...customer, names })
    for (const iban of customer.ibans) {
      push(book.ibanOwners, normaliseIban(iban), {
        customerId: customer.customerId,
        source: 'master data',
      })
    }
    if (customer.groupId) push(book.groupMembers, customer.groupId, customer.customerId)
    const tokens = new Set(names.flat())
    const prefixes = new Set([...tokens].filter((t) => t.length >= 3).map((t) => t.slice(0, 3)))
    for (const token of tokens) push(book.nameIndex, token, customer.customerId)
    for (const prefix of prefixes) push(book.prefixIndex, prefix, customer.customerId)
  }
  for (const link of input.learnedLinks ?? []) {
    if (link.kind === 'iban') {
      const iban = normaliseIban(link.iban)
      const owners = book.ibanOwners.get(iban) ?? []
      if (!owners.some((o) => o.customerId === link.customerId)) {
        push(book.ibanOwners, iban, { customerId: link.customerId, source: 'learned' })
      }
    } else {
      book.payerNameOwners.set(nameTokens(link.payerName).join(' '), link.customerId)
    }
  }
  for (const item of input.openItems) {
    if (item.openMinor <= 0n) continue
    push(book.itemsByCustomer, item.customerId, item)
    if (item.paymentReference) push(book.byReference, referenceKey(item.paymentReference), item)
    for (const key of invoiceNumberKeys(item.number)) push(book.byNumberKey, key, item)
    book.numberDigitLengths.add(item.number.replace(/\D/g, '').length)
    const sequence = invoiceSequenceKey(item.number)
    if (sequence) {
      let perCustomer = book.bySequence.get(item.customerId)
      if (!perCustomer) {
        perCustomer = new Map()
        book.bySequence.set(item.customerId, perCustomer)
      }
      push(perCustomer, sequence, item)
    }
    push(book.byAmount, amountKey(item.currency, item.openMinor), item)
  }
  for (const items of book.itemsByCustomer.values()) items.sort(settleOrder)
  for (const advice of input.advices ?? []) {
    push(book.advicesByAmount, amountKey(advice.currency, advice.amountMinor), advice)
  }
  return book
}
