import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { importColumns } from '../src/modules/customers/csv-rows.js'

// A realistic customer file for the import benchmark: Dutch, Belgian and German companies
// and consumers with VAT ids and IBANs that pass their check digits, KvK numbers, emails,
// phones, segments, credit limits and company groups (some parents come after their
// subsidiaries in the file, as they do in real exports). Seeded, so every run imports the
// same file. The `revision` changes payment terms, email and credit limit of every row:
// importing revision 1 over revision 0 updates every customer.

// Every column the import knows, so the bench exercises all of them.
export const customerCsvHeader: readonly string[] = importColumns

/** A small, fast, seeded generator (mulberry32): the same file on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

type Random = () => number

const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]
const digits = (random: Random, count: number): string =>
  Array.from({ length: count }, () => Math.floor(random() * 10)).join('')

/** The remainder of a long decimal string modulo 97 (ISO 7064 MOD 97-10). */
function mod97(numeric: string): number {
  let remainder = 0
  for (const char of numeric) remainder = (remainder * 10 + Number(char)) % 97
  return remainder
}

/** An IBAN with correct check digits for a country and its BBAN. */
export function ibanOf(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55))
  return `${country}${String(98 - mod97(numeric)).padStart(2, '0')}${bban}`
}

export function dutchIban(random: Random): string {
  return ibanOf(
    'NL',
    pick(random, ['ABNA', 'INGB', 'RABO', 'SNSB', 'TRIO', 'BUNQ']) + digits(random, 10),
  )
}

export function belgianIban(random: Random): string {
  const account = `${Math.floor(random() * 9) + 1}${digits(random, 9)}`
  const check = Number(BigInt(account) % 97n) || 97
  return ibanOf('BE', `${account}${String(check).padStart(2, '0')}`)
}

export function germanIban(random: Random): string {
  return ibanOf('DE', `${Math.floor(random() * 8) + 1}${digits(random, 7)}${digits(random, 10)}`)
}

/** Dutch VAT id (btw-id): 8 digits and a mod-11 check digit, then B and a branch number. */
export function dutchVatId(random: Random): string {
  for (;;) {
    const body = digits(random, 8)
    const sum = [...body].reduce((total, d, i) => total + Number(d) * (9 - i), 0) % 11
    if (sum <= 9) return `NL${body}${sum}B0${Math.floor(random() * 3) + 1}`
  }
}

/** Belgian VAT id: 0, eight digits (the first not 0) and 97 − (those mod 97). */
export function belgianVatId(random: Random): string {
  const body = `0${Math.floor(random() * 9) + 1}${digits(random, 6)}`
  const check = 97 - (Number(body) % 97)
  return `BE${body}${String(check).padStart(2, '0')}`
}

/** German USt-IdNr: nine digits with the ISO 7064 MOD 11,10 check digit last. */
export function germanVatId(random: Random): string {
  for (;;) {
    const body = `${Math.floor(random() * 9) + 1}${digits(random, 7)}`
    let product = 10
    for (const d of body) {
      let sum = (Number(d) + product) % 10
      if (sum === 0) sum = 10
      product = (2 * sum) % 11
    }
    const check = 11 - product === 10 ? 0 : 11 - product
    if (check <= 9) return `DE${body}${check}`
  }
}

const trades = [
  'Bakkerij',
  'Installatiebedrijf',
  'Transport',
  'Bouwbedrijf',
  'Drukkerij',
  'Groothandel',
  'Adviesbureau',
  'Autobedrijf',
  'Hoveniersbedrijf',
  'Schildersbedrijf',
]
const surnames = [
  'Jansen',
  'de Vries',
  'van den Berg',
  'Bakker',
  'Visser',
  'Smit',
  'Meijer',
  'de Boer',
  'Mulder',
  'de Groot',
  'Peeters',
  'Maes',
  'Müller',
  'Schmidt',
  'Schneider',
]
const firstNames = ['Anna', 'Daan', 'Sophie', 'Lucas', 'Emma', 'Sem', 'Julia', 'Finn', 'Tess']
const segmentsWeighted = [
  'small_business',
  'small_business',
  'small_business',
  'consumer',
  'consumer',
  'enterprise',
  'public_sector',
] as const

