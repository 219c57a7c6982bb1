import { SaxesParser, type SaxesTagNS } from 'saxes'
import { type CalendarDate, isCalendarDate } from '../../../core/dates.js'
import { normaliseAmount } from './amount.js'
import {
  type Balance,
  type BankEntry,
  BankFileError,
  type BankFileEvent,
  type BankFilePlace,
  type Counterparty,
  type EntryDetail,
  type Remittance,
  type Sign,
  type StatementHead,
} from './model.js'
import { fieldValue } from './patterns.js'
import { StreamingDecoder } from './text.js'

// ISO 20022 camt.053 (statements) and camt.054 (notifications), every version from 001.02:
// the elements o2c reads kept their names and places across versions, so the namespace is
// read only for the format's name. The file is streamed through saxes and never held: only
// the statement's head and the entry being read are in memory, so a 200 MB statement of a
// payment provider reads in flat memory. Fields follow ../shared/fixtures/bank/README.md.
//
// Bank files come from outside, so the XML is read defensively: any DOCTYPE is refused before
// anything in it is used (no entity can be declared, so none is expanded and nothing
// external is fetched — "billion laughs", XXE), and nesting, text and tokens are bounded.

/** camt nests about 12 deep; 64 leaves room for any bank and stops a nesting bomb. */
export const depthMax = 64
/** The longest camt text (Ustrd) is 140 characters; 1 MB is a broken or hostile file. */
export const textLengthMax = 1024 * 1024
/** An entry's text in all (a batch booking's TxDtls); bounds the one entry we hold. */
const entryTextLengthMax = 16 * 1024 * 1024
/** Text is fed to the parser in slices, so that one large source chunk is never copied whole. */
const sliceLength = 64 * 1024

export async function* readCamt(source: AsyncIterable<Uint8Array>): AsyncGenerator<BankFileEvent> {
  const reader = new CamtReader()
  const decoder = new StreamingDecoder()
  for await (const chunk of source) {
    const text = decoder.decode(chunk)
    if (text === undefined) throw reader.mixedEncoding()
    for (let at = 0; at < text.length; at += sliceLength) {
      reader.write(text.slice(at, at + sliceLength))
      yield* reader.take()
    }
  }
  const rest = decoder.end()
  if (rest === undefined) throw reader.mixedEncoding()
  reader.write(rest)
  reader.close()
  yield* reader.take()
}

type Party = { name?: string; partyName?: string; iban?: string; bic?: string }

type CodeDraft = { domain: boolean; parts: (string | undefined)[]; proprietary?: string }

type TxDraft = {
  amount?: string
  currency?: string
  txAmount?: string
  txCurrency?: string
  sign?: Sign
  bankReference?: string
  endToEndId?: string
  mandateId?: string
  code: CodeDraft
  debtor: Party
  creditor: Party
  unstructured: string[]
  structuredReference?: string
  returnCode?: string
  returnProprietary?: string
}

type EntryDraft = {
  amount?: string
  currency?: string
  sign?: Sign
  reversal: boolean
  bookingDate?: CalendarDate
  valueDate?: CalendarDate
  bankReference?: string
  customerReference?: string
  code: CodeDraft
  transactions: TxDraft[]
  textLength: number
}

type BalanceDraft = {
  code?: string
  amount?: string
  currency?: string
  sign?: Sign
  date?: string
}

type StatementDraft = {
  depth: number
  id?: string
  electronicNumber?: string
  legalNumber?: string
  iban?: string
  number?: string
  currency?: string
  opening?: Balance & { currency?: string }
  previousClosing?: Balance & { currency?: string }
  closing?: Balance
  announced: boolean
}

// The statement element of each message: Stmt in camt.053, Ntfctn in camt.054.
const statementElements: Record<string, string> = {
  BkToCstmrStmt: 'Stmt',
  BkToCstmrDbtCdtNtfctn: 'Ntfctn',
}

/** Holds the parse over time: the open statement and entry, and the events not yet taken. */
class CamtReader {
  private parser = new SaxesParser({ xmlns: true, position: true })
  private path: string[] = []
  private text = ''
  private amountCurrency: string | undefined
  private format: string | undefined
  private statement: StatementDraft | undefined
  private balance: (BalanceDraft & { depth: number }) | undefined
  private entry: (EntryDraft & { depth: number }) | undefined
  private transaction: (TxDraft & { depth: number }) | undefined
  private statementIndex = -1
  private entryIndex = -1
  private events: BankFileEvent[] = []
  // Characters fed since the parser last reported anything: saxes buffers a token until it
  // ends, so this bounds what it holds (a huge comment, attribute or DOCTYPE).
  private quietLength = 0

