import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import { domainError } from './errors.js'

// Reading the CSV files people export from spreadsheets and previous systems: the header
// names the columns (any order), the delimiter is whatever the header line uses (',' or ';'
// — Dutch Excel writes ';' — or a tab), a UTF-8 byte order mark is dropped, and every record
// knows its line in the file, so a problem can be named by line and column. The importers
// (customers, open items) check their own rows; this file only reads.

/** Where bytes of a CSV come from; opened once per pass over the file. */
export type CsvSource = () => Iterable<Buffer | string> | AsyncIterable<Buffer | string>

export type CsvRecord = { line: number; cells: string[] }

/** The error codes a reader reports with: each importer names failures in its own words. */
export type CsvErrorCodes = {
  malformed: string
  headerMissing: string
  headerUnknown: string
  headerRepeated: string
}

// A header line longer than this is not a header: stop looking for its end.
const headerBytesMax = 64 * 1024

/**
 * The records of a CSV, the header line included, each with its line number. Blank lines,
 * and the rows of nothing but delimiters that spreadsheets leave below the data, are left
 * out. Throws a DomainError (codes.malformed, with the line) for broken quoting.
 */
export async function* readCsvRecords(
  source: CsvSource,
  malformedCode: string,
): AsyncGenerator<CsvRecord & { delimiter: string }> {
  const { chunks, headText } = await peekHeaderLine(source())
  const delimiter = detectDelimiter(headText)
  const parser = parse({
    delimiter,
    bom: true,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: false,
  })
  // Errors of the source reach us through the parser; the pipeline's own promise is only
  // there so that a source error is not reported as unhandled.
  pipeline(Readable.from(chunks), parser).catch(() => {})
  // Lines are counted here: a record is one line plus the line breaks inside its quoted
  // cells (csv-parse's own count takes a CRLF inside quotes for two).
  let nextLine = 1
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = nextLine
      nextLine += 1
      for (const cell of record) nextLine += lineBreaksIn(cell)
      if (record.every((cell) => cell === '')) continue
      yield { line, cells: record, delimiter }
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines
      throw domainError(
        malformedCode,
        `The file is not valid CSV at line ${line}: ${error.message}`,
        { line },
      )
    }
    throw error
  }
}

/**
 * The header's column names, lower-cased, checked against the columns an importer knows:
 * an unknown or repeated name, or a missing required one, refuses the file with a message
 * that names them.
 */
export function checkCsvHeader<C extends string>(
  cells: string[],
  line: number,
  columns: { allowed: readonly C[]; required: readonly C[] },
  codes: CsvErrorCodes,
): C[] {
  const names = cells.map((cell) => cell.trim().toLowerCase())
  const unknown = names.filter((name) => !(columns.allowed as readonly string[]).includes(name))
  if (unknown.length > 0) {
    const shown = unknown.map((name) => (name === '' ? '(an empty column name)' : `"${name}"`))
    throw domainError(
      codes.headerUnknown,
      `Unknown column ${shown.join(', ')} in the header (line ${line}); ` +
        `the columns are ${columns.allowed.join(', ')}`,
      { line, unknown, allowed: columns.allowed },
    )
  }
  const repeated = names.filter((name, index) => names.indexOf(name) !== index)
  if (repeated.length > 0) {
    throw domainError(
      codes.headerRepeated,
      `Column "${repeated[0]}" appears twice in the header (line ${line})`,
      { line, column: repeated[0] },
    )
  }
  const missing = columns.required.filter((name) => !names.includes(name))
  if (missing.length > 0) {
    throw domainError(
      codes.headerMissing,
      `The header (line ${line}) lacks the required column${missing.length > 1 ? 's' : ''} ` +
        `${missing.join(', ')}`,
      { line, missing },
    )
  }
  return names as C[]
}

/** The decoder puts U+FFFD where bytes were not UTF-8: a file saved as ANSI/Windows-1252. */
export function notUtf8(cell: string): boolean {
  return cell.includes('\uFFFD')
}

async function peekHeaderLine(
  input: Iterable<Buffer | string> | AsyncIterable<Buffer | string>,
): Promise<{ chunks: AsyncIterable<Buffer | string>; headText: string }> {
  const iterator =
    Symbol.asyncIterator in input
      ? input[Symbol.asyncIterator]()
      : (input as Iterable<Buffer | string>)[Symbol.iterator]()
  const head: Array<Buffer | string> = []
  let headText = ''
  while (!/[\r\n]/.test(headText) && headText.length < headerBytesMax) {
    const next = await iterator.next()
    if (next.done) break
    head.push(next.value)
    headText += typeof next.value === 'string' ? next.value : next.value.toString('utf8')
  }
  async function* chunks() {
    yield* head
    for (;;) {
      const next = await iterator.next()
      if (next.done) return
      yield next.value
    }
  }
  return { chunks: chunks(), headText: headText.split(/\r?\n|\r/)[0] }
}

/** The delimiter that splits the header line most often, outside quotes. */
export function detectDelimiter(headerLine: string): string {
  const unquoted = headerLine.replace(/"[^"]*"/g, '')
  let best = ','
  let bestCount = 0
  for (const candidate of [',', ';', '\t']) {
    const count = unquoted.split(candidate).length - 1
    if (count > bestCount) {
      best = candidate
      bestCount = count
    }
  }
  return best
}

function lineBreaksIn(cell: string): number {
  if (!cell.includes('\n') && !cell.includes('\r')) return 0
  let count = 0
  for (let i = 0; i < cell.length; i++) {
    const char = cell.charCodeAt(i)
    if (char === 10) count++
    else if (char === 13) {
      count++
      if (cell.charCodeAt(i + 1) === 10) i++
    }
  }
  return count
}
