import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  formatDutchPaymentReference,
  formatRfReference,
  isValidBelgianStructuredCommunication,
  isValidDutchPaymentReference,
  isValidRfReference,
  makeBelgianStructuredCommunication,
  makeDutchPaymentReference,
  makeRfReference,
  paymentReferenceFor,
} from './payment-reference.js'

// Examples from ../../../shared/reference/nl-collections.md section 5 (cross-checked there).

/** Replaces the digit at index by another digit (shift 1–9). */
function changeDigit(text: string, index: number, shift: number): string {
  const digit = (text.charCodeAt(index) - 48 + shift) % 10
  return `${text.slice(0, index)}${digit}${text.slice(index + 1)}`
}

function swapAdjacent(text: string, index: number): string {
  return `${text.slice(0, index)}${text[index + 1]}${text[index]}${text.slice(index + 2)}`
}

describe('Dutch payment reference (betalingskenmerk)', () => {
  test.each`
    case                                | base                 | reference
    ${'spec example, 16 digits'}        | ${'000056789012345'} | ${'5000056789012345'}
    ${'short base padded to 15 digits'} | ${'56789012345'}     | ${'5000056789012345'}
    ${'check digit 11 becomes 0'}       | ${'000000000000000'} | ${'0000000000000000'}
    ${'longest base'}                   | ${'999999999999999'} | ${makeDutchPaymentReference('999999999999999')}
  `('$case: $base → $reference', ({ base, reference }) => {
    expect(makeDutchPaymentReference(base)).toBe(reference)
    expect(isValidDutchPaymentReference(reference)).toBe(true)
  })

  test.each`
    case                                          | text                     | valid
    ${'16 digits, spec, printed in groups'}       | ${'5000 0567 8901 2345'} | ${true}
    ${'16 digits, spec, compact'}                 | ${'5000056789012345'}    | ${true}
    ${'16 digits, wrong check digit'}             | ${'4000056789012345'}    | ${false}
    ${'14 digits, spec (C=1, L=2)'}               | ${'12 2345 3462 2567'}   | ${true}
    ${'14 digits, wrong length code'}             | ${'13234534622567'}      | ${false}
    ${'12 digits, ours (L=0)'}                    | ${'502026000123'}        | ${true}
    ${'9 digits, ours (L=7)'}                     | ${'271234567'}           | ${true}
    ${'9 digits, wrong check digit'}              | ${'371234567'}           | ${false}
    ${'7 digits carry no check digit'}            | ${'1234567'}             | ${true}
    ${'8 digits is not a length the spec lists'}  | ${'12345678'}            | ${false}
    ${'15 digits is not a length the spec lists'} | ${'500005678901234'}     | ${false}
    ${'17 digits'}                                | ${'50000567890123450'}   | ${false}
    ${'6 digits'}                                 | ${'123456'}              | ${false}
    ${'letters'}                                  | ${'5000O56789012345'}    | ${false}
    ${'empty'}                                    | ${''}                    | ${false}
  `('$case: $text is valid: $valid', ({ text, valid }) => {
    expect(isValidDutchPaymentReference(text)).toBe(valid)
  })

  test('prints in groups of 4', () => {
    expect(formatDutchPaymentReference('5000056789012345')).toBe('5000 0567 8901 2345')
  })

  test.each(['', '12a', '1234567890123456', '-1'])('refuses base %j', (base) => {
    expect(() => makeDutchPaymentReference(base)).toThrow(RangeError)
  })

  const dutchBase = fc.stringMatching(/^\d{1,15}$/)

  test('every made reference is valid and 16 digits long', () => {
    fc.assert(
      fc.property(dutchBase, (base) => {
        const reference = makeDutchPaymentReference(base)
        expect(reference).toMatch(/^\d{16}$/)
        expect(isValidDutchPaymentReference(reference)).toBe(true)
      }),
    )
  })

  test('a changed check digit is always caught', () => {
    fc.assert(
      fc.property(dutchBase, fc.integer({ min: 1, max: 9 }), (base, shift) => {
        const reference = makeDutchPaymentReference(base)
        expect(isValidDutchPaymentReference(changeDigit(reference, 0, shift))).toBe(false)
      }),
    )
  })

  test('when the check digit is not 1, any one changed digit is caught', () => {
    fc.assert(
      fc.property(
        dutchBase,
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 9 }),
        (base, index, shift) => {
          const reference = makeDutchPaymentReference(base)
          fc.pre(reference[0] !== '1')
          expect(isValidDutchPaymentReference(changeDigit(reference, index, shift))).toBe(false)
        },
      ),
    )
  })

  test('when the check digit is not 1, a swap of adjacent different digits is caught', () => {
    fc.assert(
      fc.property(dutchBase, fc.integer({ min: 1, max: 14 }), (base, index) => {
        const reference = makeDutchPaymentReference(base)
        fc.pre(reference[0] !== '1' && reference[index] !== reference[index + 1])
        expect(isValidDutchPaymentReference(swapAdjacent(reference, index))).toBe(false)
      }),
    )
  })

  test('the blind spot: with check digit 1, remainders 1 and 10 look the same', () => {
    // Body 000000000000005: sum 10 (remainder 10 → check 1). Changing the last digit to 6 gives
    // sum 12 (remainder 1 → check 11 − 1 = 10 → 1): the one-digit error goes unnoticed.
    expect(makeDutchPaymentReference('5')).toBe('1000000000000005')
    expect(isValidDutchPaymentReference('1000000000000006')).toBe(true)
  })
})