  constructor() {
    const parser = this.parser
    parser.on('doctype', (doctype) => {
      // saxes reports a DOCTYPE at its end; the refusal names the line where it starts.
      const startLine = parser.line - (doctype.match(/\n/g)?.length ?? 0)
      throw new BankFileError(
        `The file declares a DOCTYPE at line ${startLine}; bank files never need one, and it ` +
          'could declare entities (expansion bombs, external files), so it is refused unread',
        { line: startLine, element: 'DOCTYPE' },
      )
    })
    parser.on('opentag', (tag) => this.openElement(tag))
    parser.on('closetag', () => this.closeElement())
    parser.on('text', (text) => this.addText(text))
    parser.on('cdata', (text) => this.addText(text))
    // No comment or processing-instruction handlers: with them saxes read at half the speed
    // (50 MB camt.053: 3.3 s of CPU against 1.6 s). Comments then do not count as heard,
    // which only matters for a file of comments longer than 1 MB — refused either way.
  }

  write(text: string): void {
    this.guard(() => this.parser.write(text))
    this.quietLength += text.length
    if (this.quietLength > textLengthMax + sliceLength) {
      throw this.refusal(
        `An XML token (text, comment, tag or declaration) is longer than ${textLengthMax} characters`,
      )
    }
  }

  close(): void {
    this.guard(() => this.parser.close())
    if (!this.format) throw this.refusal('The file has no camt.053 or camt.054 document in it')
  }

  take(): BankFileEvent[] {
    const events = this.events
    this.events = []
    return events
  }

  mixedEncoding(): BankFileError {
    return this.refusal(
      'The file is neither UTF-8 nor ISO-8859-1 throughout: invalid UTF-8 after UTF-8 text',
    )
  }

  private guard(run: () => void): void {
    try {
      run()
    } catch (error) {
      if (error instanceof BankFileError) throw error
      const message = error instanceof Error ? error.message : String(error)
      throw this.refusal(`The XML is not well-formed: ${message}`)
    }
  }

  private refusal(message: string, element?: string): BankFileError {
    const place: BankFilePlace = {
      line: this.parser.line,
      column: this.parser.column,
      element: element ?? (this.path.join('/') || undefined),
    }
    if (this.statement) place.statement = this.statementIndex
    if (this.entry) place.entry = this.entryIndex
    const where = [
      `line ${place.line}, column ${place.column}`,
      place.element && `element ${place.element}`,
      place.statement !== undefined && `statement ${place.statement}`,
      place.entry !== undefined && `entry ${place.entry}`,
    ]
      .filter(Boolean)
      .join(', ')
    return new BankFileError(`${message} (${where})`, place)
  }

  private heard(): void {
    this.quietLength = 0
  }

  private addText(text: string): void {
    this.heard()
    this.text += text
    if (this.text.length > textLengthMax) {
      throw this.refusal(`A text is longer than ${textLengthMax} characters`)
    }
  }

  private openElement(tag: SaxesTagNS): void {
    this.heard()
    if (this.path.length >= depthMax) {
      throw this.refusal(`The XML nests deeper than ${depthMax} elements`)
    }
    if (this.path.length === 0) this.format = formatOf(tag, (message) => this.refusal(message))
    this.path.push(tag.local)
    this.text = ''
    this.amountCurrency = tag.attributes.Ccy?.value
    const depth = this.path.length
    const local = tag.local
    if (depth === 3 && statementElements[this.path[1]] === local) {
      this.statementIndex += 1
      this.entryIndex = -1
      this.statement = { depth, announced: false }
    } else if (!this.statement) {
      return
    } else if (depth === this.statement.depth + 1 && local === 'Bal') {
      this.balance = { depth }
    } else if (depth === this.statement.depth + 1 && local === 'Ntry') {
      this.entryIndex += 1
      this.entry = { depth, reversal: false, code: emptyCode(), transactions: [], textLength: 0 }
    } else if (
      this.entry &&
      local === 'TxDtls' &&
      this.relative(this.entry.depth) === 'NtryDtls/TxDtls'
    ) {
      this.transaction = {
        depth,
        code: emptyCode(),
        debtor: {},
        creditor: {},
        unstructured: [],
      }
    } else if (local === 'Domn') {
      const code = this.transaction ? this.transaction.code : this.entry?.code
      if (code && this.path[depth - 2] === 'BkTxCd') code.domain = true
    }
  }

