import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

// Every webhook delivery is signed, so a receiver can tell that it came from o2c and was not
// changed or replayed on the way. The scheme is the one Stripe made familiar:
//
//   O2C-Signature: t=1772355600,v1=5f0c…e1
//
// v1 is the hex HMAC-SHA256, keyed with the endpoint's signing secret (the whole "whsec_…"
// string as UTF-8), of "<t>.<raw request body>". The timestamp is inside the signed text, so
// an old delivery cannot be replayed with a fresh timestamp; a receiver refuses a timestamp
// further than a few minutes from its own clock. Right after a secret rotation the header
// carries one v1 per secret still in force (new first); any one of them matching is enough.

/** How far a receiver should let O2C-Timestamp be from its own clock: five minutes. */
export const signatureToleranceSeconds = 300

/** A new signing secret: 256 random bits, shown to the user once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

/** The hex HMAC-SHA256 of "<timestamp>.<body>" under one secret. */
export function webhookSignature(
  secret: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')
}

/** The O2C-Signature header value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(
  secrets: readonly string[],
  timestamp: number,
  body: string,
): string {
  const signatures = secrets.map((secret) => `v1=${webhookSignature(secret, timestamp, body)}`)
  return [`t=${timestamp}`, ...signatures].join(',')
}

export type SignedRequest = {
  /** The endpoint's signing secret, as o2c showed it when the endpoint was made or rotated. */
  secret: string
  /** The O2C-Signature header as received. */
  header: string | undefined
  /** The raw request body, exactly as received: not parsed and serialised again. */
  body: string | Uint8Array
  /** The receiver's clock; defaults to now. */
  now?: Date
  toleranceSeconds?: number
}

/**
 * What a receiver does with each delivery: true when the O2C-Signature header carries a valid
 * signature of this body under `secret` and its timestamp is within the tolerance.
 *
 * ```ts
 * // in a receiver, with the raw body (express.raw(), or fastify's rawBody)
 * if (!verifyWebhookSignature({ secret, header: req.headers['o2c-signature'], body: rawBody })) {
 *   return res.status(400).end()
 * }
 * ```
 */
export function verifyWebhookSignature(request: SignedRequest): boolean {
  const parsed = parseSignatureHeader(request.header)
  if (!parsed) return false
  const nowSeconds = Math.floor((request.now ?? new Date()).getTime() / 1000)
  const tolerance = request.toleranceSeconds ?? signatureToleranceSeconds
  if (Math.abs(nowSeconds - parsed.timestamp) > tolerance) return false
  const expected = Buffer.from(webhookSignature(request.secret, parsed.timestamp, request.body))
  // Compare in constant time, so the answer time says nothing about how much of it matched.
  return parsed.signatures.some(
    (candidate) =>
      candidate.length === expected.length && timingSafeEqual(Buffer.from(candidate), expected),
  )
}

const headerLengthMax = 1_000

function parseSignatureHeader(
  header: string | undefined,
): { timestamp: number; signatures: string[] } | undefined {
  if (!header || header.length > headerLengthMax) return undefined
  let timestamp: number | undefined
  const signatures: string[] = []
  for (const part of header.split(',')) {
    const [name, value] = part.trim().split('=', 2)
    if (name === 't' && /^\d{1,12}$/.test(value ?? '')) timestamp = Number(value)
    if (name === 'v1' && /^[0-9a-f]{64}$/.test(value ?? '')) signatures.push(value)
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures }
}
