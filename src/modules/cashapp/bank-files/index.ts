import { readCamt } from './camt.js'
import { type CsvMapping, readCsv } from './csv.js'
import { BankFileError, type BankFileEvent } from './model.js'
import { readMt940 } from './mt940.js'
import { type BankFileJson, collectBankFile } from './statement-json.js'
import { chunkBytes } from './text.js'

// Reading bank files: camt.053 / camt.054 (streamed), MT940 and CSV with a saved mapping,
// all into the same events (model.ts). The statement import builds on readBankFile; nothing
// here touches the store.

export { type CsvMapping, csvMappingSchema } from './csv.js'
export * from './model.js'
export {
  type BankFileJson,
  balanceCheck,
  collectBankFile,
  type StatementJson,
  statementJson,
} from './statement-json.js'

export type BankFileKind = 'camt' | 'mt940' | 'csv'

export type ReadBankFileOptions = {
  /** Skips detection; 'csv' needs csvMapping. */
  format?: BankFileKind
  /** The bank account's saved mapping; given alone, it means the file is CSV. */
  csvMapping?: CsvMapping
  /** Named in messages and used as a CSV statement's id. */
  fileName?: string
}

/** How much of the start of a file detection looks at. */
const detectionBytes = 64 * 1024

/**
 * The statements of a bank file, as events in file order. A file that is not well-formed
 * throws BankFileError — possibly after some events, so a caller writes nothing until the
 * iteration has ended.
 *
 * ```ts
 * for await (const event of readBankFile(createReadStream(path))) { … }
 * ```
 */
export async function* readBankFile(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadBankFileOptions = {},
): AsyncGenerator<BankFileEvent> {
  const iterator = bytesOf(source)[Symbol.asyncIterator]()
  const head: Uint8Array[] = []
  let headLength = 0
  // Detection looks again each time the start has doubled, so tiny chunks cost no more than
  // a few copies of it.
  let headLengthChecked = 0
  let kind = options.format ?? (options.csvMapping ? 'csv' : undefined)
  while (!kind) {
    const next = await iterator.next()
    if (!next.done) {
      head.push(next.value)
      headLength += next.value.length
    }
    const final = next.done === true || headLength >= detectionBytes
    if (!final && headLength < 2 * headLengthChecked) continue
    headLengthChecked = Math.max(headLength, 256)
    kind = detectFormat(Buffer.concat(head), final)
    if (final && !kind) {
      throw new BankFileError(
        `${options.fileName ?? 'The file'} is neither camt.053/054 XML nor MT940` +
          ' (for a CSV export, give the account’s column mapping)',
        { line: 1 },
      )
    }
  }
  const bytes = replay(head, iterator)
  if (kind === 'camt') yield* readCamt(bytes)
  else if (kind === 'mt940') yield* readMt940(bytes)
  else {
    if (!options.csvMapping) throw new BankFileError('A CSV file needs a column mapping', {})
    yield* readCsv(bytes, options.csvMapping, options.fileName)
  }
}

/** The whole file as the fixtures' expected.json has it; for tests and small files. */
export async function readBankFileWhole(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadBankFileOptions = {},
): Promise<BankFileJson> {
  return collectBankFile(readBankFile(source, options))
}

/**
 * 'camt' for XML whose text names a camt.053 or camt.054 namespace, 'mt940' for a line that
 * starts a SWIFT message (':20:', '{1:', Rabobank's ':940:'); undefined while unsure, and
 * for anything else once `final`.
 */
export function detectFormat(start: Uint8Array, final: boolean): BankFileKind | undefined {
  const text = Buffer.from(start)
    .toString('latin1')
    .replace(/^\xef\xbb\xbf/, '')
  const first = text.trimStart()
  if (first.startsWith('<')) {
    if (/urn:iso:std:iso:20022:tech:xsd:camt\.05[34]\./.test(text)) return 'camt'
    // Any other XML goes to the camt reader too, which names what it found instead.
    return final ? 'camt' : undefined
  }
  if (/^(:20:|\{1:|:940:)/m.test(text)) return 'mt940'
  return undefined
}

async function* bytesOf(
  source: AsyncIterable<Buffer | Uint8Array | string>,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield chunkBytes(chunk)
}

async function* replay(
  head: Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield* head
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value
}
