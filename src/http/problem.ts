import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { DomainError, domainError, type FieldIssue, invalid } from '../core/errors.js'

// Every error leaves the API as RFC 9457 problem+json. A DomainError carries its code, title
// and the place that failed; a schema error names each field; anything else is a bug: the
// client gets a 500 with the request id only, the log gets the details.

export const problemContentType = 'application/problem+json'

export function fieldPath(context: string | undefined, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean)
  let path = ''
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part
  const where = context === 'querystring' ? 'query' : context
  return where && where !== 'body' ? `${where}.${path}` : path || (where ?? '')
}

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof DomainError) return sendProblem(reply, error)
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors: FieldIssue[] = error.validation.map((issue) => ({
      field: fieldPath(error.validationContext, issue.instancePath),
      message: issue.message,
    }))
    return sendProblem(
      reply,
      invalid(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; ')),
    )
  }
  // Fastify's own client errors (unparsable JSON, body too large, wrong content type), named
  // by a code of the catalogue like every other problem.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    const code = fastifyClientErrors[error.statusCode] ?? 'request.invalid'
    return sendProblem(reply, domainError(code, error.message), error.statusCode)
  }
  request.log.error({ err: error }, 'request failed')
  return sendProblem(
    reply,
    domainError(
      'internal.error',
      `This is a bug in o2c. Quote request id ${request.id} when you report it.`,
      { requestId: request.id },
    ),
  )
}

const fastifyClientErrors: Record<number, string> = {
  404: 'request.not_found',
  413: 'request.body_too_large',
  415: 'request.unsupported_media_type',
}

/** Sends a DomainError as problem+json; the standard members cannot be overwritten by details. */
export function sendProblem(reply: FastifyReply, error: DomainError, status = error.status) {
  return reply
    .status(status)
    .type(problemContentType)
    .send({
      ...error.details,
      type: `/problems/${error.code}`,
      status,
      title: error.title,
      detail: error.message,
    })
}
