import { beforeAll, describe, expect, test } from 'vitest'
import { create } from 'xmlbuilder2'
import { manualClock, type TestTenant, testPlatform, testTenant } from '../../../../test/support.js'
import type { DomainError } from '../../../core/errors.js'
import type { Platform } from '../../../platform.js'
import type { BankEntry } from '../../cashapp/bank-files/model.js'
import { importAndApplyStatements } from '../../cashapp/import-and-apply.js'
import {
  arrangeCashappCustomer,
  arrangeOpenInvoice,
  bankEntry,
  eventStream,
  openOf,
  statementEvents,
} from '../../cashapp/test-helpers.js'
import { createDirectDebitBatch, directDebitFile, getDirectDebitBatch } from './batch.js'
import { addMandate, getMandate, revokeMandate } from './mandates.js'
import { isValidCreditorId, pain008Namespace, sepaText } from './pain008.js'

// A customer with a SEPA mandate pays its due invoices by direct debit: o2c writes the
// pain.008 (FRST the first time, RCUR after), cash application sees the collection (the item
// is collected) or the return (the item is returned with the bank's reason, the invoice open
// and dunned again, and the next batch collects it anew).

const clock = manualClock('2026-03-01T09:00:00Z')
const creditorId = 'NL69ZZZ123456780000'
let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform(clock)
  tenant = await testTenant(platform)
})

type Tx = {
  PmtId: { EndToEndId: string }
  InstdAmt: { '#': string; '@Ccy': string }
  DrctDbtTx: { MndtRltdInf: { MndtId: string; DtOfSgntr: string } }
  DbtrAcct: { Id: { IBAN: string } }
  RmtInf: { Ustrd: string }
}

type Info = {
  NbOfTxs: string
  CtrlSum: string
  PmtTpInf: { LclInstrm: { Cd: string }; SeqTp: string }
  ReqdColltnDt: string
  CdtrAcct: { Id: { IBAN: string } }
  CdtrSchmeId: { Id: { PrvtId: { Othr: { Id: string } } } }
  DrctDbtTxInf: Tx | Tx[]
}

const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x])

/** The file read back by an XML parser (xmlbuilder2's), as plain objects. */
function parsed(xml: string) {
  const doc = (create(xml).end({ format: 'object' }) as any).Document
  expect(doc['@xmlns']).toBe(pain008Namespace)
  const root = doc.CstmrDrctDbtInitn
  return {
    GrpHdr: root.GrpHdr as { MsgId: string; NbOfTxs: string; CtrlSum: string },
    PmtInf: list(root.PmtInf as Info | Info[]).map((i) => ({
      ...i,
      DrctDbtTxInf: list(i.DrctDbtTxInf),
    })),
  }
}

const cents = (amount: string) => BigInt(amount.replace('.', ''))

async function refusal(work: Promise<unknown>): Promise<DomainError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeDefined()
  return error as DomainError
}

let statements = 0
async function bankBooks(entries: BankEntry[]) {
  return tenant.run((ctx) =>
    importAndApplyStatements(
      ctx,
      eventStream(statementEvents({ id: `DD-ST-${++statements}`, entries })),
      { fileName: `dd-${statements}.xml` },
    ),
  )
}

describe('SEPA creditor identifier and text', () => {
  test.each`
    id                       | valid
    ${'DE98ZZZ09999999999'}  | ${true}
    ${'NL69ZZZ123456780000'} | ${true}
    ${'NL68ZZZ123456780000'} | ${false}
    ${'NL69ZZZ'}             | ${false}
  `('$id is valid: $valid', ({ id, valid }) => {
    expect(isValidCreditorId(id)).toBe(valid)
  })

  test('names are written in the SEPA character set', () => {
    expect(sepaText('Bäckerei Müller & Söhne GmbH', 70)).toBe('Backerei Muller + Sohne GmbH')
    expect(sepaText('Café "De Ster" <1>', 70)).toBe('Cafe De Ster 1')
  })
})

