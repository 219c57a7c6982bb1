import { parse } from 'csv-parse/sync'
import { domainError } from '../../core/errors.js'

// Reading the CSV files of this module (orders, carrier events): columns by header name, an
// unknown or missing header refused before any row is looked at, each row with the line
// number a person sees in their editor.

export type CsvRow = { line: number; values: Record<string, string> }

/** A problem with one row, by line number and column. */
export type RowIssue = { line: number; field: string; message: string }

export type CsvShape = {
  /** The file's name in messages ("orders file"). */
  what: string
  columns: readonly string[]
  required: readonly string[]
  /** Bound on rows, so a runaway export cannot take the server's memory. */
  rowsMax: number
  /** The error code when the file as a whole is refused. */
  rejectedCode: string
}

export function readCsv(text: string, shape: CsvShape): CsvRow[] {
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(text, {
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as typeof records
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 0
    throw rejected(shape, [
      { line, field: '', message: `is not valid CSV: ${(error as Error).message}` },
    ])
  }
  const [header, ...rows] = records
  if (!header) throw rejected(shape, [{ line: 1, field: '', message: 'the file is empty' }])
  const names = header.record.map((name) => name.trim().toLowerCase())
  const issues: RowIssue[] = []
  names.forEach((name, index) => {
    if (!shape.columns.includes(name)) {
      issues.push({
        line: 1,
        field: name,
        message: `unknown column "${header.record[index]}"; known: ${shape.columns.join(', ')}`,
      })
    } else if (names.indexOf(name) !== index) {
      issues.push({ line: 1, field: name, message: 'column appears twice' })
    }
  })
  for (const name of shape.required) {
    if (!names.includes(name)) issues.push({ line: 1, field: name, message: 'column is missing' })
  }
  if (rows.length > shape.rowsMax) {
    issues.push({ line: 0, field: '', message: `has more than ${shape.rowsMax} rows; split it` })
  }
  if (issues.length > 0) throw rejected(shape, issues)
  return rows.map(({ record, info }) => {
    const values: Record<string, string> = {}
    names.forEach((name, index) => {
      values[name] = record[index] ?? ''
    })
    return { line: info.lines, values }
  })
}

/** The whole file refused: every problem listed by line and column; nothing was written. */
export function rejected(shape: CsvShape, issues: RowIssue[]) {
  const first = issues[0]
  const where = first ? `line ${first.line}${first.field ? `, ${first.field}` : ''}` : ''
  return domainError(
    shape.rejectedCode,
    `The ${shape.what} has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was written. First: ${where}: ${first?.message}`,
    { errors: issues },
  )
}
