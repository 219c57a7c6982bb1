import fc from 'fast-check'
import PDFDocument from 'pdfkit'
import { describe, expect, test } from 'vitest'
import { DomainError } from '../../../core/errors.js'
import '../errors.js'
import { completeAdvice } from './advice.js'
import { parseAdviceCsv } from './csv.js'
import { documentKind, parseAdviceDocument, readAdviceMail } from './documents.js'
import type { AdviceGiven, ParsedAdvice } from './model.js'
import { readAmount } from './reading.js'
import { parseAdviceText } from './text.js'

// The advices customers send, as they write them: spreadsheet exports in three languages, mail
// bodies, the text of a PDF. Each case reads to the invoice lines and the total a clerk would
// read from it, in minor units; bad input is refused naming the line (and the column).

const fallback = { currency: 'EUR', date: '2026-03-14' }

function advice(parsed: ParsedAdvice, given: AdviceGiven = {}) {
  const draft = completeAdvice(parsed, given, fallback, 'advice')
  return {
    ...draft,
    lines: draft.lines.map((l) => `${l.invoiceNumber} ${l.amountMinor}`),
  }
}

function refusal(work: () => unknown): DomainError {
  try {
    work()
  } catch (error) {
    if (error instanceof DomainError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('amounts as people write them', () => {
  test.each`
    text            | amount
    ${'1.234,56'}   | ${'1234.56'}
    ${'1,234.56'}   | ${'1234.56'}
    ${'1234,56'}    | ${'1234.56'}
    ${'€ 100,00'}   | ${'100.00'}
    ${'100,-'}      | ${'100'}
    ${'EUR -50.00'} | ${'-50.00'}
    ${'(50,00)'}    | ${'-50.00'}
    ${'50,00-'}     | ${'-50.00'}
    ${'1 234,56'}   | ${'1234.56'}
    ${"1'234.56"}   | ${'1234.56'}
    ${'1.234'}      | ${'1234'}
    ${'12.345.678'} | ${'12345678'}
    ${'99,95 €'}    | ${'99.95'}
  `('$text → $amount', ({ text, amount }) => {
    expect(readAmount(text)?.amount).toBe(amount)
  })

  test.each([['1.23.4'], ['12,3,4'], ['abc'], ['1.234.56,7.8'], ['']])(
    '%s is no amount',
    (text) => {
      expect(readAmount(text)).toBeUndefined()
    },
  )

  test('"1.234" is 1.234 when the column writes its decimals with a point', () => {
    expect(readAmount('1.234', '.')?.amount).toBe('1.234')
  })
})

describe('CSV and spreadsheet exports', () => {
  test.each`
    name                                                       | csv                                                                                                                            | lines                                              | total
    ${'Dutch Excel: semicolons, comma decimals, a total line'} | ${'Factuurnummer;Factuurdatum;Bedrag\nINV-2026-0042;01-03-2026;1.234,56\nINV-2026-0043;02-03-2026;100,00\nTotaal;;1.334,56\n'} | ${['INV-2026-0042 123456', 'INV-2026-0043 10000']} | ${133456n}
    ${'English, commas, quoted thousands'}                     | ${'Invoice Number,Invoice Amount,Discount,Amount Paid\nINV-1,"1,000.00",20.00,980.00\nINV-2,50.00,0.00,50.00\n'}               | ${['INV-1 98000', 'INV-2 5000']}                   | ${103000n}
    ${'German, tab, Betrag with currency'}                     | ${'Rechnungsnummer\tBetrag (EUR)\tText\nRE-2026-17\t500,00\tMärz\nRE-2026-18\t1.000\tApril\nSumme\t1.500,00\t\n'}              | ${['RE-2026-17 50000', 'RE-2026-18 100000']}       | ${150000n}
    ${'a credit note deducted'}                                | ${'factuur;bedrag\n2026-41;300,00\nCN-2026-3;-50,00\n'}                                                                        | ${['2026-41 30000', 'CN-2026-3 -5000']}            | ${25000n}
    ${'an unlabelled total below the column'}                  | ${'Invoice;Amount\nA-1;10.00\nA-2;20.00\n;30.00\n'}                                                                            | ${['A-1 1000', 'A-2 2000']}                        | ${3000n}
  `('$name', ({ csv, lines, total }) => {
    const read = advice(parseAdviceCsv(csv, 'advice.csv'))
    expect(read.lines).toEqual(lines)
    expect(read.amountMinor).toBe(total)
    expect(read.currency).toBe('EUR')
  })

  test('reads the payer, IBAN, date and currency stated above the header', () => {
    const csv = [
      'Betalingsadvies',
      'Betaler;Bakkerij Jansen B.V.',
      'IBAN;NL91 ABNA 0417 1643 00',
      'Betaaldatum;12-03-2026',
      'Valuta;EUR',
      '',
      'Factuurnummer;Bedrag',
      'INV-2026-0042;121,00',
    ].join('\r\n')
    const read = advice(parseAdviceCsv(csv, 'advice.csv'))
    expect(read).toMatchObject({
      payerName: 'Bakkerij Jansen B.V.',
      payerIban: 'NL91ABNA0417164300',
      date: '2026-03-12',
      currency: 'EUR',
      amountMinor: 12100n,
      totalStated: false,
    })
  })

  test('what the person importing says wins over the file', () => {
    const csv = 'Betaler;Jansen\nInvoice;Amount;Currency\nA-1;10.00;USD\n'
    const read = advice(parseAdviceCsv(csv, 'a.csv'), { payerName: 'Bakkerij Jansen B.V.' })
    expect(read).toMatchObject({ payerName: 'Bakkerij Jansen B.V.', currency: 'USD' })
  })

  test.each`
    name                           | csv                                             | message                           | line | column
    ${'no header'}                 | ${'a;b\n1;2\n'}                                 | ${'no header line'}               | ${1} | ${undefined}
    ${'an amount that is not one'} | ${'Factuur;Bedrag\nA-1;10,00\nA-2;tien euro\n'} | ${'"tien euro" is not an amount'} | ${3} | ${'Bedrag'}
    ${'an invoice without amount'} | ${'Factuur;Bedrag\nA-1;10,00\nA-2;\n'}          | ${'no amount for A-2'}            | ${3} | ${'Bedrag'}
    ${'an amount without invoice'} | ${'Factuur;Bedrag\n;10,00\nA-2;5,00\n'}         | ${'without an invoice number'}    | ${2} | ${'Factuur'}
    ${'broken quoting'}            | ${'Factuur;Bedrag\n"A-1;10,00\n'}               | ${'not valid CSV'}                | ${2} | ${undefined}
  `('refuses $name, naming the line and column', ({ csv, message, line, column }) => {
    const error = refusal(() => parseAdviceCsv(csv, 'bad.csv'))
    expect(error.code).toBe('cashapp.remittance_malformed')
    expect(error.message).toContain(message)
    expect(error.details).toMatchObject({ file: 'bad.csv', line })
    if (column) expect(error.message).toContain(`column "${column}"`)
  })

  test('refuses a stated total that is not the sum of the lines, naming the difference', () => {
    const parsed = parseAdviceCsv('Factuur;Bedrag\nA-1;10,00\nA-2;5,00\nTotaal;16,00\n', 'a.csv')
    const error = refusal(() => completeAdvice(parsed, {}, fallback, 'a.csv'))
    expect(error.code).toBe('cashapp.remittance_total_mismatch')
    expect(error.details).toMatchObject({
      line: 4,
      total: '16.00',
      sum_of_lines: '15.00',
      difference: '1.00',
    })
  })

  test('refuses more decimals than the currency has, naming the line', () => {
    const parsed = parseAdviceCsv('Invoice;Amount\nA-1;10.00\nA-2;5.123\n', 'a.csv')
    const error = refusal(() => completeAdvice(parsed, {}, fallback, 'a.csv'))
    expect(error.code).toBe('cashapp.remittance_amount_invalid')
    expect(error.details).toMatchObject({ line: 3, amount: '5.123' })
  })
})

describe('amounts survive every way a spreadsheet writes them (property)', () => {
  /** minor units of EUR written as a person's spreadsheet would: '-1.234,56', '1,234.56', … */
  function written(minor: bigint, style: 'nl' | 'en' | 'plain_comma' | 'plain_dot'): string {
    const negative = minor < 0n
    const digits = (negative ? -minor : minor).toString().padStart(3, '0')
    const whole = digits.slice(0, -2)
    const cents = digits.slice(-2)
    const grouped = (mark: string) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, mark)
    const text = {
      nl: `${grouped('.')},${cents}`,
      en: `${grouped(',')}.${cents}`,
      plain_comma: `${whole},${cents}`,
      plain_dot: `${whole}.${cents}`,
    }[style]
    return negative ? `-${text}` : text
  }

  test('a CSV of any lines reads back to the same minor units, the total to their sum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -99_999_999n, max: 9_999_999_999n }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.constantFrom('nl', 'en', 'plain_comma', 'plain_dot'),
        fc.constantFrom(';', '\t', ','),
        fc.boolean(),
        (amounts, style, delimiter, withTotal) => {
          fc.pre(amounts.reduce((a, b) => a + b, 0n) > 0n)
          const cell = (text: string) => (text.includes(delimiter) ? `"${text}"` : text)
          const rows = amounts.map((a, i) => `INV-${i + 1}${delimiter}${cell(written(a, style))}`)
          const sum = amounts.reduce((a, b) => a + b, 0n)
          const total = withTotal ? [`Totaal${delimiter}${cell(written(sum, style))}`] : []
          const csv = [`Factuurnummer${delimiter}Bedrag`, ...rows, ...total].join('\n')
          const draft = completeAdvice(parseAdviceCsv(csv, 'p.csv'), {}, fallback, 'p.csv')
          expect(draft.lines.map((l) => l.amountMinor)).toEqual(amounts)
          expect(draft.amountMinor).toBe(sum)
          expect(draft.totalStated).toBe(withTotal)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('any input (property)', () => {
  // Text made of what advices are made of: digits, separators, currency signs, words, breaks.
  const adviceish = fc
    .array(
      fc.constantFrom(
        ...'0123456789.,;:-|/\t \n"€$()'.split(''),
        'INV-',
        'Factuur ',
        'Totaal',
        'Bedrag',
        'Invoice',
        'Amount',
        'IBAN: ',
        'Datum: ',
        'EUR',
        '\r\n',
      ),
      { maxLength: 400 },
    )
    .map((parts) => parts.join(''))

  test('reads to an advice or refuses with a DomainError; nothing else', () => {
    fc.assert(
      fc.property(adviceish, fc.boolean(), (input, asCsv) => {
        try {
          const parsed = asCsv
            ? parseAdviceCsv(input, 'fuzz.csv')
            : parseAdviceText(input, { source: 'email', fileName: 'fuzz.txt' })
          const draft = completeAdvice(parsed, {}, fallback, 'fuzz')
          expect(draft.amountMinor).toBeGreaterThan(0n)
          if (!draft.totalStated) {
            expect(draft.amountMinor).toBe(draft.lines.reduce((s, l) => s + l.amountMinor, 0n))
          }
        } catch (error) {
          if (!(error instanceof DomainError)) throw error
        }
      }),
      { numRuns: 1_000 },
    )
  })
})

describe('mail bodies and text', () => {
  const text = (body: string) =>
    advice(parseAdviceText(body, { source: 'email', fileName: 'mail' }))

  test('reads invoice lines in the ways people write them, and the stated facts', () => {
    const read = text(
      [
        'Geachte heer, mevrouw,',
        '',
        'Vandaag hebben wij de volgende facturen betaald:',
        '',
        'INV-2026-0042  1.234,56',
        'Factuur 2026-43: € 100,00',
        '- Factuur nr. 2026-44 (vervaldatum 01-03-2026): EUR 50,-',
        '',
        'Totaal: € 1.384,56',
        'Betaler: Bakkerij Jansen B.V.',
        'IBAN: NL91 ABNA 0417 1643 00',
        'Datum: 12 maart 2026',
        '',
        'Met vriendelijke groet,',
        '-- ',
        'Jan Jansen, 06-12345678, factuur 2026-99 € 5,00',
      ].join('\n'),
    )
    expect(read.lines).toEqual(['INV-2026-0042 123456', '2026-43 10000', '2026-44 5000'])
    expect(read).toMatchObject({
      amountMinor: 138456n,
      totalStated: true,
      payerName: 'Bakkerij Jansen B.V.',
      payerIban: 'NL91ABNA0417164300',
      date: '2026-03-12',
      currency: 'EUR',
    })
  })

  test('reads a plain-text table by its header: the paid column, not the invoiced one', () => {
    const read = text(
      [
        'Invoice          Date         Invoice amount   Paid',
        '---------------  -----------  ---------------  ---------',
        'INV-2026-0050    01.03.2026        1,000.00       980.00',
        'INV-2026-0051    02.03.2026          500.00       500.00',
        '| Total |  |  | 1,480.00 |',
        'Currency: USD',
      ].join('\n'),
    )
    expect(read.lines).toEqual(['INV-2026-0050 98000', 'INV-2026-0051 50000'])
    expect(read).toMatchObject({ amountMinor: 148000n, currency: 'USD' })
  })

  test('reads German', () => {
    const read = text(
      'Zahler: Müller Spedition GmbH\nRechnung RE-2026-17 über 500,00 EUR\nRechnung RE-2026-18 über 250,00 EUR\nSumme: 750,00 EUR',
    )
    expect(read.lines).toEqual(['RE-2026-17 50000', 'RE-2026-18 25000'])
    expect(read.payerName).toBe('Müller Spedition GmbH')
  })

  test.each`
    line                                         | invoice
    ${'Betaald 14/3/26: INV-1 100,00'}           | ${'INV-1'}
    ${'Order 20260311 factuur 2026-42 € 100,00'} | ${'2026-42'}
    ${'12345  RE-17  100,00'}                    | ${'RE-17'}
  `('takes $invoice from "$line"', ({ line, invoice }) => {
    expect(text(line).lines).toEqual([`${invoice} 10000`])
  })

  test('leaves out what a reply quotes', () => {
    const read = text('INV-1 10,00\n\nOn 3 March 2026 Accounts wrote:\n> INV-2 20,00\n')
    expect(read.lines).toEqual(['INV-1 1000'])
  })

  test.each`
    name                              | body                                             | code                                   | line
    ${'two invoices, one amount'}     | ${'Hallo\nFactuur 2026-41 en 2026-42: € 300,00'} | ${'cashapp.remittance_malformed'}      | ${2}
    ${'an IBAN whose digits fail'}    | ${'IBAN: NL92 ABNA 0417 1643 00\nINV-1 10,00'}   | ${'cashapp.remittance_malformed'}      | ${1}
    ${'a labelled date that is none'} | ${'INV-1 10,00\nDatum: gisteren'}                | ${'cashapp.remittance_malformed'}      | ${2}
    ${'two currencies'}               | ${'INV-1 € 10,00\nINV-2 USD 5.00'}               | ${'cashapp.remittance_malformed'}      | ${2}
    ${'a total that disagrees'}       | ${'INV-1 10,00\nINV-2 5,00\nTotaal 14,00'}       | ${'cashapp.remittance_total_mismatch'} | ${3}
    ${'nothing to read'}              | ${'Beste, de betaling komt eraan.'}              | ${'cashapp.remittance_empty'}          | ${undefined}
  `('refuses $name', ({ body, code, line }) => {
    const error = refusal(() => text(body))
    expect(error.code).toBe(code)
    if (line) expect(error.details.line).toBe(line)
  })
})

function pdfOf(lines: string[]): Promise<Uint8Array> {
  const document = new PDFDocument({ compress: true })
  const chunks: Buffer[] = []
  document.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Uint8Array>((resolve) =>
    document.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks)))),
  )
  for (const line of lines) {
    const [left, right] = line.split('|')
    const y = document.y
    document.text(left, 72, y)
    if (right) document.text(right, 300, y)
    document.moveDown(0.2)
  }
  document.end()
  return done
}

describe('PDF advices', () => {
  test('reads the text of a PDF, its table columns kept apart', async () => {
    const bytes = await pdfOf([
      'Betalingsadvies',
      'Betaler: Drukkerij Van den Berghe NV',
      'Factuur INV-2026-0060|€ 2.420,00',
      'Factuur INV-2026-0061|€ 605,00',
      'Totaal|€ 3.025,00',
    ])
    const document = { fileName: 'advies.pdf', bytes }
    expect(documentKind(document)).toBe('pdf')
    const read = advice(await parseAdviceDocument(document))
    expect(read.lines).toEqual(['INV-2026-0060 242000', 'INV-2026-0061 60500'])
    expect(read).toMatchObject({
      source: 'pdf',
      amountMinor: 302500n,
      payerName: 'Drukkerij Van den Berghe NV',
    })
  })

  test('refuses a file that is not a PDF, and a PDF without text', async () => {
    const broken = { fileName: 'advies.pdf', bytes: Buffer.from('%PDF-1.7\nthis is no pdf') }
    await expect(parseAdviceDocument(broken)).rejects.toMatchObject({
      code: 'cashapp.remittance_malformed',
    })
    const empty = await new Promise<Uint8Array>((resolve) => {
      const document = new PDFDocument()
      const chunks: Buffer[] = []
      document.on('data', (chunk: Buffer) => chunks.push(chunk))
      document.on('end', () => resolve(Buffer.concat(chunks)))
      document.rect(10, 10, 100, 100).fill()
      document.end()
    })
    await expect(parseAdviceDocument({ fileName: 'scan.pdf', bytes: empty })).rejects.toThrow(
      /no text/,
    )
  })
})

describe('files told apart', () => {
  test.each`
    fileName    | content                                                 | kind
    ${'a.csv'}  | ${'Invoice,Amount\nA-1,1.00\n'}                         | ${'csv'}
    ${'a.txt'}  | ${'Factuurnummer\tBedrag\nA-1\t1,00\n'}                 | ${'csv'}
    ${'a.txt'}  | ${'INV-1  1,00\n'}                                      | ${'text'}
    ${'upload'} | ${'From: a@b.nl\nTo: c@d.nl\nSubject: x\n\nINV-1 1,00'} | ${'mail'}
    ${'a.eml'}  | ${'x'}                                                  | ${'mail'}
  `('$fileName ($content) is $kind', ({ fileName, content, kind }) => {
    expect(documentKind({ fileName, bytes: Buffer.from(content) })).toBe(kind)
  })

  test('reads an HTML mail with its table in columns: the paid column, not the invoiced one', async () => {
    const html =
      '<p>Betaler: Bakkerij Jansen B.V.</p><table><tr><th>Factuur</th><th>Factuurbedrag</th>' +
      '<th>Betaald</th></tr><tr><td>INV-1</td><td>€ 1.000,00</td><td>€ 980,00</td></tr>' +
      '<tr><td>INV-2</td><td>€ 20,00</td><td>€ 20,00</td></tr></table><p>Totaal: € 1.000,00</p>'
    const raw = `From: a@b.nl\r\nTo: c@d.nl\r\nSubject: Avis\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}`
    const mail = await readAdviceMail(Buffer.from(raw))
    const read = advice(await parseAdviceDocument(mail.documents[0]))
    expect(read.lines).toEqual(['INV-1 98000', 'INV-2 2000'])
    expect(read).toMatchObject({ amountMinor: 100000n, payerName: 'Bakkerij Jansen B.V.' })
  })

  test('opens a mail into its body and its advice attachments, leaving a logo out', async () => {
    const raw = [
      'From: "Bakkerij Jansen B.V." <boekhouding@jansen.example>',
      'To: remittance+acme@in.example.com',
      'Subject: Betaaladvies maart',
      'Date: Thu, 12 Mar 2026 10:00:00 +0100',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Zie bijlage.',
      '--b1',
      'Content-Type: text/csv; name="advies.csv"',
      'Content-Disposition: attachment; filename="advies.csv"',
      '',
      'Factuur;Bedrag',
      'INV-1;10,00',
      '--b1',
      'Content-Type: image/png; name="logo.png"',
      'Content-Disposition: attachment; filename="logo.png"',
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0KGgo=',
      '--b1--',
      '',
    ].join('\r\n')
    const mail = await readAdviceMail(Buffer.from(raw))
    expect(mail).toMatchObject({
      fromAddress: 'boekhouding@jansen.example',
      fromName: 'Bakkerij Jansen B.V.',
      date: '2026-03-12',
      subject: 'Betaaladvies maart',
    })
    expect(mail.documents.map((d) => d.fileName)).toEqual([
      'Betaaladvies maart (mail body)',
      'advies.csv',
    ])
  })
})
