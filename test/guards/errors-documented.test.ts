import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { errorCatalogue } from '../../src/core/errors.js'
import '../../src/modules.js' // registers every module's catalogue

// Every error code o2c can answer with is documented in docs/errors.md, with the status the
// catalogue gives it, and the page lists no code that no longer exists. The page is written
// by hand (the "when it happens" column needs a person); this test keeps it honest.

const page = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

type DocumentedCode = { code: string; status: number; line: number }

// Table rows whose first cell is a code in backticks: | `customers.vat_id_invalid` | 422 | …
function documentedCodes(markdown: string): DocumentedCode[] {
  const rows: DocumentedCode[] = []
  markdown.split('\n').forEach((text, index) => {
    const match = /^\|\s*`([a-z0-9_]+\.[a-z0-9_.]+)`\s*\|\s*(\d{3})\s*\|/.exec(text)
    if (match) rows.push({ code: match[1], status: Number(match[2]), line: index + 1 })
  })
  return rows
}

describe('docs/errors.md', () => {
  const documented = documentedCodes(page)
  const catalogue = errorCatalogue()

  test('documents every code of the catalogue', () => {
    const missing = [...catalogue.keys()].filter((code) => !documented.some((d) => d.code === code))
    expect(missing, 'add a row for each of these codes to docs/errors.md').toEqual([])
  })

  test('lists no code the catalogue does not have', () => {
    const unknown = documented
      .filter((d) => !catalogue.has(d.code))
      .map((d) => `line ${d.line}: ${d.code}`)
    expect(unknown, 'these codes are gone: remove their rows from docs/errors.md').toEqual([])
  })

  test('gives each code the HTTP status of the catalogue, once', () => {
    const wrong = documented
      .filter((d) => catalogue.has(d.code) && catalogue.get(d.code)?.status !== d.status)
      .map((d) => `line ${d.line}: ${d.code} is ${catalogue.get(d.code)?.status}, not ${d.status}`)
    expect(wrong).toEqual([])
    const seen = new Set<string>()
    const twice = documented.filter((d) => seen.has(d.code) || !seen.add(d.code)).map((d) => d.code)
    expect(twice, 'codes listed more than once').toEqual([])
  })
})
