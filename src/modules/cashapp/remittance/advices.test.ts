import { beforeAll, describe, expect, test } from 'vitest'
import { type TestTenant, testPlatform, testTenant } from '../../../../test/support.js'
import { formatAmount } from '../../../core/money.js'
import type { Platform } from '../../../platform.js'
import { auditTrail } from '../../audit/index.js'
import { listEvents } from '../../outbox/index.js'
import { buildMatchBook } from '../matching/book.js'
import { matchTransaction } from '../matching/match.js'
import { credit, customers, from, openItems, saying } from '../matching/test-book.js'
import { importBankStatements } from '../statement-import.js'
import { bankEntry, statementEvents } from '../test-helpers.js'
import {
  getRemittanceAdvice,
  linkRemittanceAdvices,
  listRemittanceAdvices,
  markAdvicesUsed,
  openRemittanceAdvices,
  receiveRemittanceAdvice,
  receiveRemittanceFile,
  receiveRemittanceMail,
} from './advices.js'

// Advices as a cash application specialist receives them: a file kept once however often it
// comes, refused whole when it is wrong, read by the matching until a payment used it.

let platform: Platform
let tenant: TestTenant

beforeAll(async () => {
  platform = await testPlatform()
  tenant = await testTenant(platform)
})

const file = (fileName: string, text: string) => ({ fileName, bytes: Buffer.from(text) })

const jansenAdvice = file(
  'jansen-maart.csv',
  [
    'Betaler;Bakkerij Jansen B.V.',
    'IBAN;NL91 ABNA 0417 1643 00',
    'Betaaldatum;07-03-2026',
    'Factuurnummer;Bedrag',
    'INV-2026-00041;100,00',
    'INV-2026-00043;50,00',
    'Totaal;150,00',
  ].join('\n'),
)

async function countAdvices(t: TestTenant): Promise<number> {
  return t.run(async (ctx) => (await listRemittanceAdvices(ctx, { limit: 500 })).data.length)
}

