import { newId } from '../../core/ids.js'
import { makeDutchPaymentReference } from '../../core/payment-reference.js'
import type { Ctx } from '../../db/context.js'
import { createCustomer } from '../customers/index.js'
import { ensureChartOfAccounts, listAccounts, postJournalEntry } from '../ledger/index.js'

// Test fixtures for payments: a customer and an issued invoice to pay, made the cheap way for
// tests that make many (the property test): an open item imported from a previous system
// (origin opening_balance, which 0008 allows without lines), booked receivable / opening
// balance so the ledger's receivable matches the open items. The pay-page tests issue real
// invoices with invoicing's issueInvoice.

let counter = 0

export async function testCustomer(ctx: Ctx, language: 'nl' | 'en' = 'nl'): Promise<string> {
  const customer = await createCustomer(ctx, {
    number: `PAY-${process.pid}-${++counter}`,
    legalName: 'Betaler BV',
    language,
  })
  return customer.id
}

export const testSeller = {
  name: 'Voorbeeld BV',
  address: { lines: ['Dorpsstraat 1'], postal_code: '1234 AB', city: 'Utrecht', country: 'NL' },
  vat_id: 'NL123456789B01',
  payee_account: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A', name: 'Voorbeeld BV' },
}

export async function issuedTestInvoice(
  ctx: Ctx,
  input: { customerId: string; amountMinor: bigint; currency?: string; language?: 'nl' | 'en' },
): Promise<{ id: string; number: string; paymentReference: string }> {
  const id = newId()
  const sequence = ++counter
  const number = `OB-${process.pid}-${sequence}`
  const currency = input.currency ?? 'EUR'
  const paymentReference = makeDutchPaymentReference(String(700_000 + sequence))
  await ctx.db
    .insertInto('invoice')
    .values({
      tenantId: ctx.tenantId,
      id,
      documentType: 'invoice',
      status: 'issued',
      origin: 'opening_balance',
      customerId: input.customerId,
      currency,
      number,
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
      paymentReference,
      seller: JSON.stringify(testSeller),
      buyer: JSON.stringify({ name: 'Betaler BV', customer_number: 'C1' }),
      language: input.language ?? 'nl',
      paymentTerms: JSON.stringify({ net_days: 30 }),
      lineNetMinor: input.amountMinor,
      taxExclusiveMinor: input.amountMinor,
      totalMinor: input.amountMinor,
      payableMinor: input.amountMinor,
      createdAt: ctx.now,
      createdBy: 'test',
      issuedAt: ctx.now,
      issuedBy: 'test',
      updatedAt: ctx.now,
    })
    .execute()
  await ensureChartOfAccounts(ctx)
  const accounts = await listAccounts(ctx)
  const code = (purpose: string) => accounts.find((a) => a.purpose === purpose)?.code ?? ''
  await postJournalEntry(ctx, {
    postedOn: '2026-03-01',
    description: `Opening balance ${number}`,
    source: { type: 'invoice', id },
    lines: [
      {
        accountCode: code('receivable'),
        debitMinor: input.amountMinor,
        currency,
        customerId: input.customerId,
      },
      { accountCode: code('opening_balance'), creditMinor: input.amountMinor, currency },
    ],
  })
  return { id, number, paymentReference }
}
