import QRCode from 'qrcode'
import { describe, expect, test } from 'vitest'
import { type EpcTransfer, epcPayload } from './epc-qr.js'
import { qrPng } from './qr-image.js'

// The worked example of ../../../shared/reference/nl-collections.md section 6, byte for byte.
const reference: EpcTransfer = {
  name: 'Voorbeeld BV',
  iban: 'NL91ABNA0417164300',
  bic: 'ABNANL2A',
  amountMinor: 123_456n,
  currency: 'EUR',
  reference: 'RF10INV2026001',
}

describe('epcPayload', () => {
  test('matches the worked example of the reference (81 bytes)', () => {
    const payload = epcPayload(reference)
    expect(payload).toBe(
      'BCD\n002\n1\nSCT\nABNANL2A\nVoorbeeld BV\nNL91ABNA0417164300\nEUR1234.56\n\nRF10INV2026001',
    )
    expect(Buffer.byteLength(payload!, 'utf8')).toBe(81)
  })

  test('puts a printed RF reference compact on the structured line', () => {
    expect(epcPayload({ ...reference, reference: 'rf10 inv2 0260 01' })?.split('\n')[9]).toBe(
      'RF10INV2026001',
    )
  })

  test('puts the Dutch betalingskenmerk on the structured line (line 10), not line 11', () => {
    const lines = epcPayload({ ...reference, reference: '5000 0567 8901 2345' })!.split('\n')
    expect(lines).toHaveLength(10)
    expect(lines[9]).toBe('5000056789012345')
  })

  test('puts other text (a Belgian structured communication) on the free-text line 11', () => {
    const lines = epcPayload({ ...reference, reference: '+++020/3430/57642+++' })!.split('\n')
    expect(lines).toHaveLength(11)
    expect(lines[9]).toBe('')
    expect(lines[10]).toBe('+++020/3430/57642+++')
  })

  test('leaves the BIC empty when there is none (version 002) and writes the IBAN compact', () => {
    const lines = epcPayload({
      ...reference,
      bic: undefined,
      iban: 'nl91 abna 0417 1643 00',
    })!.split('\n')
    expect(lines[4]).toBe('')
    expect(lines[6]).toBe('NL91ABNA0417164300')
  })

  test.each`
    amountMinor        | amount
    ${1n}              | ${'EUR0.01'}
    ${100n}            | ${'EUR1.00'}
    ${99_999_999_999n} | ${'EUR999999999.99'}
  `('writes $amountMinor cents as $amount', ({ amountMinor, amount }) => {
    expect(epcPayload({ ...reference, amountMinor })!.split('\n')[7]).toBe(amount)
  })

  test.each`
    case                      | change
    ${'nothing to pay'}       | ${{ amountMinor: 0n }}
    ${'a negative amount'}    | ${{ amountMinor: -100n }}
    ${'1,000,000,000.00 EUR'} | ${{ amountMinor: 100_000_000_000n }}
    ${'US dollars'}           | ${{ currency: 'USD' }}
  `('makes no payload for $case', ({ change }) => {
    expect(epcPayload({ ...reference, ...change })).toBeUndefined()
  })

  test('cuts the name to 70 characters and the free text to 140', () => {
    const lines = epcPayload({
      ...reference,
      name: 'N'.repeat(80),
      reference: 'x'.repeat(150),
    })!.split('\n')
    expect(lines[5]).toBe('N'.repeat(70))
    expect(lines[10]).toBe('x'.repeat(140))
  })

  test('makes no payload above 331 bytes (two-byte letters in name and text)', () => {
    expect(
      epcPayload({ ...reference, name: 'é'.repeat(70), reference: 'é'.repeat(140) }),
    ).toBeUndefined()
  })
})

describe('qrPng', () => {
  test('draws the QR code of the payload at error correction M with a 4-module quiet zone', () => {
    const payload = epcPayload(reference)!
    const { png, modules } = qrPng(payload)
    const code = QRCode.create(payload, { errorCorrectionLevel: 'M' }).modules
    expect(modules).toBe(code.size + 8)
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
    expect(png.readUInt32BE(16)).toBe(modules)
  })
})
