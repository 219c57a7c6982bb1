import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The real bank files in ../shared/fixtures/bank (beside the repository), each with the
// expected.json an importer must give exactly. O2C_BANK_FIXTURES points elsewhere; undefined
// when neither is there (the tests then say so and skip).

export function bankFixturesFolder(): string | undefined {
  const folder =
    process.env.O2C_BANK_FIXTURES ??
    fileURLToPath(new URL('../../shared/fixtures/bank', import.meta.url))
  return existsSync(join(folder, 'README.md')) ? folder : undefined
}

export type BankFixture = {
  name: string
  path: string
  expected: { format: string; statements: unknown[] }
}

/** The files of one subfolder ('camt', 'mt940') with their expected.json. */
export function bankFixtures(folder: string, subfolder: string): BankFixture[] {
  const directory = join(folder, subfolder)
  return readdirSync(directory)
    .filter((name) => !name.endsWith('.expected.json'))
    .sort()
    .map((name) => ({
      name: `${subfolder}/${name}`,
      path: join(directory, name),
      expected: JSON.parse(readFileSync(join(directory, `${name}.expected.json`), 'utf8')),
    }))
}

/** The refused files of malformed/ (its README excepted). */
export function malformedBankFiles(folder: string): { name: string; path: string }[] {
  const directory = join(folder, 'malformed')
  return readdirSync(directory)
    .filter((name) => name !== 'README.md')
    .sort()
    .map((name) => ({ name, path: join(directory, name) }))
}
