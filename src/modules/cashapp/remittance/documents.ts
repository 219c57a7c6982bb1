import { createHash } from 'node:crypto'
import { extname } from 'node:path'
import { domainError } from '../../../core/errors.js'
import { looksLikeAdviceCsv, parseAdviceCsv } from './csv.js'
import type { ParsedAdvice } from './model.js'
import { pdfText } from './pdf.js'
import { parseAdviceText } from './text.js'

// What arrives as an advice — a file, an upload, a mail — told apart by its name and its
// bytes, and read by the parser for its kind. A mail (.eml, or what the SMTP listener
// receives) is opened into its body and its CSV, text and PDF attachments, each an advice.

// An advice is a few kB; a spreadsheet export or PDF of one a few hundred. More is no advice.
export const adviceBytesMax = 10 * 1024 * 1024

export type AdviceDocument = { fileName: string; bytes: Uint8Array }

export type DocumentKind = 'csv' | 'text' | 'pdf' | 'mail'

/** The kind of a document, by extension, then by content (PDF signature, mail headers). */
export function documentKind(document: AdviceDocument): DocumentKind {
  const extension = extname(document.fileName).toLowerCase()
  const head = Buffer.from(document.bytes.subarray(0, 1024)).toString('latin1')
  if (extension === '.pdf' || head.startsWith('%PDF-')) return 'pdf'
  if (extension === '.eml' || looksLikeMail(head)) return 'mail'
  if (extension === '.csv' || extension === '.tsv') return 'csv'
  return looksLikeAdviceCsv(decodeText(document.bytes)) ? 'csv' : 'text'
}

function looksLikeMail(head: string): boolean {
  const headers = head.split(/\r?\n\r?\n/)[0]
  return (
    /^(from|received|return-path|message-id|mime-version):/im.test(headers) &&
    /^(from):/im.test(headers) &&
    /^(subject|date|to):/im.test(headers)
  )
}

/** Reads one document that is not a mail (CSV, text, PDF) into a parsed advice. */
export async function parseAdviceDocument(document: AdviceDocument): Promise<ParsedAdvice> {
  checkSize(document)
  const kind = documentKind(document)
  switch (kind) {
    case 'csv':
      return parseAdviceCsv(decodeText(document.bytes), document.fileName)
    case 'pdf':
      return parseAdviceText(await pdfText(document.bytes, document.fileName), {
        source: 'pdf',
        fileName: document.fileName,
      })
    case 'text':
      return parseAdviceText(decodeText(document.bytes), {
        source: 'email',
        fileName: document.fileName,
      })
    case 'mail':
      throw new Error('a mail holds several documents: read it with readAdviceMail')
  }
}

export type AdviceMail = {
  /** The sender's address and display name, as the From header gives them. */
  fromAddress: string | null
  fromName: string | null
  /** The mail's Date header as a calendar date in UTC, if it has one. */
  date: string | null
  subject: string | null
  /** The body (as text) first, then the attachments an advice can be. */
  documents: AdviceDocument[]
}

const attachmentKinds = /\.(csv|tsv|txt|pdf)$/i
const attachmentTypes = new Set([
  'text/csv',
  'text/plain',
  'application/pdf',
  'text/tab-separated-values',
])

/** Opens a mail (RFC 5322 bytes) into the documents that may be advices. */
export async function readAdviceMail(raw: Uint8Array, fileName = 'mail'): Promise<AdviceMail> {
  checkSize({ fileName, bytes: raw })
  // Loaded on first use, as PDF.js is: every o2c command would otherwise pay for them.
  const { simpleParser } = await import('mailparser')
  const mail = await simpleParser(Buffer.from(raw), { skipHtmlToText: true, skipTextLinks: true })
  const from = mail.from?.value[0]
  const subject = mail.subject?.trim() || null
  const body = (
    typeof mail.html === 'string' ? await htmlText(mail.html) : (mail.text ?? '')
  ).trim()
  const documents: AdviceDocument[] = []
  if (body) {
    documents.push({
      fileName: `${subject ?? fileName} (mail body)`.slice(0, 200),
      bytes: Buffer.from(body, 'utf8'),
    })
  }
  for (const attachment of mail.attachments) {
    const name = attachment.filename ?? ''
    if (!attachmentKinds.test(name) && !attachmentTypes.has(attachment.contentType)) continue
    documents.push({
      fileName: name || `attachment.${attachment.contentType.split('/')[1]}`,
      bytes: attachment.content,
    })
  }
  return {
    fromAddress: from?.address ?? null,
    fromName: from?.name?.trim() || null,
    date: mail.date ? mail.date.toISOString().slice(0, 10) : null,
    subject,
    documents,
  }
}

/**
 * The text of an HTML mail, its tables laid out in columns (Outlook sends advices as HTML
 * tables; mailparser's own conversion runs the cells together). When a mail has both, the
 * HTML is what the sender saw, so it is the one read.
 */
async function htmlText(html: string): Promise<string> {
  const { convert } = await import('html-to-text')
  return convert(html, {
    wordwrap: false,
    selectors: [
      {
        selector: 'table',
        format: 'dataTable',
        options: { uppercaseHeaderCells: false, maxColumnWidth: 200, colSpacing: 3 },
      },
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
    ],
  })
}

/** The SHA-256 of a document's bytes: the same file received again is the same advice. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** UTF-8 when the bytes are valid UTF-8, else ISO-8859-1 (Excel's "CSV" on Windows). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '')
  } catch {
    return Buffer.from(bytes).toString('latin1')
  }
}

function checkSize(document: AdviceDocument): void {
  if (document.bytes.byteLength > adviceBytesMax) {
    throw domainError(
      'cashapp.remittance_malformed',
      `${document.fileName} is ${document.bytes.byteLength} bytes; an advice is at most ` +
        `${adviceBytesMax} bytes; nothing was imported`,
      { file: document.fileName },
    )
  }
}
