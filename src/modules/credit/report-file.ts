import { CsvError, parse } from 'csv-parse/sync'
import { domainError } from '../../core/errors.js'

// Reading a credit report file: a JSON array of objects or CSV with a header row (comma or
// semicolon), columns by name. Each record keeps where it came from (row and line), so every
// rejected record can be named by the line a person finds it on in their editor.

export const reportColumns = [
  'customer_number',
  'bureau',
  'score',
  'rating',
  'recommended_limit',
  'payment_index',
  'report_date',
] as const

export const requiredReportColumns = ['customer_number', 'bureau', 'report_date'] as const

// A bureau's portfolio file for one tenant is a few thousand reports; 50,000 leaves room for
// the largest. Measured (2 vCPU, shared): 5,000 reports import in ~0.5 s on PGlite, ~0.4 s on
// PostgreSQL, the audit written per batch of 1,000 (recordAuditBatch; one recordAudit per
// report took 7 s and 5 s), so even the largest file is a transaction of seconds.
export const reportRowsPerFileMax = 50_000

export type ReportRecord = {
  /** 1-based position of the record among the file's records (the header is not one). */
  row: number
  /** The line of the file it starts on, when the file had lines (not for a JSON body). */
  line: number | null
  values: Record<string, unknown>
}

/** Header or file-level problems refuse the whole file at once. */
function unreadable(detail: string, details: Record<string, unknown> = {}) {
  return domainError('credit.report_file_unreadable', detail, details)
}

export function readReportFile(text: string): ReportRecord[] {
  const body = text.replace(/^\uFEFF/, '')
  if (body.trim() === '') throw unreadable('The file is empty')
  const records = body.trimStart().startsWith('[') ? readJson(body) : readCsv(body)
  if (records.length > reportRowsPerFileMax) {
    throw unreadable(
      `The file has ${records.length} reports; split it in files of at most ${reportRowsPerFileMax}`,
    )
  }
  return records
}

function readJson(text: string): ReportRecord[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw unreadable(`The file is not valid JSON: ${(error as Error).message}`)
  }
  return reportRecordsOf(parsed, jsonElementLines(text))
}

/** Records of an already parsed JSON array (an API body); lines are known only for files. */
export function reportRecordsOf(parsed: unknown, lines: number[] = []): ReportRecord[] {
  if (!Array.isArray(parsed)) throw unreadable('A JSON credit report file is an array of reports')
  return parsed.map((values, index) => ({
    row: index + 1,
    line: lines[index] ?? null,
    values:
      values && typeof values === 'object' && !Array.isArray(values)
        ? (values as Record<string, unknown>)
        : { __not_an_object: true },
  }))
}

/** The line each top-level element of a JSON array starts on. */
export function jsonElementLines(text: string): number[] {
  const lines: number[] = []
  let line = 1
  let depth = 0
  let inString = false
  let escaped = false
  let expectValue = false
  for (const ch of text) {
    if (ch === '\n') line++
    if (inString) {
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') inString = false
      continue
    }
    if (/\s/.test(ch)) continue
    if (depth === 1 && expectValue && ch !== ']') {
      lines.push(line)
      expectValue = false
    }
    if (ch === '"') inString = true
    else if (ch === '{' || ch === '[') {
      depth++
      if (depth === 1) expectValue = true
    } else if (ch === '}' || ch === ']') depth--
    else if (ch === ',' && depth === 1) expectValue = true
  }
  return lines
}

function readCsv(text: string): ReportRecord[] {
  let parsed: { record: string[]; info: { lines: number } }[]
  try {
    parsed = parse(text, {
      delimiter: [',', ';'],
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as typeof parsed
  } catch (error) {
    if (error instanceof CsvError) {
      throw unreadable(`The CSV cannot be read at line ${error.lines}: ${error.message}`, {
        line: error.lines,
      })
    }
    throw error
  }
  const [header, ...rows] = parsed
  if (!header) throw unreadable('The file has no header row')
  const columns = header.record.map((name) => name.trim().toLowerCase())
  const unknown = columns.filter((c) => !(reportColumns as readonly string[]).includes(c))
  const missing = requiredReportColumns.filter((c) => !columns.includes(c))
  if (unknown.length > 0 || missing.length > 0) {
    const problems = [
      unknown.length > 0 ? `unknown column ${unknown.join(', ')}` : '',
      missing.length > 0 ? `missing column ${missing.join(', ')}` : '',
    ].filter(Boolean)
    throw unreadable(`${problems.join('; ')} (columns: ${reportColumns.join(', ')})`, {
      line: 1,
      unknown,
      missing,
    })
  }
  return rows.map((row, index) => ({
    row: index + 1,
    line: row.info.lines,
    values: Object.fromEntries(
      columns.map((c, i) => [
        c,
        row.record[i] === undefined || row.record[i] === '' ? undefined : row.record[i],
      ]),
    ),
  }))
}
