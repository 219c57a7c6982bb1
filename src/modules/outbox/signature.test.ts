import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  newWebhookSecret,
  signatureHeader,
  verifyWebhookSignature,
  webhookSignature,
} from './signature.js'

const secret = 'whsec_test-secret'
const body = '{"id":"e1","type":"order.confirmed"}'
const sentAt = new Date('2026-03-01T09:00:00Z')
const timestamp = sentAt.getTime() / 1000

describe('verifyWebhookSignature', () => {
  test('accepts the header o2c sends for this body and secret', () => {
    const header = signatureHeader([secret], timestamp, body)
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    expect(verifyWebhookSignature({ secret, header, body, now: sentAt })).toBe(true)
    expect(verifyWebhookSignature({ secret, header, body: Buffer.from(body), now: sentAt })).toBe(
      true,
    )
  })

  test('the signature is HMAC-SHA256 of "<timestamp>.<body>", in hex', () => {
    // Computed apart from o2c: printf '1772355600.{"a":1}' | openssl dgst -sha256 -hmac k
    const expected = '23daea063b2cf805cc50e8194764ddfdb48ae33c197a3e76da8efce86494fce4'
    expect(webhookSignature('k', 1772355600, '{"a":1}')).toBe(expected)
    expect(signatureHeader(['k'], 1772355600, '{"a":1}')).toBe(`t=1772355600,v1=${expected}`)
  })

  test.each([
    ['the body was changed', { body: body.replace('confirmed', 'cancelled') }],
    ['another secret signed it', { secret: 'whsec_other' }],
    ['the timestamp is six minutes old', { now: new Date(sentAt.getTime() + 360_000) }],
    ['the timestamp is six minutes ahead', { now: new Date(sentAt.getTime() - 360_000) }],
    ['the header is missing', { header: undefined }],
    ['the header has no signature', { header: `t=${timestamp}` }],
    ['the header is not ours', { header: 'sha256=abc' }],
  ])('refuses the delivery when %s', (_case, change) => {
    const header = signatureHeader([secret], timestamp, body)
    expect(verifyWebhookSignature({ secret, header, body, now: sentAt, ...change })).toBe(false)
  })

  test('a replayed body under a fresh timestamp does not verify', () => {
    const old = signatureHeader([secret], timestamp, body)
    const v1 = old.split(',')[1]
    const forged = `t=${timestamp + 600},${v1}`
    const later = new Date(sentAt.getTime() + 600_000)
    expect(verifyWebhookSignature({ secret, header: forged, body, now: later })).toBe(false)
  })

  test('during a rotation either secret verifies', () => {
    const fresh = newWebhookSecret()
    const header = signatureHeader([fresh, secret], timestamp, body)
    expect(verifyWebhookSignature({ secret: fresh, header, body, now: sentAt })).toBe(true)
    expect(verifyWebhookSignature({ secret, header, body, now: sentAt })).toBe(true)
    expect(verifyWebhookSignature({ secret: 'whsec_x', header, body, now: sentAt })).toBe(false)
  })

  test('any body signed with any secret verifies, and changing one character breaks it', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.nat({ max: 4_000_000_000 }),
        (anySecret, anyBody, t) => {
          const header = signatureHeader([anySecret], t, anyBody)
          const now = new Date(t * 1000)
          expect(verifyWebhookSignature({ secret: anySecret, header, body: anyBody, now })).toBe(
            true,
          )
          const changed = `${anyBody}x`
          expect(verifyWebhookSignature({ secret: anySecret, header, body: changed, now })).toBe(
            false,
          )
        },
      ),
    )
  })

  test('secrets are long, random and prefixed', () => {
    const a = newWebhookSecret()
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
    expect(newWebhookSecret()).not.toBe(a)
  })
})
