import { createReadStream, statSync } from 'node:fs'
import { DomainError } from '../core/errors.js'
import { type ImportProgress, importProgressBar } from './import-progress.js'
import { printResult } from './output.js'

// What the CSV import commands (`o2c customers import`, `o2c invoices import-open-items`)
// share: the file read with a progress bar, and a file refused whole printed with every
// problem by line and column, exit code 2.

/** A rejected row as the imports report it (their API shape). */
export type RowProblem = { line: number; column?: string | null; message: string }

export type FileImport<T> = {
  file: string
  options: { json?: boolean }
  /** The error code of a file refused whole (all-or-nothing). */
  rejectedCode: string
  /** The field of a problem naming the row's record: customer_number, invoice_number. */
  keyField: string
  /** Runs the import; `open` gives the file (again) as the import reads it. */
  run: (
    open: () => AsyncIterable<Buffer>,
    onProgress: (progress: ImportProgress) => void,
  ) => Promise<T>
}

/** Runs a file import; undefined when the file was refused (printed, exit code 2). */
export async function importFile<T>(job: FileImport<T>): Promise<T | undefined> {
  const progress = importProgressBar(fileSize(job.file))
  let result: T
  try {
    result = await job.run(() => progress.reading(createReadStream(job.file)), progress.update)
  } catch (error) {
    progress.stop()
    if (error instanceof DomainError && error.code === job.rejectedCode) {
      printRefusal(job, error)
      process.exitCode = 2
      return undefined
    }
    throw error
  }
  progress.stop()
  return result
}

/** One line per problem: `  line 3 (C-17): vat_id is not a valid …`. */
export function problemLines(problems: RowProblem[], keyField: string): string[] {
  return problems.map((p) => {
    const key = (p as Record<string, unknown>)[keyField]
    return `  line ${p.line}${key ? ` (${key})` : ''}: ${p.column ?? 'the line'} ${p.message}`
  })
}

function fileSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    throw new Error(`Cannot read ${file}: no such file`)
  }
}

function printRefusal<T>(job: FileImport<T>, error: DomainError): void {
  const details = error.details as { rejected: RowProblem[]; rejected_truncated: boolean }
  printResult(
    job.options,
    { type: `/problems/${error.code}`, title: error.title, detail: error.message, ...details },
    [
      error.message,
      ...problemLines(details.rejected, job.keyField),
      ...(details.rejected_truncated ? ['  … and more problems not listed'] : []),
    ],
  )
}
