import { formatAmount } from '../../core/money.js'
import { isValidDutchPaymentReference, isValidRfReference } from '../../core/payment-reference.js'

// The EPC QR code payload (EPC069-12, "GiroCode") a banking app scans to fill in a SEPA
// transfer, per ../shared/reference/nl-collections.md section 6: lines separated by LF,
// BCD · 002 · 1 (UTF-8) · SCT · BIC · name (≤ 70) · IBAN · EUR amount · purpose ·
// structured reference (≤ 35) · free text (≤ 140). Line 10 and 11 exclude each other: an RF
// reference, and the Dutch betalingskenmerk (which Dutch banks take in the structured field),
// go on line 10; anything else (the Belgian +++…+++ communication) on line 11.
//
// The documents module writes the same builder for the PDF; when both are on main, this file
// gives way to documents' epcPayload.

const payloadBytesMax = 331
const amountMinorMax = 99_999_999_999n

export type EpcTransfer = {
  name: string
  iban: string
  bic?: string
  amountMinor: bigint
  currency: string
  reference: string
}

/** The payload, or undefined when the transfer cannot be an EPC QR code (not EUR, no amount). */
export function epcPayload(transfer: EpcTransfer): string | undefined {
  if (transfer.currency !== 'EUR') return undefined
  if (transfer.amountMinor <= 0n || transfer.amountMinor > amountMinorMax) return undefined
  const reference = transfer.reference.replace(/\s+/g, ' ').trim()
  const compact = reference.replace(/\s/g, '').toUpperCase()
  const structured = isValidRfReference(compact) || isValidDutchPaymentReference(compact)
  const lines = [
    'BCD',
    '002',
    '1',
    'SCT',
    (transfer.bic ?? '').replace(/\s/g, '').toUpperCase(),
    [...transfer.name.replace(/\s+/g, ' ').trim()].slice(0, 70).join(''),
    transfer.iban.replace(/\s/g, '').toUpperCase(),
    `EUR${formatAmount(transfer.amountMinor, 'EUR')}`,
    '',
    structured ? compact : '',
    structured ? '' : [...reference].slice(0, 140).join(''),
  ]
  while (lines.at(-1) === '') lines.pop()
  const payload = lines.join('\n')
  return Buffer.byteLength(payload, 'utf8') <= payloadBytesMax ? payload : undefined
}
