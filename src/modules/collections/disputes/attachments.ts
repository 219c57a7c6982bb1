import { createHash } from 'node:crypto'
import { domainError, invalid, notFound } from '../../../core/errors.js'
import { isUuid, newId } from '../../../core/ids.js'
import type { Ctx } from '../../../db/context.js'
import { recordAudit } from '../../audit/index.js'
import { activeDisputeStatuses, type DisputeAttachmentSummary } from './disputes.js'
import './errors.js'

// Evidence on a dispute: a photo of the damaged goods, the delivery note, the customer's
// e-mail. Stored in the database with its SHA-256 and size (0022 checks the size against the
// content), never changed or deleted (0022 revokes it). Downloads send the stored bytes with
// the stored content type, as an attachment, so a browser never renders them in our origin.

// 10 MB: a phone photo or a scanned delivery note fits; a video does not belong here.
export const attachmentBytesMax = 10 * 1024 * 1024
// A dispute is a case, not a file share.
export const attachmentsPerDisputeMax = 20

export const attachmentContentTypes = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/heic',
  'text/plain',
  'message/rfc822',
] as const

export type NewAttachment = { fileName: string; contentType: string; content: Buffer }

/** The content type as stored: lower case, without parameters (charset). */
export function plainContentType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase()
}

export function checkAttachment(file: NewAttachment, field = 'file'): void {
  const type = plainContentType(file.contentType)
  if (!(attachmentContentTypes as readonly string[]).includes(type)) {
    throw domainError(
      'collections.attachment_type_not_allowed',
      `${field}: ${type || 'no content type'} is not one of ${attachmentContentTypes.join(', ')}`,
      { field, contentType: type },
    )
  }
  if (file.content.length > attachmentBytesMax) {
    throw domainError(
      'collections.attachment_too_large',
      `${field}: ${file.content.length} bytes; at most ${attachmentBytesMax} bytes (10 MB)`,
      { field, sizeBytes: file.content.length, sizeBytesMax: attachmentBytesMax },
    )
  }
  const name = file.fileName.trim()
  const hasControl = [...name].some((ch) => ch.charCodeAt(0) < 0x20)
  if (name === '' || name.length > 255 || /[\\/]/.test(name) || hasControl) {
    throw invalid([{ field: `${field}.file_name`, message: '1 to 255 characters, no path' }])
  }
}

/** Adds a file to an open or investigating dispute. */
export async function addDisputeAttachment(
  ctx: Ctx,
  disputeId: string,
  file: NewAttachment,
): Promise<DisputeAttachmentSummary> {
  if (!isUuid(disputeId)) throw notFound('dispute', disputeId)
  const dispute = await ctx.db
    .selectFrom('dispute')
    .select(['id', 'number', 'status'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', disputeId)
    .forUpdate()
    .executeTakeFirst()
  if (!dispute) throw notFound('dispute', disputeId)
  checkAttachment(file)
  if (!(activeDisputeStatuses as readonly string[]).includes(dispute.status)) {
    throw domainError(
      'collections.dispute_transition_not_allowed',
      `Dispute ${dispute.number} is ${dispute.status}; attachments go on open disputes only`,
      { dispute: dispute.number, status: dispute.status, to: 'attachment' },
    )
  }
  const count = await ctx.db
    .selectFrom('disputeAttachment')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenantId', '=', ctx.tenantId)
    .where('disputeId', '=', disputeId)
    .executeTakeFirstOrThrow()
  if (Number(count.n) >= attachmentsPerDisputeMax) {
    throw domainError(
      'collections.dispute_attachments_full',
      `Dispute ${dispute.number} has ${attachmentsPerDisputeMax} attachments already`,
      { dispute: dispute.number, attachmentsMax: attachmentsPerDisputeMax },
    )
  }
  const attachment: DisputeAttachmentSummary = {
    id: newId(),
    fileName: file.fileName.trim(),
    contentType: plainContentType(file.contentType),
    sizeBytes: file.content.length,
    sha256: createHash('sha256').update(file.content).digest('hex'),
    addedAt: ctx.now,
    addedBy: ctx.actor.name,
  }
  await ctx.db
    .insertInto('disputeAttachment')
    .values({ tenantId: ctx.tenantId, disputeId, content: file.content, ...attachment })
    .execute()
  await recordAudit(ctx, {
    entityType: 'dispute',
    entityId: disputeId,
    action: 'attachment_added',
    after: {
      attachment_id: attachment.id,
      file_name: attachment.fileName,
      content_type: attachment.contentType,
      size_bytes: attachment.sizeBytes,
      sha256: attachment.sha256,
    },
  })
  return attachment
}

export async function listDisputeAttachments(
  ctx: Ctx,
  disputeId: string,
): Promise<DisputeAttachmentSummary[]> {
  if (!isUuid(disputeId)) throw notFound('dispute', disputeId)
  const dispute = await ctx.db
    .selectFrom('dispute')
    .select('id')
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', disputeId)
    .executeTakeFirst()
  if (!dispute) throw notFound('dispute', disputeId)
  return ctx.db
    .selectFrom('disputeAttachment')
    .select(['id', 'fileName', 'contentType', 'sizeBytes', 'sha256', 'addedAt', 'addedBy'])
    .where('tenantId', '=', ctx.tenantId)
    .where('disputeId', '=', disputeId)
    .orderBy('id')
    .execute()
}

export async function getDisputeAttachment(
  ctx: Ctx,
  disputeId: string,
  attachmentId: string,
): Promise<DisputeAttachmentSummary & { content: Buffer }> {
  if (!isUuid(disputeId) || !isUuid(attachmentId)) throw notFound('attachment', attachmentId)
  const row = await ctx.db
    .selectFrom('disputeAttachment')
    .select([
      'id',
      'fileName',
      'contentType',
      'sizeBytes',
      'sha256',
      'addedAt',
      'addedBy',
      'content',
    ])
    .where('tenantId', '=', ctx.tenantId)
    .where('disputeId', '=', disputeId)
    .where('id', '=', attachmentId)
    .executeTakeFirst()
  if (!row) throw notFound('attachment', attachmentId)
  return { ...row, content: Buffer.from(row.content) }
}