describe('receiving advices', () => {
  test('keeps an advice with its lines, audited and announced, and reads it back', async () => {
    const own = await testTenant(platform)
    const [receipt] = await own.run((ctx) => receiveRemittanceFile(ctx, jansenAdvice))
    expect(receipt.alreadyReceived).toBe(false)
    expect(receipt.advice).toMatchObject({
      source: 'csv',
      status: 'open',
      payer_name: 'Bakkerij Jansen B.V.',
      payer_iban: 'NL91ABNA0417164300',
      currency: 'EUR',
      amount: '150.00',
      total_stated: true,
      date: '2026-03-07',
      file_name: 'jansen-maart.csv',
      bank_entry_id: null,
      created_by: 'test',
      lines: [
        { invoice_number: 'INV-2026-00041', amount: '100.00', line: 5 },
        { invoice_number: 'INV-2026-00043', amount: '50.00', line: 6 },
      ],
    })
    const read = await own.run((ctx) => getRemittanceAdvice(ctx, receipt.advice.id))
    expect(read).toEqual(receipt.advice)
    const events = await own.run((ctx) => listEvents(ctx, { type: 'remittance_advice.received' }))
    expect(events.data.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        id: receipt.advice.id,
        amount: '150.00',
        invoice_numbers: ['INV-2026-00041', 'INV-2026-00043'],
      }),
    ])
    const audit = await own.run((ctx) =>
      auditTrail(ctx, { entityType: 'remittance_advice', entityId: receipt.advice.id }),
    )
    expect(audit.data.map((e) => e.action)).toEqual(['received'])
  })

  test('recognises the same file received again and stores it once', async () => {
    const own = await testTenant(platform)
    const [first] = await own.run((ctx) => receiveRemittanceFile(ctx, jansenAdvice))
    const [again] = await own.run((ctx) =>
      receiveRemittanceFile(ctx, { ...jansenAdvice, fileName: 'renamed.csv' }),
    )
    expect(again).toEqual({ advice: first.advice, alreadyReceived: true })
    expect(await countAdvices(own)).toBe(1)
    const events = await own.run((ctx) => listEvents(ctx, { type: 'remittance_advice.received' }))
    expect(events.data).toHaveLength(1)
    // Another tenant's same file is that tenant's own advice.
    const other = await testTenant(platform)
    const [theirs] = await other.run((ctx) => receiveRemittanceFile(ctx, jansenAdvice))
    expect(theirs.alreadyReceived).toBe(false)
    expect(theirs.advice.id).not.toBe(first.advice.id)
  })

  test.each`
    name                        | fileName     | text                                           | code
    ${'a total that disagrees'} | ${'bad.csv'} | ${'Factuur;Bedrag\nA-1;10,00\nTotaal;11,00\n'} | ${'cashapp.remittance_total_mismatch'}
    ${'a bad amount on line 3'} | ${'bad.csv'} | ${'Factuur;Bedrag\nA-1;10,00\nA-2;x\n'}        | ${'cashapp.remittance_malformed'}
    ${'a table without header'} | ${'bad.csv'} | ${'A-1;10,00\n'}                               | ${'cashapp.remittance_malformed'}
    ${'no invoice lines'}       | ${'bad.txt'} | ${'Beste, betaling volgt.\n'}                  | ${'cashapp.remittance_empty'}
    ${'too many decimals'}      | ${'bad.csv'} | ${'Invoice;Amount\nA-1;10.00\nA-2;1.001\n'}    | ${'cashapp.remittance_amount_invalid'}
  `('refuses $name and writes nothing', async ({ fileName, text, code }) => {
    const own = await testTenant(platform)
    await expect(
      own.run((ctx) => receiveRemittanceFile(ctx, file(fileName, text))),
    ).rejects.toMatchObject({ code })
    expect(await countAdvices(own)).toBe(0)
  })

  test('takes an advice as data (the API form), with what the person says', async () => {
    const own = await testTenant(platform)
    const receipt = await own.run((ctx) =>
      receiveRemittanceAdvice(ctx, {
        currency: 'EUR',
        payerName: 'Müller Spedition GmbH',
        date: '2026-03-06',
        lines: [
          { invoiceNumber: 'INV-2026-00050', amount: '750.00' },
          { invoiceNumber: 'INV-2026-00051', amount: '450' },
        ],
      }),
    )
    expect(receipt.advice).toMatchObject({ source: 'api', amount: '1200.00', total_stated: false })
    await expect(
      own.run((ctx) =>
        receiveRemittanceAdvice(ctx, {
          currency: 'EUR',
          total: '1.00',
          lines: [{ invoiceNumber: 'X-1', amount: '2.00' }],
        }),
      ),
    ).rejects.toMatchObject({ code: 'cashapp.remittance_total_mismatch' })
  })

  test('opens a mail into an advice per attachment; a body that only points at them is left', async () => {
    const own = await testTenant(platform)
    const mail = [
      'From: "Bakkerij Jansen B.V." <boekhouding@jansen.example>',
      `To: remittance+${own.slug}@in.example.com`,
      'Subject: Betaaladvies',
      'Date: Fri, 06 Mar 2026 10:00:00 +0100',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Zie de bijlagen.',
      '--b1',
      'Content-Type: text/csv; name="week10.csv"',
      'Content-Disposition: attachment; filename="week10.csv"',
      '',
      'Invoice,Amount',
      'INV-2026-00041,121.00',
      '--b1',
      'Content-Type: text/plain; name="week11.txt"',
      'Content-Disposition: attachment; filename="week11.txt"',
      '',
      'Factuur INV-2026-00043: EUR 80,00',
      '--b1--',
      '',
    ].join('\r\n')
    const receipts = await own.run((ctx) => receiveRemittanceMail(ctx, Buffer.from(mail)))
    expect(
      receipts.map((r) => [
        r.advice.file_name,
        r.advice.source,
        r.advice.amount,
        r.advice.payer_name,
      ]),
    ).toEqual([
      ['week10.csv', 'csv', '121.00', 'Bakkerij Jansen B.V.'],
      ['week11.txt', 'email', '80.00', 'Bakkerij Jansen B.V.'],
    ])
    expect(receipts.every((r) => r.advice.sender === 'boekhouding@jansen.example')).toBe(true)
    expect(receipts.every((r) => r.advice.date === '2026-03-06')).toBe(true)
    // The same mail delivered twice (a retrying server): nothing new.
    const again = await own.run((ctx) => receiveRemittanceMail(ctx, Buffer.from(mail)))
    expect(again.every((r) => r.alreadyReceived)).toBe(true)
    expect(await countAdvices(own)).toBe(2)
  })
})