const legalForm = { NL: 'B.V.', BE: 'BV', DE: 'GmbH' } as const

function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z0-9]+/g, '')
}

/** One customer row (cells in customerCsvHeader order). */
export function customerRow(index: number, rows: number, revision: number): string[] {
  const random = seededRandom(index * 7919 + 17)
  const number = `C-${String(index + 1).padStart(7, '0')}`
  const segment = pick(random, segmentsWeighted)
  const country = pick(random, [
    'NL',
    'NL',
    'NL',
    'NL',
    'NL',
    'NL',
    'NL',
    'NL',
    'BE',
    'DE',
  ] as const)
  const surname = pick(random, surnames)
  const consumer = segment === 'consumer'
  const name = consumer
    ? `${pick(random, firstNames)} ${surname}`
    : `${pick(random, trades)} ${surname} ${legalForm[country]}`
  const vatId = consumer
    ? ''
    : country === 'NL'
      ? dutchVatId(random)
      : country === 'BE'
        ? belgianVatId(random)
        : germanVatId(random)
  const coc = consumer
    ? ''
    : country === 'NL'
      ? digits(random, 8)
      : country === 'BE'
        ? vatId.slice(2)
        : `HRB ${digits(random, 5)}`
  const iban =
    country === 'NL'
      ? dutchIban(random)
      : country === 'BE'
        ? belgianIban(random)
        : germanIban(random)
  const domain = `${slug(name)}${index}.${country.toLowerCase()}`
  const email = `${revision === 0 ? 'info' : 'administratie'}@${domain}`
  const phone =
    country === 'NL'
      ? `+31 6 ${digits(random, 8)}`
      : country === 'BE'
        ? `+32 4${digits(random, 8)}`
        : `+49 151 ${digits(random, 8)}`
  const language = country === 'DE' ? 'de' : country === 'BE' ? pick(random, ['nl', 'fr']) : 'nl'
  const channel = pick(random, ['email', 'email', 'email', 'sms', 'whatsapp', 'letter'])
  const terms = pick(random, [14, 30, 30, 30, 60]) + revision
  const limit = consumer
    ? ''
    : `${pick(random, [5, 10, 25, 50, 100, 250])}${revision === 0 ? '000' : '500'}.00`
  // Every 20th customer belongs to a group; its parent is 10 rows further on or back.
  const member = index % 20 === 7 && !consumer
  const parentIndex = index % 40 === 7 ? index + 10 : index - 10
  const parent =
    member && parentIndex >= 0 && parentIndex < rows
      ? `C-${String(parentIndex + 1).padStart(7, '0')}`
      : ''
  return [
    number,
    name,
    country,
    vatId,
    coc,
    iban,
    email,
    phone,
    language,
    segment,
    'EUR',
    String(terms),
    channel,
    limit,
    parent,
  ]
}

function csvLine(cells: string[], delimiter: string): string {
  return cells
    .map((cell) => (/[",;\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell))
    .join(delimiter)
}

/** Writes a customer CSV of `rows` rows; returns its size in bytes. */
export async function writeCustomerCsv(
  path: string,
  rows: number,
  revision = 0,
  delimiter = ',',
): Promise<number> {
  const out = createWriteStream(path)
  let bytes = 0
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text)
    if (!out.write(text)) await once(out, 'drain')
  }
  await write(`${csvLine([...customerCsvHeader], delimiter)}\n`)
  for (let index = 0; index < rows; index++) {
    await write(`${csvLine(customerRow(index, rows, revision), delimiter)}\n`)
  }
  out.end()
  await once(out, 'finish')
  return bytes
}
