import type { Counterparty, Remittance } from './model.js'
import { bicPattern, fieldValue, ibanPattern } from './patterns.js'

// The :86: "information to account owner" of an MT940 entry comes in three shapes, and the
// fixtures' README fixes how each is read. All lines of all :86: of one entry are joined with
// no separator first: banks cut lines at a fixed width, in the middle of a word or a tag
// (Deutsche Bank writes 'SVWZ+?' at the end of one line and '25SONSTIGE' on the next).

export type EntryInformation = {
  endToEndId: string | null
  mandateId: string | null
  returnReason: string | null
  counterparty: Counterparty
  remittance: Remittance
}

/**
 * Reads the joined :86: text. `lines61` are the continuation lines of the :61: itself: a
 * Rabobank puts the counterparty's IBAN there, and the slash form uses it when it names none.
 */
export function readInformation(text: string, lines61: string[]): EntryInformation {
  if (/^\d{3}[?>]/.test(text)) return readSubfields(text)
  if (slashTagStart.test(text)) return readSlashTags(text, lines61)
  return freeText(text)
}

function freeText(text: string): EntryInformation {
  // Nothing is guessed from free text: a wrong IBAN or name would match the wrong customer.
  return {
    endToEndId: null,
    mandateId: null,
    returnReason: null,
    counterparty: { name: null, iban: null, bic: null },
    remittance: { unstructured: fieldValue(text), structuredReference: null },
  }
}

// German GVC form ('166?00UEBERWEISUNG?20…?32NAME') and Triodos' '>' variant: the first
// three digits are the business transaction code, then subfields of a separator and two digits.
function readSubfields(text: string): EntryInformation {
  const separator = text[3]
  const subfields: { code: number; value: string }[] = []
  const pattern = separator === '?' ? /\?(\d{2})/g : />(\d{2})/g
  const marks = [...text.matchAll(pattern)]
  marks.forEach((mark, at) => {
    const start = mark.index + mark[0].length
    const end = at + 1 < marks.length ? marks[at + 1].index : text.length
    subfields.push({ code: Number(mark[1]), value: text.slice(start, end) })
  })
  const first = (code: number) => subfields.find((subfield) => subfield.code === code)?.value
  const joined = (from: number, to: number) =>
    subfields
      .filter((subfield) => subfield.code >= from && subfield.code <= to)
      .map((subfield) => subfield.value)
      .join('')
  const unstructured = joined(20, 29) + joined(60, 63)
  const bic = fieldValue(first(30))
  const iban = fieldValue(first(31))
  return {
    endToEndId: sepaKeyword(unstructured, 'EREF'),
    mandateId: sepaKeyword(unstructured, 'MREF'),
    returnReason: null,
    counterparty: {
      name: fieldValue((first(32) ?? '') + (first(33) ?? '')),
      iban: iban && ibanPattern.test(iban) ? iban : null,
      bic: bic && bicPattern.test(bic) ? bic : null,
    },
    remittance: { unstructured: fieldValue(unstructured), structuredReference: null },
  }
}

// The SEPA keywords of the German "Verwendungszweck" (DFÜ-Abkommen, Anlage 3): a value runs
// from its keyword to the next one.
const sepaKeywords = /(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|OAMT|COAM|BREF|RREF)\+/g

function sepaKeyword(text: string, keyword: string): string | null {
  const at = text.indexOf(`${keyword}+`)
  if (at < 0) return null
  const start = at + keyword.length + 1
  sepaKeywords.lastIndex = start
  const next = sepaKeywords.exec(text)
  return fieldValue(text.slice(start, next ? next.index : text.length))
}

// The Dutch structured form (ABN AMRO SEPA, Rabobank, bunq, …): '/TAG/value' for these tags.
const knownTags =
  'EREF|PREF|RTRN|CNTP|REMI|MARF|CSID|BUSP|PURP|ULTC|ULTD|ULTB|EXCH|CHGS|ORDP|BENM|NAME|' +
  'ADDR|ISDT|IBAN|BIC|BBAN|TRTP|SVCL|OCMT|TRCD'
const slashTagStart = new RegExp(`^/(${knownTags})/`)

function readSlashTags(text: string, lines61: string[]): EntryInformation {
  const tags = new Map<string, string>()
  const anyTag = new RegExp(`/(${knownTags})/`, 'g')
  let mark = anyTag.exec(text)
  while (mark) {
    const tag = mark[1]
    const start = mark.index + mark[0].length
    // A value runs to the next known tag, searched from the value's first character:
    // '/REMI//ISDT/' is an empty REMI followed by ISDT.
    anyTag.lastIndex = start
    const next = anyTag.exec(text)
    const end = next ? next.index : text.length
    if (!tags.has(tag)) tags.set(tag, text.slice(start, end).replace(/\/+$/, '').trim())
    mark = next
  }
  const cntp = (tags.get('CNTP') ?? '').split('/')
  const ibanOfCntp = fieldValue(cntp[0])
  const remi = tags.get('REMI') ?? ''
  const structured = remi.startsWith('STRD/CUR/') ? remi.slice('STRD/CUR/'.length) : null
  const unstructured =
    structured !== null ? null : remi.startsWith('USTD//') ? remi.slice('USTD//'.length) : remi
  const ibanOf61 = lines61.map((line) => line.trim()).find((line) => ibanPattern.test(line))
  return {
    endToEndId: fieldValue(tags.get('EREF')),
    mandateId: fieldValue(tags.get('MARF')),
    returnReason: fieldValue(tags.get('RTRN')),
    counterparty: {
      name: fieldValue(tags.get('NAME')) ?? fieldValue(cntp[2]),
      iban:
        fieldValue(tags.get('IBAN')) ??
        (ibanOfCntp && ibanPattern.test(ibanOfCntp) ? ibanOfCntp : null) ??
        ibanOf61 ??
        null,
      bic: fieldValue(tags.get('BIC')) ?? fieldValue(cntp[1]),
    },
    remittance: {
      unstructured: fieldValue(unstructured),
      structuredReference: fieldValue(structured),
    },
  }
}
