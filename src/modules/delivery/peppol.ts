import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { newId } from '../../core/ids.js'
import type { DocumentType } from '../invoicing/index.js'

// Peppol: the UBL goes to an access point (a certified service that speaks AS4 to the
// receiver's access point), with the envelope the network routes by: who sends, who receives,
// what kind of document under which business process. o2c talks to the access point through
// this interface; the first implementation drops files in a folder the access point watches,
// the way most access points take documents from an ERP.

/** A participant on the Peppol network: an ISO 6523 scheme (0106 KvK, 9944 NL VAT) and id. */
export type ParticipantId = { scheme: string; id: string }

export type PeppolEnvelope = {
  messageId: string
  sender: ParticipantId
  receiver: ParticipantId
  documentTypeId: string
  processId: string
}

/** What the access point says when it took the message for delivery. */
export type AccessPointReceipt = { messageId: string }

export interface AccessPoint {
  send(envelope: PeppolEnvelope, ubl: Uint8Array): Promise<AccessPointReceipt>
}

// Peppol BIS Billing 3.0 identifiers (docs.peppol.eu/poacc/billing/3.0/, "Identifiers"):
// the customization id after "##" names the specification, the part before the UBL root.
export const participantScheme = 'iso6523-actorid-upis'
export const documentTypeScheme = 'busdox-docid-qns'
export const processScheme = 'cenbii-procid-ubl'
export const billingProcessId = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0'
const billingCustomization =
  'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1'
export const documentTypeIds: Record<DocumentType, string> = {
  invoice: `urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##${billingCustomization}`,
  credit_note: `urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##${billingCustomization}`,
}

export function peppolEnvelope(
  type: DocumentType,
  sender: ParticipantId,
  receiver: ParticipantId,
): PeppolEnvelope {
  return {
    messageId: newId(),
    sender,
    receiver,
    documentTypeId: documentTypeIds[type],
    processId: billingProcessId,
  }
}

/** "0106:12345678", as Peppol writes a participant id after its scheme. */
export function participantText(participant: ParticipantId): string {
  return `${participant.scheme}:${participant.id}`
}

export const ublFileName = 'document.xml'
export const envelopeFileName = 'envelope.json'

/**
 * Drops each message as a folder `<dropDir>/<message-id>/` with the UBL (document.xml) and
 * the envelope (envelope.json). The folder is written under a hidden name and renamed when
 * complete, so the access point never picks up half a message (rename is atomic on one file
 * system).
 */
export function fileDropAccessPoint(dropDir: string): AccessPoint {
  return {
    async send(envelope, ubl) {
      await mkdir(dropDir, { recursive: true })
      const partial = join(dropDir, `.${envelope.messageId}.partial`)
      await rm(partial, { recursive: true, force: true })
      await mkdir(partial)
      await writeFile(join(partial, ublFileName), ubl)
      await writeFile(
        join(partial, envelopeFileName),
        `${JSON.stringify(envelopeJson(envelope), null, 2)}\n`,
      )
      await rename(partial, join(dropDir, envelope.messageId))
      return { messageId: envelope.messageId }
    },
  }
}

/** The envelope as the access point reads it, identifiers with their schemes. */
export function envelopeJson(envelope: PeppolEnvelope) {
  return {
    message_id: envelope.messageId,
    sender: { scheme: participantScheme, value: participantText(envelope.sender) },
    receiver: { scheme: participantScheme, value: participantText(envelope.receiver) },
    document_type: { scheme: documentTypeScheme, value: envelope.documentTypeId },
    process: { scheme: processScheme, value: envelope.processId },
    document_file: ublFileName,
  }
}

// Receipts: the access point writes `<message-id>.receipt.json` into the drop folder when the
// receiving access point confirmed (delivered) or the network gave up (failed).

export const receiptSuffix = '.receipt.json'
const processedDirName = 'processed'

const receiptFile = z.object({
  status: z.enum(['delivered', 'failed']),
  detail: z.string().max(2000).optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
})

export type PeppolReceipt = {
  messageId: string
  status: 'delivered' | 'failed'
  detail: string | null
  occurredAt: Date | null
  file: string
}

/** The receipt of one message, or null while the access point has not written it. */
export async function readReceipt(dir: string, messageId: string): Promise<PeppolReceipt | null> {
  const file = join(dir, `${messageId}${receiptSuffix}`)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const parsed = receiptFile.safeParse(JSON.parse(text))
  if (!parsed.success) {
    throw new Error(`${file}: not a receipt: ${parsed.error.issues[0].message}`)
  }
  return {
    messageId,
    status: parsed.data.status,
    detail: parsed.data.detail ?? null,
    occurredAt: parsed.data.occurred_at ? new Date(parsed.data.occurred_at) : null,
    file,
  }
}

/** The message ids of the receipts waiting in a folder. */
export async function waitingReceipts(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[]
    throw error
  })
  return names
    .filter((name) => name.endsWith(receiptSuffix))
    .map((name) => name.slice(0, -receiptSuffix.length))
    .sort()
}

/** Moves a receipt that was recorded into `processed/`, so it is not read again. */
export async function archiveReceipt(receipt: PeppolReceipt, dir: string): Promise<void> {
  await mkdir(join(dir, processedDirName), { recursive: true })
  await rename(receipt.file, join(dir, processedDirName, `${receipt.messageId}${receiptSuffix}`))
}
