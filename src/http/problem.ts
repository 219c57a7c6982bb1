import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { DomainError, type FieldIssue } from '../core/errors.js'

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
  if (error instanceof DomainError) {
    return reply
      .status(error.status)
      .type(problemContentType)
      .send({
        type: `/problems/${error.code}`,
        status: error.status,
        title: error.title,
        detail: error.message,
        ...error.details,
      })
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors: FieldIssue[] = error.validation.map((issue) => ({
      field: fieldPath(error.validationContext, issue.instancePath),
      message: issue.message,
    }))
    return reply
      .status(400)
      .type(problemContentType)
      .send({
        type: '/problems/request.invalid',
        status: 400,
        title: 'The request is not valid',
        detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      })
  }
  // Fastify's own client errors (unparsable JSON, body too large, wrong content type).
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply
      .status(error.statusCode)
      .type(problemContentType)
      .send({
        type: `/problems/request.${error.code ?? 'invalid'}`,
        status: error.statusCode,
        title: 'The request is not valid',
        detail: error.message,
      })
  }
  request.log.error({ err: error }, 'request failed')
  return reply
    .status(500)
    .type(problemContentType)
    .send({
      type: '/problems/internal',
      status: 500,
      title: 'Something went wrong on our side',
      detail: `This is a bug in o2c. Quote request id ${request.id} when you report it.`,
      requestId: request.id,
    })
}