  private relative(depth: number): string {
    return this.path.slice(depth).join('/')
  }

  private closeElement(): void {
    this.heard()
    const depth = this.path.length
    const text = this.text
    this.text = ''
    if (this.transaction) {
      if (depth === this.transaction.depth) this.endTransaction()
      else this.readTransaction(this.relative(this.transaction.depth), text)
    } else if (this.entry) {
      if (depth === this.entry.depth) this.endEntry()
      else this.readEntry(this.relative(this.entry.depth), text)
    } else if (this.balance) {
      if (depth === this.balance.depth) this.endBalance()
      else this.readBalance(this.relative(this.balance.depth), text)
    } else if (this.statement) {
      if (depth === this.statement.depth) this.endStatement()
      else this.readStatement(this.relative(this.statement.depth), text)
    }
    this.path.pop()
  }

  private readStatement(path: string, text: string): void {
    const statement = this.statement!
    const value = fieldValue(text) ?? undefined
    if (path === 'Id') statement.id ??= value
    else if (path === 'ElctrncSeqNb') statement.electronicNumber ??= value
    else if (path === 'LglSeqNb') statement.legalNumber ??= value
    else if (path === 'Acct/Id/IBAN') statement.iban ??= value
    else if (path === 'Acct/Id/Othr/Id') statement.number ??= value
    else if (path === 'Acct/Ccy') statement.currency ??= value
  }

  private readBalance(path: string, text: string): void {
    const balance = this.balance!
    if (path === 'Tp/CdOrPrtry/Cd') balance.code = fieldValue(text) ?? undefined
    else if (path === 'Amt') {
      balance.amount = this.amount(text)
      balance.currency = this.amountCurrency
    } else if (path === 'CdtDbtInd') balance.sign = this.sign(text)
    else if (path === 'Dt/Dt') balance.date = this.date(text, false)
    else if (path === 'Dt/DtTm') balance.date = this.date(text, true)
  }

  private endBalance(): void {
    const draft = this.balance!
    const statement = this.statement!
    this.balance = undefined
    const wanted = draft.code === 'OPBD' || draft.code === 'PRCD' || draft.code === 'CLBD'
    if (!wanted) return
    if (!draft.amount) throw this.refusal(`The ${draft.code} balance has no amount`)
    const balance = {
      amount: draft.amount,
      sign: draft.sign ?? null,
      date: draft.date ?? null,
      currency: draft.currency,
    }
    // The opening balance is the first OPBD; a bank that sends none sends the previous
    // closing (PRCD) instead.
    if (draft.code === 'OPBD') statement.opening ??= balance
    else if (draft.code === 'PRCD') statement.previousClosing ??= balance
    else if (!statement.closing) {
      const { currency: _, ...closing } = balance
      statement.closing = closing
    }
  }

  private readEntry(path: string, text: string): void {
    const entry = this.entry!
    this.countText(entry, text)
    const value = fieldValue(text) ?? undefined
    if (path === 'Amt') {
      entry.amount = this.amount(text)
      entry.currency = fieldValue(this.amountCurrency) ?? undefined
    } else if (path === 'CdtDbtInd') entry.sign = this.sign(text)
    else if (path === 'RvslInd') entry.reversal = this.indicator(text)
    else if (path === 'BookgDt/Dt' || path === 'BookgDt/DtTm') {
      entry.bookingDate = this.date(text, path.endsWith('DtTm'))
    } else if (path === 'ValDt/Dt' || path === 'ValDt/DtTm') {
      entry.valueDate = this.date(text, path.endsWith('DtTm'))
    } else if (path === 'AcctSvcrRef') entry.bankReference ??= value
    else if (path === 'NtryRef') entry.customerReference ??= value
    else if (path.startsWith('BkTxCd/')) readCode(entry.code, path.slice('BkTxCd/'.length), value)
  }

