import { createReadStream, readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { bankFixtures, bankFixturesFolder } from '../../../../test/bank-fixtures.js'
import { readBankFileWhole } from './index.js'

// Every real bank file in ../shared/fixtures/bank reads to exactly the statements and entries
// of its expected.json: the field rules live in that folder's README, not in this test.

const folder = bankFixturesFolder()
if (!folder) {
  console.warn(
    'bank fixtures: ../shared/fixtures/bank is not beside the repository and O2C_BANK_FIXTURES is unset; skipped',
  )
}
const fixtures = folder ? [...bankFixtures(folder, 'camt'), ...bankFixtures(folder, 'mt940')] : []

describe.skipIf(!folder)('the shared bank fixtures', () => {
  test('are there to read (camt and MT940)', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(25)
  })

  test.each(fixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s gives exactly its expected.json, format given or detected',
    async (_name, fixture) => {
      const format = fixture.expected.format === 'mt940' ? 'mt940' : 'camt'
      const given = await readBankFileWhole(createReadStream(fixture.path), { format })
      expect(given.statements).toEqual(fixture.expected.statements)
      const read = await readBankFileWhole(createReadStream(fixture.path))
      expect(read).toEqual({
        format: fixture.expected.format,
        statements: fixture.expected.statements,
      })
    },
  )

  // Chunks end anywhere: inside a tag, a UTF-8 character ('Straße'), a CRLF. The result may
  // not depend on where.
  test.each(fixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s reads the same in 7-byte chunks, its format detected across them',
    async (_name, fixture) => {
      const bytes = readFileSync(fixture.path)
      async function* sevenBytes() {
        for (let at = 0; at < bytes.length; at += 7) yield bytes.subarray(at, at + 7)
      }
      const read = await readBankFileWhole(sevenBytes())
      expect(read).toEqual({
        format: fixture.expected.format,
        statements: fixture.expected.statements,
      })
    },
  )
})