describe('ISO 11649 RF creditor reference', () => {
  test.each`
    case                              | base              | reference
    ${'reference example'}            | ${'INV2026001'}   | ${'RF10INV2026001'}
    ${'canonical example'}            | ${'539007547034'} | ${'RF18539007547034'}
    ${'lower case and spaces folded'} | ${'inv 2026 001'} | ${'RF10INV2026001'}
  `('$case: $base → $reference', ({ base, reference }) => {
    expect(makeRfReference(base)).toBe(reference)
    expect(isValidRfReference(reference)).toBe(true)
  })

  test.each`
    case                               | text                       | valid
    ${'canonical, printed'}            | ${'RF18 5390 0754 7034'}   | ${true}
    ${'canonical, compact'}            | ${'RF18539007547034'}      | ${true}
    ${'reference example'}             | ${'RF10INV2026001'}        | ${true}
    ${'lower case'}                    | ${'rf10inv2026001'}        | ${true}
    ${'wrong check digits'}            | ${'RF19539007547034'}      | ${false}
    ${'one digit changed'}             | ${'RF18539007547035'}      | ${false}
    ${'no reference after the check'}  | ${'RF18'}                  | ${false}
    ${'22 characters after the check'} | ${`RF00${'1'.repeat(22)}`} | ${false}
    ${'not RF'}                        | ${'RX18539007547034'}      | ${false}
    ${'punctuation'}                   | ${'RF18-5390-0754-7034'}   | ${false}
  `('$case: $text is valid: $valid', ({ text, valid }) => {
    expect(isValidRfReference(text)).toBe(valid)
  })

  test('prints in groups of 4', () => {
    expect(formatRfReference('RF18539007547034')).toBe('RF18 5390 0754 7034')
    expect(formatRfReference('RF10INV2026001')).toBe('RF10 INV2 0260 01')
  })

  test.each(['', 'A'.repeat(22), 'INV-1', 'ÄB'])('refuses base %j', (base) => {
    expect(() => makeRfReference(base)).toThrow(RangeError)
  })

  const rfBase = fc.stringMatching(/^[0-9A-Z]{1,21}$/)
  const digits = '0123456789'
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
  const kindOf = (char: string) => (digits.includes(char) ? digits : letters)

  test('every made reference is valid and at most 25 characters', () => {
    fc.assert(
      fc.property(rfBase, (base) => {
        const reference = makeRfReference(base)
        expect(reference.length).toBeLessThanOrEqual(25)
        expect(isValidRfReference(reference)).toBe(true)
      }),
    )
  })

  test('any one character changed for another of its kind is caught, check digits included', () => {
    fc.assert(
      fc.property(rfBase, fc.nat(), fc.integer({ min: 1, max: 25 }), (base, at, shift) => {
        const reference = makeRfReference(base)
        const index = 2 + (at % (reference.length - 2))
        const kind = kindOf(reference[index]!)
        const replacement = kind[(kind.indexOf(reference[index]!) + shift) % kind.length]!
        fc.pre(replacement !== reference[index])
        const changed = `${reference.slice(0, index)}${replacement}${reference.slice(index + 1)}`
        expect(isValidRfReference(changed)).toBe(false)
      }),
    )
  })

  test('a swap of adjacent different characters of the same kind is caught', () => {
    fc.assert(
      fc.property(rfBase, fc.nat(), (base, at) => {
        const reference = makeRfReference(base)
        const index = 2 + (at % (reference.length - 3))
        const [a, b] = [reference[index]!, reference[index + 1]!]
        fc.pre(a !== b && kindOf(a) === kindOf(b))
        expect(isValidRfReference(swapAdjacent(reference, index))).toBe(false)
      }),
    )
  })

  test('the blind spot: a letter–digit swap can read the same (B1 and 1B are both 111)', () => {
    const reference = makeRfReference('B1')
    expect(isValidRfReference(`${reference.slice(0, 4)}1B`)).toBe(true)
  })
})