describe('advices and the matching', () => {
  async function bankEntryId(t: TestTenant): Promise<string> {
    await t.run((ctx) =>
      importBankStatements(ctx, toAsync(statementEvents({ entries: [bankEntry()] })), {
        fileName: 'stmt.sta',
      }),
    )
    return t.run(async (ctx) => {
      const row = await ctx.db.selectFrom('bankEntry').select('id').executeTakeFirstOrThrow()
      return row.id
    })
  }

  test('the matching applies what an open advice lists; a used advice is offered no more', async () => {
    const own = await testTenant(platform)
    const [receipt] = await own.run((ctx) => receiveRemittanceFile(ctx, jansenAdvice))
    // Jansen pays 150.00: no invoice or set of invoices of theirs is 150.00.
    const payment = credit('150.00', {
      ...from('BAKKERIJ JANSEN BV', 'NL91ABNA0417164300'),
      ...saying('betaling facturen maart'),
    })
    const without = matchTransaction(buildMatchBook({ openItems, customers }), payment)
    expect(without.status).not.toBe('auto')

    const advices = await own.run((ctx) => openRemittanceAdvices(ctx))
    expect(advices).toEqual([
      {
        adviceId: receipt.advice.id,
        payerName: 'Bakkerij Jansen B.V.',
        payerIban: 'NL91ABNA0417164300',
        amountMinor: 15_000n,
        currency: 'EUR',
        date: '2026-03-07',
        lines: [
          { invoiceNumber: 'INV-2026-00041', amountMinor: 10_000n },
          { invoiceNumber: 'INV-2026-00043', amountMinor: 5_000n },
        ],
      },
    ])
    const withAdvice = matchTransaction(buildMatchBook({ openItems, customers, advices }), payment)
    expect(withAdvice.status).toBe('auto')
    const best = withAdvice.candidates[0]
    expect(best.allocations.map((a) => [a.invoiceId, formatAmount(a.amountMinor, 'EUR')])).toEqual([
      ['i-41', '100.00'],
      ['i-43', '50.00'],
    ])
    expect(best.reasons.join(' ')).toContain(`remittance advice ${receipt.advice.id}`)

    // A run over entries of 20–31 March does not load an advice of 7 March.
    const window = { dateFrom: '2026-03-10', dateTo: '2026-04-10' }
    expect(await own.run((ctx) => openRemittanceAdvices(ctx, window))).toEqual([])

    const entryId = await bankEntryId(own)
    await own.run((ctx) => markAdvicesUsed(ctx, [receipt.advice.id], entryId))
    expect(await own.run((ctx) => openRemittanceAdvices(ctx))).toEqual([])
    const used = await own.run((ctx) => getRemittanceAdvice(ctx, receipt.advice.id))
    expect(used).toMatchObject({ status: 'used', bank_entry_id: entryId })
  })

  test('links, uses, and refuses to use an advice for a second bank entry', async () => {
    const own = await testTenant(platform)
    const [receipt] = await own.run((ctx) => receiveRemittanceFile(ctx, jansenAdvice))
    const entryId = await bankEntryId(own)
    const id = receipt.advice.id
    await own.run((ctx) => linkRemittanceAdvices(ctx, [id], entryId))
    expect((await own.run((ctx) => openRemittanceAdvices(ctx))).map((a) => a.adviceId)).toEqual([
      id,
    ])
    await own.run((ctx) => markAdvicesUsed(ctx, [id], entryId))
    await own.run((ctx) => markAdvicesUsed(ctx, [id], entryId)) // again: nothing changes
    const audit = await own.run((ctx) =>
      auditTrail(ctx, { entityType: 'remittance_advice', entityId: id }),
    )
    expect(audit.data.map((e) => e.action)).toEqual(['received', 'linked', 'used'])

    const otherEntry = await own.run(async (ctx) => {
      await importBankStatements(
        ctx,
        toAsync(statementEvents({ entries: [bankEntry({ amount: '5.00' })] })),
        { fileName: 'stmt2.sta' },
      )
      const rows = await ctx.db.selectFrom('bankEntry').select('id').execute()
      return rows.map((r) => r.id).find((r) => r !== entryId) as string
    })
    await expect(own.run((ctx) => markAdvicesUsed(ctx, [id], otherEntry))).rejects.toMatchObject({
      code: 'cashapp.remittance_advice_used',
    })
    await expect(
      own.run((ctx) => markAdvicesUsed(ctx, [id], '018f0000-0000-7000-8000-000000000000')),
    ).rejects.toMatchObject({ code: 'request.not_found' })
  })

  test('another tenant neither sees nor uses an advice', async () => {
    const [receipt] = await tenant.run((ctx) =>
      receiveRemittanceFile(ctx, file('t.csv', 'Invoice;Amount\nZ-1;1.00\n')),
    )
    const other = await testTenant(platform)
    expect(await other.run((ctx) => openRemittanceAdvices(ctx))).toEqual([])
    await expect(
      other.run((ctx) => getRemittanceAdvice(ctx, receipt.advice.id)),
    ).rejects.toMatchObject({ code: 'request.not_found' })
  })
})

async function* toAsync<T>(items: T[]): AsyncIterable<T> {
  yield* items
}
