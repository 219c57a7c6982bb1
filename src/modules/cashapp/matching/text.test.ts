import { describe, expect, test } from 'vitest'
import { paymentReferenceFor } from '../../../core/payment-reference.js'
import {
  findNumberTokens,
  findReferences,
  nameSimilarity,
  nameTokens,
  referenceKey,
  typoKeys,
} from './text.js'

const nl = paymentReferenceFor('nl', 42) // 16 digits
const rf = paymentReferenceFor('rf', 42)
const be = paymentReferenceFor('be', 42)

describe('structured references in what people type', () => {
  test.each`
    written                                                   | key
    ${nl}                                                     | ${nl}
    ${`betaling ${nl.replace(/(\d{4})(?=\d)/g, '$1 ')} dank`} | ${nl}
    ${nl.replace(/(\d{4})(?=\d)/g, '$1.')}                    | ${nl}
    ${`ref ${rf.slice(0, 4)} ${rf.slice(4)} klant 12`}        | ${rf}
    ${rf.toLowerCase()}                                       | ${rf}
    ${be}                                                     | ${referenceKey(be)}
    ${be.replace(/\+/g, '*')}                                 | ${referenceKey(be)}
  `('finds $key in "$written"', ({ written, key }) => {
    const found = findReferences(written)
    expect(found.flatMap((f) => [f.key, ...f.alternatives])).toContain(key)
  })

  test('a reference with a wrong check digit is not a reference', () => {
    const wrong = `${(Number(nl[0]) + 1) % 10}${nl.slice(1)}`
    expect(findReferences(`betaling ${wrong}`)).toEqual([])
  })
})

describe('invoice numbers in the forms people type', () => {
  const keysOf = (text: string) => findNumberTokens(text).flatMap((t) => t.keys)
  test.each`
    written                   | finds
    ${'INV-2026-00042'}       | ${'2026-42'}
    ${'2026-00042'}           | ${'2026-42'}
    ${'202600042'}            | ${'202600042'}
    ${'INV 2026 42'}          | ${'2026-42'}
    ${'factuur 2026/42'}      | ${'2026-42'}
    ${'Rechnung Nr. 2026-42'} | ${'2026-42'}
  `('"$written" → $finds', ({ written, finds }) => {
    expect(keysOf(written)).toContain(finds)
  })

  test('several numbers in one line come out one by one', () => {
    const lone = findNumberTokens('fact 41 en 42').map((t) => t.sequence)
    expect(lone).toEqual(['41', '42'])
  })

  test('dates and amounts are not read as invoice numbers', () => {
    expect(keysOf('betaald 2026-03-14 bedrag 1.234,56')).toEqual([])
  })

  test('a typo or a swap of two digits is one step away', () => {
    const whole = (text: string) => findNumberTokens(text).find((t) => t.text.includes(' '))!
    expect(typoKeys(whole('2026-00024'))).toContain('2026-42')
    expect(typoKeys(whole('2026-00043'))).toContain('2026-42')
  })
})

describe('payer names', () => {
  test.each`
    payer                            | customer                              | atLeast
    ${'BAKKERIJ JANSEN BV'}          | ${'Bakkerij Jansen B.V.'}             | ${1}
    ${'Jansen Bakkerij'}             | ${'Bakkerij Jansen B.V.'}             | ${1}
    ${'MULLER SPEDITION'}            | ${'Müller Spedition GmbH'}            | ${1}
    ${'MUELLER SPEDITION'}           | ${'Müller Spedition GmbH'}            | ${0.85}
    ${'Bakk. Jansen'}                | ${'Bakkerij Jansen B.V.'}             | ${0.9}
    ${'DRUKKERIJ VAN DEN BERGHE GE'} | ${'Drukkerij Van den Berghe Gent NV'} | ${0.8}
  `('"$payer" is like "$customer"', ({ payer, customer, atLeast }) => {
    expect(nameSimilarity(nameTokens(payer), nameTokens(customer))).toBeGreaterThanOrEqual(atLeast)
  })

  test.each`
    payer                | customer
    ${'K. van der Meer'} | ${'Transport van der Meer BV'}
    ${'Smit Handel'}     | ${'Bakkerij Jansen B.V.'}
  `('"$payer" is not taken for "$customer"', ({ payer, customer }) => {
    expect(nameSimilarity(nameTokens(payer), nameTokens(customer))).toBeLessThan(0.6)
  })
})