describe('Belgian structured communication', () => {
  test.each`
    case                        | base            | communication
    ${'reference sample (S57)'} | ${'0203430576'} | ${'+++020/3430/57642+++'}
    ${'remainder 2'}            | ${'1234567890'} | ${'+++123/4567/89002+++'}
    ${'remainder 0 becomes 97'} | ${'0000000097'} | ${'+++000/0000/09797+++'}
  `('$case: $base → $communication', ({ base, communication }) => {
    expect(makeBelgianStructuredCommunication(base)).toBe(communication)
    expect(isValidBelgianStructuredCommunication(communication)).toBe(true)
  })

  test.each`
    case                             | text                            | valid
    ${'with +++'}                    | ${'+++020/3430/57642+++'}       | ${true}
    ${'with ***'}                    | ${'***020/3430/57642***'}       | ${true}
    ${'with spaces'}                 | ${'+++ 020 / 3430 / 57642 +++'} | ${true}
    ${'12 digits alone'}             | ${'020343057642'}               | ${true}
    ${'remainder 0 written as 00'}   | ${'+++000/0000/09700+++'}       | ${false}
    ${'wrong check digits'}          | ${'+++020/3430/57643+++'}       | ${false}
    ${'mixed frames'}                | ${'+++020/3430/57642***'}       | ${false}
    ${'slashes in the wrong places'} | ${'+++0203/430/57642+++'}       | ${false}
    ${'11 digits'}                   | ${'02034305764'}                | ${false}
  `('$case: $text is valid: $valid', ({ text, valid }) => {
    expect(isValidBelgianStructuredCommunication(text)).toBe(valid)
  })

  test.each(['', '123456789', '12345678901', '12345a7890'])('refuses base %j', (base) => {
    expect(() => makeBelgianStructuredCommunication(base)).toThrow(RangeError)
  })

  const belgianBase = fc.stringMatching(/^\d{10}$/)
  const digitsOf = (communication: string) => communication.replace(/\D/g, '')

  test('every made communication is valid', () => {
    fc.assert(
      fc.property(belgianBase, (base) => {
        expect(
          isValidBelgianStructuredCommunication(makeBelgianStructuredCommunication(base)),
        ).toBe(true)
      }),
    )
  })

  test('any one changed digit among the 12 is caught', () => {
    fc.assert(
      fc.property(
        belgianBase,
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 1, max: 9 }),
        (base, index, shift) => {
          const digits = digitsOf(makeBelgianStructuredCommunication(base))
          expect(isValidBelgianStructuredCommunication(changeDigit(digits, index, shift))).toBe(
            false,
          )
        },
      ),
    )
  })

  test('a swap of adjacent different digits within the base or within the check is caught', () => {
    fc.assert(
      fc.property(
        belgianBase,
        fc.integer({ min: 0, max: 10 }).filter((index) => index !== 9),
        (base, index) => {
          const digits = digitsOf(makeBelgianStructuredCommunication(base))
          fc.pre(digits[index] !== digits[index + 1])
          expect(isValidBelgianStructuredCommunication(swapAdjacent(digits, index))).toBe(false)
        },
      ),
    )
  })
})

describe('payment reference for an invoice sequence', () => {
  test.each`
    scheme  | sequence         | reference
    ${'nl'} | ${56789012345}   | ${'5000056789012345'}
    ${'nl'} | ${56789012345n}  | ${'5000056789012345'}
    ${'rf'} | ${539007547034}  | ${'RF18539007547034'}
    ${'be'} | ${203430576}     | ${'+++020/3430/57642+++'}
    ${'be'} | ${97n}           | ${'+++000/0000/09797+++'}
    ${'be'} | ${9_999_999_999} | ${makeBelgianStructuredCommunication('9999999999')}
  `('$scheme, sequence $sequence → $reference', ({ scheme, sequence, reference }) => {
    expect(paymentReferenceFor(scheme, sequence)).toBe(reference)
  })

  test.each`
    scheme  | sequence
    ${'nl'} | ${10n ** 15n}
    ${'rf'} | ${10n ** 21n}
    ${'be'} | ${10_000_000_000}
    ${'nl'} | ${-1}
    ${'rf'} | ${1.5}
    ${'be'} | ${Number.MAX_SAFE_INTEGER + 1}
  `('refuses $scheme sequence $sequence', ({ scheme, sequence }) => {
    expect(() => paymentReferenceFor(scheme, sequence)).toThrow(RangeError)
  })

  test('each scheme gives a valid reference, different for different sequences', () => {
    const validators = {
      nl: isValidDutchPaymentReference,
      rf: isValidRfReference,
      be: isValidBelgianStructuredCommunication,
    } as const
    fc.assert(
      fc.property(
        fc.constantFrom('nl', 'rf', 'be' as const),
        fc.bigInt({ min: 0n, max: 9_999_999_999n }),
        fc.bigInt({ min: 0n, max: 9_999_999_999n }),
        (scheme, a, b) => {
          fc.pre(a !== b)
          const reference = paymentReferenceFor(scheme, a)
          expect(validators[scheme](reference)).toBe(true)
          expect(reference).not.toBe(paymentReferenceFor(scheme, b))
        },
      ),
    )
  })
})
