import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { bankFixtures, bankFixturesFolder } from '../../../../test/bank-fixtures.js'
import { BankFileError, readBankFileWhole } from './index.js'

// Real bank files, broken the ways files break in transit and in hand edits: a flipped byte, a
// cut-off end, a line doubled or lost, junk pasted in. Whatever comes in, the reader either
// gives a complete result or refuses with BankFileError — never another exception (that would
// be a 500 and a bug) and never a hang.

const folder = bankFixturesFolder()
const files = folder
  ? [...bankFixtures(folder, 'camt'), ...bankFixtures(folder, 'mt940')].map((fixture) =>
      readFileSync(fixture.path),
    )
  : []

/** Runs per fuzz test; O2C_FUZZ_RUNS raises it for a longer night run. */
const runs = Number(process.env.O2C_FUZZ_RUNS ?? 1500)
/** One file is a few kB; even the slowest mutation reads in milliseconds. */
const runMillisecondsMax = 2000

function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = []
  let start = 0
  for (let at = 0; at < bytes.length; at++) {
    if (bytes[at] === 0x0a) {
      lines.push(bytes.subarray(start, at + 1))
      start = at + 1
    }
  }
  lines.push(bytes.subarray(start))
  return lines
}

type Mutation = (bytes: Buffer) => Buffer

const junk = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
  fc
    .constantFrom(
      '<',
      '>',
      '&',
      '&amp;',
      '&lol;',
      ']]>',
      '<![CDATA[',
      '<!--',
      '<!DOCTYPE x>',
      '</Ntry>',
      '<Ntry>',
      '<Amt Ccy="EUR">',
      ':61:',
      ':86:',
      ':20:',
      ':62F:',
      '?20',
      '/EREF/',
      '//',
      '\r',
      '\n',
      '\u00e9',
      '\uffff',
    )
    .map((text) => Buffer.from(text, 'utf8')),
)

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) })
    .map(({ at, value }) => (bytes: Buffer) => {
      const copy = Buffer.from(bytes)
      copy[at % copy.length] = value
      return copy
    }),
  fc.nat().map((at) => (bytes: Buffer) => bytes.subarray(0, at % (bytes.length + 1))),
  fc.nat().map((at) => (bytes: Buffer) => {
    const lines = splitLines(bytes)
    const line = at % lines.length
    return Buffer.concat([...lines.slice(0, line + 1), ...lines.slice(line)])
  }),
  fc.nat().map((at) => (bytes: Buffer) => {
    const lines = splitLines(bytes)
    const line = at % lines.length
    return Buffer.concat([...lines.slice(0, line), ...lines.slice(line + 1)])
  }),
  fc.record({ at: fc.nat(), inserted: junk }).map(({ at, inserted }) => (bytes: Buffer) => {
    const cut = at % (bytes.length + 1)
    return Buffer.concat([bytes.subarray(0, cut), inserted, bytes.subarray(cut)])
  }),
)

async function readWithin(bytes: Buffer, chunkLength: number): Promise<'read' | 'refused'> {
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += chunkLength)
      yield bytes.subarray(at, at + chunkLength)
  }
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('The reader hung')), runMillisecondsMax)
  })
  try {
    const read = await Promise.race([readBankFileWhole(chunks()), hang])
    // A complete result: every statement whole, every entry with its amount and sign.
    for (const statement of read.statements) {
      for (const entry of statement.entries) expect(entry.amount).toMatch(/^\d+\.\d{2,}$/)
    }
    return 'read'
  } catch (error) {
    if (error instanceof BankFileError) return 'refused'
    throw error
  } finally {
    clearTimeout(timer)
  }
}

describe.skipIf(!folder)('mutated bank files', () => {
  test(`are read whole or refused with BankFileError (${runs} runs, up to 3 mutations each)`, async () => {
    const outcomes = { read: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: files.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 70_000 }),
        async (file, mutations, chunkLength) => {
          const bytes = mutations.reduce<Buffer>((current, mutate) => mutate(current), files[file])
          const started = performance.now()
          outcomes[await readWithin(bytes, chunkLength)] += 1
          expect(performance.now() - started).toBeLessThan(runMillisecondsMax)
        },
      ),
      { numRuns: runs },
    )
    console.info(`bank-file fuzz: ${runs} runs, ${outcomes.read} read, ${outcomes.refused} refused`)
    expect(outcomes.read + outcomes.refused).toBe(runs)
  })
})
