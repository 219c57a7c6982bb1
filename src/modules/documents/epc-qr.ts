import { formatAmount } from '../../core/money.js'
import { isValidDutchPaymentReference, isValidRfReference } from '../../core/payment-reference.js'

// The EPC QR code ("GiroCode", EPC069-12) a banking app scans to fill in a SEPA credit
// transfer. The payload is up to twelve lines separated by LF:
//
//   1 BCD · 2 version 002 · 3 character set 1 (UTF-8) · 4 SCT · 5 BIC (optional in 002)
//   6 beneficiary name (≤ 70) · 7 IBAN · 8 EUR + amount (0.01–999999999.99)
//   9 purpose (4 chars, optional) · 10 structured remittance (≤ 35) · 11 unstructured (≤ 140)
//   12 beneficiary-to-originator information (≤ 70)
//
// Line 10 and line 11 are exclusive: a structured reference goes on line 10, free text on
// line 11 (some libraries swap them; the spec does not). Nothing follows the last filled
// line. Source and worked example: ../../../shared/reference/nl-collections.md section 6.
//
// Which reference goes where: the ISO 11649 RF creditor reference is the structured reference
// the scheme names. Dutch banks also take the 16-digit betalingskenmerk as the structured
// reference (it is what they put in the structured field of the transfer), so it goes on line
// 10 too. Anything else — the Belgian structured communication, which Belgian banks recognise
// by its +++…+++ frame in the free text — goes on line 11.

/** The most a payload may hold, in bytes (EPC069-12; QR version 13 at error correction M). */
export const epcPayloadBytesMax = 331
/** The largest amount the EPC QR code can carry: 999,999,999.99 EUR in cents. */
export const epcAmountMinorMax = 99_999_999_999n

export type EpcTransfer = {
  /** Beneficiary name; longer than 70 characters is cut to 70. */
  name: string
  iban: string
  bic?: string
  /** Amount in euro cents; 0.01 to 999,999,999.99 EUR. */
  amountMinor: bigint
  currency: string
  /** RF reference, Dutch betalingskenmerk, or any other text (goes on the free-text line). */
  reference: string
}

/**
 * The EPC069-12 payload for a euro transfer, or undefined when the transfer cannot be a QR code
 * (not EUR, nothing or too much to pay, or more than 331 bytes).
 *
 *   epcPayload({ name: 'Voorbeeld BV', iban: 'NL91ABNA0417164300', bic: 'ABNANL2A',
 *                amountMinor: 123456n, currency: 'EUR', reference: 'RF10INV2026001' })
 *   → 'BCD\n002\n1\nSCT\nABNANL2A\nVoorbeeld BV\nNL91ABNA0417164300\nEUR1234.56\n\nRF10INV2026001'
 */
export function epcPayload(transfer: EpcTransfer): string | undefined {
  if (transfer.currency !== 'EUR') return undefined
  if (transfer.amountMinor <= 0n || transfer.amountMinor > epcAmountMinorMax) return undefined
  const reference = transfer.reference.trim()
  const structured = isStructuredReference(reference)
  const lines = [
    'BCD',
    '002',
    '1',
    'SCT',
    (transfer.bic ?? '').replace(/\s/g, '').toUpperCase(),
    cut(singleLine(transfer.name), 70),
    transfer.iban.replace(/\s/g, '').toUpperCase(),
    `EUR${formatAmount(transfer.amountMinor, 'EUR')}`,
    '',
    structured ? reference.replace(/\s/g, '').toUpperCase() : '',
    structured ? '' : cut(singleLine(reference), 140),
  ]
  while (lines.at(-1) === '') lines.pop()
  const payload = lines.join('\n')
  return Buffer.byteLength(payload, 'utf8') <= epcPayloadBytesMax ? payload : undefined
}

function isStructuredReference(reference: string): boolean {
  return isValidRfReference(reference) || isValidDutchPaymentReference(reference)
}

function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** The first `max` characters (code points, so a letter is never split). */
function cut(text: string, max: number): string {
  return [...text].slice(0, max).join('')
}
