// JSON with object keys sorted at every level, so that the same value always hashes the
// same, whatever order its keys were written in or PostgreSQL's jsonb returned them in.

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(toJsonValue(value)))
}

/** Turns values JSON cannot hold (bigint, Date) into the strings the API would show. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(toJsonValue)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) {
      if (inner !== undefined) out[key] = toJsonValue(inner)
    }
    return out
  }
  return value
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key])
    }
    return out
  }
  return value
}