  private readTransaction(path: string, text: string): void {
    const tx = this.transaction!
    this.countText(this.entry!, text)
    const value = fieldValue(text) ?? undefined
    if (path === 'Amt') {
      tx.amount = this.amount(text)
      tx.currency = fieldValue(this.amountCurrency) ?? undefined
    } else if (path === 'AmtDtls/TxAmt/Amt') {
      tx.txAmount = this.amount(text)
      tx.txCurrency = fieldValue(this.amountCurrency) ?? undefined
    } else if (path === 'CdtDbtInd') tx.sign = this.sign(text)
    else if (path === 'Refs/AcctSvcrRef') tx.bankReference ??= value
    else if (path === 'Refs/EndToEndId') tx.endToEndId ??= value
    else if (path === 'Refs/MndtId') tx.mandateId ??= value
    else if (path.startsWith('BkTxCd/')) readCode(tx.code, path.slice('BkTxCd/'.length), value)
    else if (path === 'RmtInf/Ustrd') tx.unstructured.push(text)
    else if (path === 'RmtInf/Strd/CdtrRefInf/Ref') tx.structuredReference ??= value
    else if (path === 'RtrInf/Rsn/Cd') tx.returnCode ??= value
    else if (path === 'RtrInf/Rsn/Prtry') tx.returnProprietary ??= value
    else readParty(tx, path, value)
  }

  private countText(entry: EntryDraft, text: string): void {
    entry.textLength += text.length
    if (entry.textLength > entryTextLengthMax) {
      throw this.refusal(`One entry holds more than ${entryTextLengthMax} characters of text`)
    }
  }

  private endTransaction(): void {
    const { depth: _, ...tx } = this.transaction!
    this.transaction = undefined
    this.entry!.transactions.push(tx)
  }

  private endEntry(): void {
    const { depth: _, ...draft } = this.entry!
    const element = this.path.join('/')
    if (!draft.amount) throw this.refusal('The entry has no amount (Amt)', element)
    if (!draft.currency) throw this.refusal('The entry amount has no currency (Amt/@Ccy)', element)
    if (!draft.sign)
      throw this.refusal('The entry has no credit/debit indicator (CdtDbtInd)', element)
    const entry = buildEntry(draft as EntryDraft & { amount: string; currency: string; sign: Sign })
    this.announce(entry.currency)
    this.events.push({ kind: 'entry', entry })
    this.entry = undefined
  }

  private endStatement(): void {
    this.announce(undefined)
    this.events.push({ kind: 'statement_end', closingBalance: this.statement!.closing ?? null })
    this.statement = undefined
  }

  // The head goes out with the first entry (or at the end of an empty statement): its
  // currency may have to come from that entry, when neither Acct/Ccy nor a balance gives one.
  private announce(firstEntryCurrency: string | undefined): void {
    const statement = this.statement!
    if (statement.announced) return
    statement.announced = true
    const opening = statement.opening ?? statement.previousClosing
    const head: StatementHead = {
      id: statement.id ?? null,
      statementNumber: statement.electronicNumber ?? statement.legalNumber ?? null,
      account: {
        iban: statement.iban ?? null,
        number: statement.number ?? null,
        currency: statement.currency ?? opening?.currency ?? firstEntryCurrency ?? null,
      },
      openingBalance: opening
        ? { amount: opening.amount, sign: opening.sign, date: opening.date }
        : null,
    }
    this.events.push({ kind: 'statement', format: this.format!, statement: head })
  }

  private amount(text: string): string {
    const amount = normaliseAmount(text.trim(), '.')
    if (!amount) throw this.refusal(`The amount '${text.trim()}' is not a decimal`)
    return amount
  }

  private sign(text: string): Sign {
    const value = text.trim()
    if (value === 'CRDT') return 'C'
    if (value === 'DBIT') return 'D'
    throw this.refusal(`The credit/debit indicator '${value}' is neither CRDT nor DBIT`)
  }

  private indicator(text: string): boolean {
    const value = text.trim()
    if (value === 'true' || value === '1') return true
    if (value === 'false' || value === '0') return false
    throw this.refusal(`The indicator '${value}' is neither true nor false`)
  }

  private date(text: string, withTime: boolean): CalendarDate {
    const value = text.trim()
    // A DtTm's date is the date as written; the bank's own day, not converted to UTC.
    const date = withTime ? value.slice(0, 10) : value
    if (!isCalendarDate(date) || (withTime && !/^\d{4}-\d{2}-\d{2}T/.test(value))) {
      throw this.refusal(`'${value}' is not a date`)
    }
    return date
  }
}

function formatOf(tag: SaxesTagNS, refuse: (message: string) => BankFileError): string {
  const version = /camt\.(053|054)\.001\.(\d{2})$/.exec(tag.uri)
  if (tag.local !== 'Document' || !version) {
    throw refuse(
      `The document is not a camt.053 or camt.054 (root ${tag.local}, namespace '${tag.uri}')`,
    )
  }
  return `camt.${version[1]}.001.${version[2]}`
}

function emptyCode(): CodeDraft {
  return { domain: false, parts: [undefined, undefined, undefined] }
}