describe('a direct-debit batch', () => {
  test('collects the due invoices of mandated customers, FRST first, RCUR after; returns re-enter', async () => {
    clock.set('2026-03-01T09:00:00Z')
    const { mandated, first, second, notMandated, notDue, mandate } = await tenant.run(
      async (ctx) => {
        const mandated = await arrangeCashappCustomer(ctx)
        const first = await arrangeOpenInvoice(ctx, mandated.id, 100_00n)
        const second = await arrangeOpenInvoice(ctx, mandated.id, 50_00n)
        const other = await arrangeCashappCustomer(ctx)
        const notMandated = await arrangeOpenInvoice(ctx, other.id, 100_00n)
        const mandate = await addMandate(ctx, {
          customerId: mandated.id,
          mandateReference: 'MND-0001',
          iban: 'NL91 ABNA 0417 1643 00',
          bic: 'ABNANL2A',
          debtorName: 'Lunchroom Het Hoekje',
          signedOn: '2026-02-15',
        })
        return { mandated, first, second, notMandated, notDue: null, mandate }
      },
    )
    expect(notDue).toBeNull()
    clock.set('2026-04-01T09:00:00Z')
    // A later invoice, not due by the collection date.
    const later = await tenant.run((ctx) => arrangeOpenInvoice(ctx, mandated.id, 10_00n))

    // The first batch must name the creditor identifier.
    const missing = await refusal(
      tenant.run((ctx) => createDirectDebitBatch(ctx, { collectionDate: '2026-04-03' })),
    )
    expect(missing.code).toBe('collections.creditor_id_missing')
    const wrong = await refusal(
      tenant.run((ctx) =>
        createDirectDebitBatch(ctx, {
          collectionDate: '2026-04-03',
          creditorId: 'NL68ZZZ123456780000',
        }),
      ),
    )
    expect(wrong.code).toBe('collections.creditor_id_invalid')

    const batch = await tenant.run((ctx) =>
      createDirectDebitBatch(ctx, { collectionDate: '2026-04-03', creditorId }),
    )
    expect(batch.items.map((i) => [i.invoiceNumber, i.amountMinor, i.sequenceType])).toEqual([
      [first.number, 121_00n, 'FRST'],
      [second.number, 60_50n, 'FRST'],
    ])
    expect(batch.items.map((i) => i.invoiceId)).not.toContain(notMandated.id)
    expect(batch.items.map((i) => i.invoiceId)).not.toContain(later.id)
    expect(batch).toMatchObject({ itemCount: 2, totalMinor: 181_50n, creditorId })

    const file = parsed(await tenant.run((ctx) => directDebitFile(ctx, batch.id)))
    expect(file.GrpHdr).toMatchObject({ MsgId: batch.messageId, NbOfTxs: '2', CtrlSum: '181.50' })
    expect(file.PmtInf).toHaveLength(1)
    const info = file.PmtInf[0]
    expect(info.PmtTpInf).toMatchObject({ LclInstrm: { Cd: 'CORE' }, SeqTp: 'FRST' })
    expect(info.ReqdColltnDt).toBe('2026-04-03')
    expect(info.CdtrAcct.Id.IBAN).toBe('NL91ABNA0417164300')
    expect(info.CdtrSchmeId.Id.PrvtId.Othr.Id).toBe(creditorId)
    const sum = info.DrctDbtTxInf.reduce((s, t) => s + cents(t.InstdAmt['#']), 0n)
    expect(sum).toBe(cents(info.CtrlSum))
    expect(info.DrctDbtTxInf.map((t) => t.PmtId.EndToEndId)).toEqual(
      batch.items.map((i) => i.endToEndId),
    )
    expect(info.DrctDbtTxInf[0]).toMatchObject({
      InstdAmt: { '#': '121.00', '@Ccy': 'EUR' },
      DrctDbtTx: { MndtRltdInf: { MndtId: 'MND-0001', DtOfSgntr: '2026-02-15' } },
      DbtrAcct: { Id: { IBAN: 'NL91ABNA0417164300' } },
      RmtInf: { Ustrd: first.paymentReference },
    })

    // Submitted items are not collected twice; the creditor id is remembered.
    const again = await refusal(
      tenant.run((ctx) => createDirectDebitBatch(ctx, { collectionDate: '2026-04-03' })),
    )
    expect(again.code).toBe('collections.nothing_to_collect')

    // The bank collects the first and returns the second (insufficient funds).
    const [e2eFirst, e2eSecond] = batch.items.map((i) => i.endToEndId)
    await bankBooks([
      bankEntry({
        amount: '121.00',
        bookingDate: '2026-04-03',
        endToEndId: e2eFirst,
        mandateId: 'MND-0001',
        bankTransactionCode: 'PMNT/IDDT/ESDD',
        remittance: { unstructured: null, structuredReference: first.paymentReference },
      }),
      bankEntry({
        amount: '60.50',
        bookingDate: '2026-04-03',
        endToEndId: e2eSecond,
        mandateId: 'MND-0001',
        bankTransactionCode: 'PMNT/IDDT/ESDD',
        remittance: { unstructured: null, structuredReference: second.paymentReference },
      }),
    ])
    await bankBooks([
      bankEntry({
        amount: '60.50',
        sign: 'D',
        bookingDate: '2026-04-06',
        endToEndId: e2eSecond,
        mandateId: 'MND-0001',
        returnReason: 'AM04',
        bankTransactionCode: 'PMNT/IDDT/UPDD',
        remittance: { unstructured: null, structuredReference: second.paymentReference },
      }),
    ])
    const after = await tenant.run((ctx) => getDirectDebitBatch(ctx, batch.id))
    expect(after.items.map((i) => [i.status, i.returnReason])).toEqual([
      ['collected', null],
      ['returned', 'AM04'],
    ])
    expect(await tenant.run((ctx) => openOf(ctx, second.id))).toBe('60.50')
    expect((await tenant.run((ctx) => getMandate(ctx, mandate.id))).firstCollectedOn).not.toBeNull()

    // The returned invoice is collected anew, now RCUR, with a new end-to-end id.
    clock.set('2026-04-10T09:00:00Z')
    const next = await tenant.run((ctx) =>
      createDirectDebitBatch(ctx, { collectionDate: '2026-05-02' }),
    )
    expect(next.items.map((i) => [i.invoiceNumber, i.sequenceType])).toEqual([
      [second.number, 'RCUR'],
      [later.number, 'RCUR'],
    ])
    const renewed = next.items.find((i) => i.invoiceId === second.id)
    expect(renewed?.endToEndId).not.toBe(e2eSecond)
    expect(renewed?.endToEndId.endsWith('/2')).toBe(true)
  })

  test('a revoked mandate collects nothing; a collection date in the past is refused', async () => {
    clock.set('2026-04-10T09:00:00Z')
    const mandate = await tenant.run(async (ctx) => {
      const customer = await arrangeCashappCustomer(ctx)
      await arrangeOpenInvoice(ctx, customer.id, 100_00n)
      return addMandate(ctx, {
        customerId: customer.id,
        mandateReference: 'MND-REVOKED',
        iban: 'NL91ABNA0417164300',
        debtorName: 'Revoked B.V.',
        signedOn: '2026-02-01',
        scheme: 'B2B',
      })
    })
    await tenant.run((ctx) => revokeMandate(ctx, mandate.id))
    const revokedAgain = await refusal(tenant.run((ctx) => revokeMandate(ctx, mandate.id)))
    expect(revokedAgain.code).toBe('collections.mandate_not_active')
    clock.set('2026-06-01T09:00:00Z')
    const past = await refusal(
      tenant.run((ctx) =>
        createDirectDebitBatch(ctx, { collectionDate: '2026-05-31', creditorId }),
      ),
    )
    expect(past.code).toBe('collections.collection_date_invalid')
    // The revoked customer's invoice is due, but nothing is collected without a mandate.
    const none = await refusal(
      tenant.run((ctx) => createDirectDebitBatch(ctx, { collectionDate: '2026-06-02' })),
    )
    expect(none.code).toBe('collections.nothing_to_collect')
    const duplicate = await refusal(
      tenant.run(async (ctx) =>
        addMandate(ctx, {
          customerId: (await getMandate(ctx, mandate.id)).customerId,
          mandateReference: 'MND-REVOKED',
          iban: 'NL91ABNA0417164300',
          debtorName: 'Revoked B.V.',
          signedOn: '2026-02-01',
        }),
      ),
    )
    expect(duplicate.code).toBe('collections.mandate_reference_taken')
  })
})
