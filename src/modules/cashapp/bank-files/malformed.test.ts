import { createReadStream } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { bankFixturesFolder, malformedBankFiles } from '../../../../test/bank-fixtures.js'
import { BankFileError, readBankFileWhole } from './index.js'

// A broken bank file is refused whole, and the refusal names the place: the line, the XML
// element or MT940 field, and the statement and entry where the format allows.

async function refusalOf(source: AsyncIterable<Buffer | string>, format?: 'camt' | 'mt940') {
  try {
    await readBankFileWhole(source, { format })
  } catch (error) {
    if (error instanceof BankFileError) return error
    throw error
  }
  throw new Error('The file was read, not refused')
}

async function* text(content: string) {
  yield content
}

const folder = bankFixturesFolder()

describe.skipIf(!folder)('the shared malformed files', () => {
  const files = folder ? malformedBankFiles(folder) : []

  test.each(files.map((file) => [file.name, file] as const))(
    '%s is refused with its place named',
    async (_name, file) => {
      const refusal = await refusalOf(createReadStream(file.path))
      expect(refusal.place.line ?? refusal.place.element).toBeDefined()
      expect(refusal.message).toMatch(/line \d+/i)
    },
  )

  test('the entity bomb is refused at its DOCTYPE, at once, before any entity is expanded', async () => {
    const started = performance.now()
    const refusal = await refusalOf(createReadStream(`${folder}/malformed/entity-bomb-camt053.xml`))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(refusal.message).toContain('DOCTYPE')
    expect(refusal.place).toMatchObject({ line: 2, element: 'DOCTYPE' })
  })

  test('the non-numeric amount names its element, statement and entry', async () => {
    const refusal = await refusalOf(
      createReadStream(`${folder}/malformed/non-numeric-amount-camt054.xml`),
    )
    expect(refusal.message).toContain("'2OO000.00'")
    expect(refusal.place).toMatchObject({
      line: 59,
      element: 'Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/Amt',
      statement: 0,
      entry: 0,
    })
  })

  test('the statement without :62F: is named by its index and :20: line', async () => {
    const refusal = await refusalOf(
      createReadStream(`${folder}/malformed/missing-62F-sparkasse.sta`),
    )
    expect(refusal.message).toContain('no closing balance')
    expect(refusal.place).toMatchObject({ statement: 0, line: 1, element: ':20:' })
  })

  test('the truncated camt.053 is refused at its end, inside entry 1', async () => {
    const refusal = await refusalOf(createReadStream(`${folder}/malformed/truncated-camt053.xml`))
    expect(refusal.message).toContain('not well-formed')
    expect(refusal.place).toMatchObject({ statement: 0, entry: 1 })
  })
})

const camtStart =
  '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'

describe('safe XML', () => {
  const camt = (body: string) => `${camtStart}${body}</Document>`
  const doctype = '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
  test.each([
    ['an external entity', `<?xml version="1.0"?>${doctype}${camt('&x;').slice(21)}`, 'DOCTYPE'],
    ['nesting deeper than 64', camt(`${'<a>'.repeat(70)}${'</a>'.repeat(70)}`), 'deeper than 64'],
    ['a text longer than 1 MB', camt(`<a>${'x'.repeat(1_100_000)}</a>`), 'longer than'],
    ['a comment longer than 1 MB', camt(`<!--${'x'.repeat(1_200_000)}-->`), 'longer than'],
    ['text after the root', `${camt('')}trailing`, 'not well-formed'],
    ['another XML document', '<?xml version="1.0"?><Invoice xmlns="urn:x"/>', 'not a camt.053'],
  ])('refuses %s', async (_case, xml, message) => {
    const refusal = await refusalOf(text(xml))
    expect(refusal.message).toContain(message)
    expect(refusal.place.line).toBeGreaterThan(0)
  })

  test('refuses an entry without a credit/debit indicator, naming the entry', async () => {
    const xml = `${camtStart}<BkToCstmrStmt><Stmt><Id>S1</Id><Ntry><Amt Ccy="EUR">1.00</Amt></Ntry><Ntry><Amt Ccy="EUR">2</Amt></Ntry></Stmt></BkToCstmrStmt></Document>`
    const refusal = await refusalOf(text(xml))
    expect(refusal.message).toContain('CdtDbtInd')
    expect(refusal.place).toMatchObject({ statement: 0, entry: 0 })
  })
})

describe('MT940 refusals', () => {
  test.each`
    case                                  | file                                                                                | message
    ${'a :61: that is no statement line'} | ${':20:X\n:25:1\n:60F:C200101EUR1,00\n:61:junk\n:62F:C200101EUR1,00\n'}             | ${'not a statement line'}
    ${'an impossible value date'}         | ${':20:X\n:25:1\n:60F:C200101EUR1,00\n:61:201340C1,00NTRFX\n:62F:C200101EUR2,00\n'} | ${'not a date'}
    ${'an amount with two commas'}        | ${':20:X\n:25:1\n:60F:C200101EUR1,0,0\n:62F:C200101EUR1,00\n'}                      | ${'not a balance'}
    ${'an entry before :20:'}             | ${':61:200101C1,00NTRFX\n:20:X\n'}                                                  | ${'before any statement'}
    ${'a statement without :60F:'}        | ${':20:X\n:25:1\n:62F:C200101EUR1,00\n'}                                            | ${'no opening balance'}
  `('refuses $case', async ({ file, message }) => {
    const refusal = await refusalOf(text(file), 'mt940')
    expect(refusal.message).toContain(message)
    expect(refusal.place.line).toBeGreaterThan(0)
  })

  test('refuses a file that is neither format, saying what it expected', async () => {
    const refusal = await refusalOf(text('Datum;Bedrag\n2024-01-01;12,50\n'))
    expect(refusal.message).toContain('neither camt.053/054 XML nor MT940')
  })
})
