// Expected failures are DomainErrors named by the rule that broke. Each module declares its
// codes in a catalogue (errors.ts) with the HTTP status and a title; the API turns them into
// RFC 9457 problem+json. Anything that is not a DomainError is a bug and becomes a 500.

export type ErrorEntry = { readonly status: number; readonly title: string }
export type ErrorCatalogue = Record<string, ErrorEntry>

const catalogue = new Map<string, ErrorEntry>()

/** Registers a module's catalogue; codes must be unique across o2c. */
export function registerErrors<T extends ErrorCatalogue>(entries: T): T {
  for (const [code, entry] of Object.entries(entries)) {
    if (catalogue.has(code)) throw new Error(`Error code ${code} is declared twice`)
    catalogue.set(code, entry)
  }
  return entries
}

export function errorCatalogue(): ReadonlyMap<string, ErrorEntry> {
  return catalogue
}

/** Extra members of the problem document: the field, line or entity at fault. */
export type ErrorDetails = Record<string, unknown>

export class DomainError extends Error {
  readonly code: string
  readonly status: number
  readonly title: string
  readonly details: ErrorDetails

  constructor(code: string, detail: string, details: ErrorDetails = {}) {
    const entry = catalogue.get(code)
    if (!entry) throw new Error(`Unknown error code ${code}: declare it in the module's errors.ts`)
    super(detail)
    this.name = 'DomainError'
    this.code = code
    this.status = entry.status
    this.title = entry.title
    this.details = details
  }
}

export function domainError(code: string, detail: string, details?: ErrorDetails): DomainError {
  return new DomainError(code, detail, details)
}

/** One field that failed validation, by its path in the request or file ("lines[2].quantity"). */
export type FieldIssue = { field: string; message: string }

export const coreErrors = registerErrors({
  'request.invalid': { status: 400, title: 'The request is not valid' },
  'request.not_found': { status: 404, title: 'No such resource' },
  'request.body_too_large': { status: 413, title: 'The request body is too large' },
  'request.unsupported_media_type': {
    status: 415,
    title: 'The request body has a content type this route does not take',
  },
  'request.unauthenticated': { status: 401, title: 'An API key is required' },
  'request.forbidden': { status: 403, title: 'Your role does not allow this' },
  'request.precondition_required': {
    status: 428,
    title: 'Send If-Match with the ETag you last read',
  },
  'request.stale_etag': {
    status: 412,
    title: 'Someone else changed this since you read it',
  },
  'request.idempotency_key_reused': {
    status: 422,
    title: 'This Idempotency-Key was used for a different request',
  },
  'tenant.unknown': { status: 404, title: 'No such tenant' },
  'store.locked': { status: 409, title: 'The data folder is in use by another o2c process' },
  'internal.error': { status: 500, title: 'Something went wrong on our side' },
})

export function notFound(entity: string, id: string): DomainError {
  return domainError('request.not_found', `No ${entity.replaceAll('_', ' ')} with id ${id}`, {
    entity,
    id,
  })
}

export function invalid(issues: FieldIssue[], detail?: string): DomainError {
  const first = issues[0]
  return domainError(
    'request.invalid',
    detail ?? (first ? `${first.field}: ${first.message}` : 'The request is not valid'),
    { errors: issues },
  )
}
