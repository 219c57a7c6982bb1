// Snapshots (seller, buyer, payment terms) are stored as snake_case JSON, as the API speaks,
// so a row reads the same in psql as in a reply. These two turn them to and from the
// camelCase objects of document.ts. Only plain objects and arrays are walked.

export function snakeKeys(value: unknown): unknown {
  return mapKeys(value, (key) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`))
}

export function camelKeys(value: unknown): unknown {
  return mapKeys(value, (key) => key.replace(/_([a-z0-9])/g, (_, letter) => letter.toUpperCase()))
}

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, rename))
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== undefined)
        .map(([key, inner]) => [rename(key), mapKeys(inner, rename)]),
    )
  }
  return value
}
