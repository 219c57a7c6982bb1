import { create } from 'xmlbuilder2'
import type { CalendarDate } from '../../../core/dates.js'
import { formatAmount } from '../../../core/money.js'

// pain.008.001.02, the customer-to-bank direct debit initiation of ISO 20022 as the EPC SEPA
// Core and B2B implementation guidelines (and the Dutch banks' addenda) use it: one GrpHdr,
// one PmtInf per scheme and sequence type (FRST, RCUR), one DrctDbtTxInf per invoice. See
// ../shared/reference/nl-collections.md §7. Pure: values in, the XML text out.

export const pain008Namespace = 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02'

export type Pain008Creditor = {
  name: string
  iban: string
  bic: string | null
  /** The SEPA creditor identifier (e.g. NL98ZZZ999999990000). */
  creditorId: string
}

export type Pain008Transaction = {
  endToEndId: string
  amountMinor: bigint
  mandateReference: string
  mandateSignedOn: CalendarDate
  debtorName: string
  debtorIban: string
  debtorBic: string | null
  /** The invoice's payment reference (or number): what the debtor sees on its statement. */
  remittance: string
  sequenceType: 'FRST' | 'RCUR'
  scheme: 'CORE' | 'B2B'
}

export type Pain008Batch = {
  messageId: string
  createdAt: Date
  collectionDate: CalendarDate
  creditor: Pain008Creditor
  transactions: readonly Pain008Transaction[]
}

/** The SEPA character set (EPC guidelines §1.4): Latin letters, digits and / - ? : ( ) . , ' + space. */
export function sepaText(text: string, lengthMax: number): string {
  const latin = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, '+')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return latin.slice(0, lengthMax).trim() || 'NOTPROVIDED'
}

const eur = (minor: bigint) => formatAmount(minor, 'EUR')

export function pain008Xml(batch: Pain008Batch): string {
  const total = batch.transactions.reduce((sum, t) => sum + t.amountMinor, 0n)
  const doc = create({ version: '1.0', encoding: 'UTF-8' })
    .ele(pain008Namespace, 'Document')
    .ele('CstmrDrctDbtInitn')
  const header = doc.ele('GrpHdr')
  header.ele('MsgId').txt(batch.messageId)
  header.ele('CreDtTm').txt(batch.createdAt.toISOString().slice(0, 19))
  header.ele('NbOfTxs').txt(String(batch.transactions.length))
  header.ele('CtrlSum').txt(eur(total))
  header.ele('InitgPty').ele('Nm').txt(sepaText(batch.creditor.name, 70))

  // One payment information block per scheme and sequence type, FRST before RCUR.
  const groups = new Map<string, Pain008Transaction[]>()
  for (const t of batch.transactions) {
    const key = `${t.scheme}-${t.sequenceType}`
    groups.set(key, [...(groups.get(key) ?? []), t])
  }
  for (const key of [...groups.keys()].sort()) {
    const transactions = groups.get(key) as Pain008Transaction[]
    const [scheme, sequenceType] = key.split('-')
    const info = doc.ele('PmtInf')
    info.ele('PmtInfId').txt(`${batch.messageId}-${key}`.slice(0, 35))
    info.ele('PmtMtd').txt('DD')
    info.ele('BtchBookg').txt('true')
    info.ele('NbOfTxs').txt(String(transactions.length))
    info.ele('CtrlSum').txt(eur(transactions.reduce((sum, t) => sum + t.amountMinor, 0n)))
    const type = info.ele('PmtTpInf')
    type.ele('SvcLvl').ele('Cd').txt('SEPA')
    type.ele('LclInstrm').ele('Cd').txt(scheme)
    type.ele('SeqTp').txt(sequenceType)
    info.ele('ReqdColltnDt').txt(batch.collectionDate)
    info.ele('Cdtr').ele('Nm').txt(sepaText(batch.creditor.name, 70))
    info.ele('CdtrAcct').ele('Id').ele('IBAN').txt(batch.creditor.iban)
    agent(info.ele('CdtrAgt'), batch.creditor.bic)
    info.ele('ChrgBr').txt('SLEV')
    info
      .ele('CdtrSchmeId')
      .ele('Id')
      .ele('PrvtId')
      .ele('Othr')
      .ele('Id')
      .txt(batch.creditor.creditorId)
      .up()
      .ele('SchmeNm')
      .ele('Prtry')
      .txt('SEPA')
    for (const t of transactions) {
      const tx = info.ele('DrctDbtTxInf')
      tx.ele('PmtId').ele('EndToEndId').txt(t.endToEndId)
      tx.ele('InstdAmt', { Ccy: 'EUR' }).txt(eur(t.amountMinor))
      const mandate = tx.ele('DrctDbtTx').ele('MndtRltdInf')
      mandate.ele('MndtId').txt(t.mandateReference)
      mandate.ele('DtOfSgntr').txt(t.mandateSignedOn)
      agent(tx.ele('DbtrAgt'), t.debtorBic)
      tx.ele('Dbtr').ele('Nm').txt(sepaText(t.debtorName, 70))
      tx.ele('DbtrAcct').ele('Id').ele('IBAN').txt(t.debtorIban)
      tx.ele('RmtInf').ele('Ustrd').txt(sepaText(t.remittance, 140))
    }
  }
  return doc.end({ prettyPrint: true })
}

/** A bank by BIC, or NOTPROVIDED: since 2016 the IBAN alone suffices within the EEA. */
function agent(parent: ReturnType<ReturnType<typeof create>['ele']>, bic: string | null): void {
  const id = parent.ele('FinInstnId')
  if (bic) id.ele('BIC').txt(bic)
  else id.ele('Othr').ele('Id').txt('NOTPROVIDED')
}

/**
 * Whether a SEPA creditor identifier is well-formed and its check digits right (EPC262-08):
 * country, 2 check digits, a 3-character business code (not checked), the national id; the
 * check digits are ISO 7064 mod 97-10 over the national id followed by the country and "00".
 */
export function isValidCreditorId(text: string): boolean {
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/.test(text)) return false
  const rearranged = `${text.slice(7)}${text.slice(0, 2)}00`
  const digits = [...rearranged]
    .map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c))
    .join('')
  let remainder = 0
  for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97
  return String(98 - remainder).padStart(2, '0') === text.slice(2, 4)
}
