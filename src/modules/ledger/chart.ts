import type { AccountKind } from './tables.js'

// The default chart of accounts a tenant starts with (ensureChartOfAccounts). Postings find
// an account by its purpose, not its code, so a tenant may renumber or rename these.

export type AccountPurpose =
  | 'receivable'
  | 'collection_charges_receivable'
  | 'bank'
  | 'payment_clearing'
  | 'unapplied_cash'
  | 'vat_payable_21'
  | 'vat_payable_9'
  | 'vat_payable_other'
  | 'opening_balance'
  | 'revenue'
  | 'collection_cost_income'
  | 'interest_income'
  | 'bank_fees'
  | 'early_payment_discount'
  | 'write_off'

export type ChartAccount = {
  code: string
  name: string
  kind: AccountKind
  purpose: AccountPurpose
}

export const defaultChart: readonly ChartAccount[] = [
  { code: '1100', name: 'Trade receivables (control)', kind: 'asset', purpose: 'receivable' },
  // Collection costs and interest charged to customers (collections' charges/): kept apart
  // from the control account, which equals the invoices' open items (decision 0008).
  {
    code: '1110',
    name: 'Collection charges receivable',
    kind: 'asset',
    purpose: 'collection_charges_receivable',
  },
  { code: '1200', name: 'Bank', kind: 'asset', purpose: 'bank' },
  // Money a payment provider (Mollie) collected for us and has not paid out to the bank yet.
  {
    code: '1210',
    name: 'Payments in transit at the payment provider',
    kind: 'asset',
    purpose: 'payment_clearing',
  },
  {
    code: '1500',
    name: 'Customer prepayments and unapplied cash',
    kind: 'liability',
    purpose: 'unapplied_cash',
  },
  { code: '1610', name: 'VAT payable 21%', kind: 'liability', purpose: 'vat_payable_21' },
  { code: '1611', name: 'VAT payable 9%', kind: 'liability', purpose: 'vat_payable_9' },
  {
    code: '1619',
    name: 'VAT payable, other rates',
    kind: 'liability',
    purpose: 'vat_payable_other',
  },
  { code: '0900', name: 'Opening balances', kind: 'equity', purpose: 'opening_balance' },
  { code: '8000', name: 'Revenue', kind: 'revenue', purpose: 'revenue' },
  {
    code: '8900',
    name: 'Collection costs charged',
    kind: 'revenue',
    purpose: 'collection_cost_income',
  },
  { code: '8910', name: 'Interest income', kind: 'revenue', purpose: 'interest_income' },
  { code: '4600', name: 'Bank fees', kind: 'expense', purpose: 'bank_fees' },
  {
    code: '4610',
    name: 'Early-payment discounts granted',
    kind: 'expense',
    purpose: 'early_payment_discount',
  },
  { code: '4620', name: 'Write-offs and bad debt', kind: 'expense', purpose: 'write_off' },
]

/** The purposes postings look for: one per account of the default chart. */
export const accountPurposes: readonly AccountPurpose[] = defaultChart.map((a) => a.purpose)
