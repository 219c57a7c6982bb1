// Makes a value that passes a JSON Schema of the OpenAPI document: the required members only,
// each with the plainest value its type, format, pattern and bounds allow. The tenant walk
// uses it to send bodies that get past validation to the id lookup. Ids (format uuid) are
// filled with the id given, so a body can point at another tenant's resource.

type Schema = Record<string, any>

const stringCandidates = [
  'walk',
  '1.00',
  '1',
  'EUR',
  'NL',
  '2026-03-01',
  '2026-03-01T09:00:00Z',
  'walk@example.com',
  'https://example.com/walk',
  'NL91ABNA0417164300',
]

export function exampleOf(schema: Schema | undefined, uuid: string): unknown {
  if (!schema || typeof schema !== 'object') return null
  if (schema.const !== undefined) return schema.const
  if (schema.default !== undefined) return schema.default
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0]
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0]
  const choices = schema.anyOf ?? schema.oneOf
  if (Array.isArray(choices)) {
    const notNull = choices.find((c: Schema) => c.type !== 'null') ?? choices[0]
    return exampleOf(notNull, uuid)
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((part: Schema) => exampleOf(part, uuid)))
  }
  const type = Array.isArray(schema.type)
    ? schema.type.find((t: string) => t !== 'null')
    : (schema.type ?? (schema.properties ? 'object' : undefined))
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const name of schema.required ?? []) {
        out[name] = exampleOf(schema.properties?.[name], uuid)
      }
      return out
    }
    case 'array': {
      const count = schema.minItems ?? 0
      return Array.from({ length: count }, () => exampleOf(schema.items, uuid))
    }
    case 'integer':
    case 'number':
      if (schema.minimum !== undefined) return schema.minimum
      if (schema.exclusiveMinimum !== undefined) return schema.exclusiveMinimum + 1
      return 1
    case 'boolean':
      return true
    case 'string':
      return stringExample(schema, uuid)
    default:
      return null
  }
}

function stringExample(schema: Schema, uuid: string): string {
  switch (schema.format) {
    case 'uuid':
      return uuid
    case 'date':
      return '2026-03-01'
    case 'date-time':
      return '2026-03-01T09:00:00Z'
    case 'email':
      return 'walk@example.com'
    case 'uri':
    case 'url':
      return 'https://example.com/walk'
  }
  const pattern = schema.pattern ? new RegExp(schema.pattern) : undefined
  const fits = (text: string) =>
    (!pattern || pattern.test(text)) &&
    text.length >= (schema.minLength ?? 0) &&
    text.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY)
  const found = stringCandidates.find(fits)
  if (found) return found
  return 'w'.repeat(Math.max(1, schema.minLength ?? 1))
}

/** Whether a schema holds a uuid-format member anywhere (top level, nested, in arrays). */
export function hasUuidMember(schema: Schema | undefined): boolean {
  if (!schema || typeof schema !== 'object') return false
  if (schema.format === 'uuid') return true
  const parts = [
    ...Object.values(schema.properties ?? {}),
    schema.items,
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.allOf ?? []),
  ]
  return parts.some((part) => hasUuidMember(part as Schema))
}

/** Like exampleOf, but also fills optional uuid members, so every id in the body is `uuid`. */
export function exampleWithIds(schema: Schema | undefined, uuid: string): unknown {
  if (!schema || typeof schema !== 'object') return exampleOf(schema, uuid)
  if (schema.type === 'object' || schema.properties) {
    const out = (exampleOf(schema, uuid) ?? {}) as Record<string, unknown>
    for (const [name, member] of Object.entries<Schema>(schema.properties ?? {})) {
      if (hasUuidMember(member)) out[name] = exampleWithIds(member, uuid)
    }
    return out
  }
  if (schema.type === 'array' && hasUuidMember(schema.items)) {
    return [exampleWithIds(schema.items, uuid)]
  }
  return exampleOf(schema, uuid)
}