function readCode(code: CodeDraft, path: string, value: string | undefined): void {
  if (path === 'Domn/Cd') code.parts[0] ??= value
  else if (path === 'Domn/Fmly/Cd') code.parts[1] ??= value
  else if (path === 'Domn/Fmly/SubFmlyCd') code.parts[2] ??= value
  else if (path === 'Prtry/Cd') code.proprietary ??= value
}

// The ISO code (PMNT/RCDT/ESCT) when the bank gives one, else its own.
function codeOf(code: CodeDraft): string | null {
  if (code.domain) return fieldValue(code.parts.filter(Boolean).join('/'))
  return code.proprietary ?? null
}

// Where each side's name, IBAN and BIC stand inside a TxDtls (Pty/Nm from version 001.08).
const partyPaths = new Map<string, { side: 'debtor' | 'creditor'; field: keyof Party }>()
for (const [element, side] of [
  ['Dbtr', 'debtor'],
  ['Cdtr', 'creditor'],
] as const) {
  partyPaths.set(`RltdPties/${element}/Nm`, { side, field: 'name' })
  partyPaths.set(`RltdPties/${element}/Pty/Nm`, { side, field: 'partyName' })
  partyPaths.set(`RltdPties/${element}Acct/Id/IBAN`, { side, field: 'iban' })
  partyPaths.set(`RltdAgts/${element}Agt/FinInstnId/BIC`, { side, field: 'bic' })
  partyPaths.set(`RltdAgts/${element}Agt/FinInstnId/BICFI`, { side, field: 'bic' })
}

function readParty(tx: TxDraft, path: string, value: string | undefined): void {
  const target = partyPaths.get(path)
  if (target) tx[target.side][target.field] ??= value
}

// The counterparty of a credit is who paid (Dbtr), of a debit who was paid (Cdtr); a bank that
// fills only the other side still names someone worth showing.
function counterpartyOf(tx: TxDraft, sign: Sign): Counterparty {
  const own = sign === 'C' ? tx.debtor : tx.creditor
  const other = sign === 'C' ? tx.creditor : tx.debtor
  const nameOf = (party: Party) => party.name ?? party.partyName
  const side = nameOf(own) || own.iban ? own : other
  return { name: nameOf(side) ?? null, iban: side.iban ?? null, bic: side.bic ?? null }
}

function remittanceOf(tx: TxDraft): Remittance {
  return {
    unstructured: fieldValue(tx.unstructured.join('')),
    structuredReference: tx.structuredReference ?? null,
  }
}

function detailOf(tx: TxDraft, entrySign: Sign): EntryDetail {
  const sign = tx.sign ?? entrySign
  const withTxAmount = tx.txAmount !== undefined
  return {
    amount: (withTxAmount ? tx.txAmount : tx.amount) ?? null,
    currency: (withTxAmount ? tx.txCurrency : tx.currency) ?? null,
    sign,
    bankReference: tx.bankReference ?? null,
    endToEndId: tx.endToEndId ?? null,
    mandateId: tx.mandateId ?? null,
    counterparty: counterpartyOf(tx, sign),
    remittance: remittanceOf(tx),
    returnReason: tx.returnCode ?? tx.returnProprietary ?? null,
    bankTransactionCode: codeOf(tx.code),
  }
}

// One TxDtls describes the entry itself and its fields go on the entry; two or more make a
// batch booking, whose transactions are kept apart as details.
function buildEntry(
  draft: EntryDraft & { amount: string; currency: string; sign: Sign },
): BankEntry {
  const single =
    draft.transactions.length === 1 ? detailOf(draft.transactions[0], draft.sign) : null
  return {
    bookingDate: draft.bookingDate ?? null,
    valueDate: draft.valueDate ?? null,
    amount: draft.amount,
    currency: draft.currency,
    sign: draft.sign,
    reversal: draft.reversal,
    bankReference: draft.bankReference ?? null,
    customerReference: draft.customerReference ?? null,
    endToEndId: single?.endToEndId ?? null,
    mandateId: single?.mandateId ?? null,
    counterparty: single?.counterparty ?? { name: null, iban: null, bic: null },
    remittance: single?.remittance ?? { unstructured: null, structuredReference: null },
    bankTransactionCode: codeOf(draft.code),
    returnReason: single?.returnReason ?? null,
    details:
      draft.transactions.length > 1 ? draft.transactions.map((tx) => detailOf(tx, draft.sign)) : [],
  }
}
