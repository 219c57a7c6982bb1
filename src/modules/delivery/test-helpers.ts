import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterAll } from 'vitest'
import type { Ctx } from '../../db/context.js'
import { createCustomer, type NewCustomer } from '../customers/index.js'
import type { InvoiceDocument } from '../invoicing/index.js'
import { recordInvoiceStep } from '../invoicing/index.js'
import { productionWiring } from './index.js'
import { wireDelivery } from './wiring.js'

// What delivery's tests arrange: a customer, an issued document, a real SMTP server.
//
// A test puts the issued row in place as issuing leaves it and records the 'issued' step,
// which is what makes delivery start; its document is one of einvoice's fixtures (every VAT
// category, credit notes, …), served by the test wiring below and rendered for real.

const documents = new Map<string, InvoiceDocument>()
const pdfs = new Map<string, Uint8Array>()

/** The PDF the send job rendered for a document number (pdfkit stamps the time in it). */
export function renderedPdf(number: string): Uint8Array {
  const pdf = pdfs.get(number)
  if (!pdf) throw new Error(`no PDF rendered for ${number}`)
  return pdf
}

/** The production wiring, with the documents of this test file instead of invoicing's loader. */
export function wireForTests(): void {
  wireDelivery({
    ...productionWiring,
    async loadDocument(_ctx, invoiceId) {
      const document = documents.get(invoiceId)
      if (!document) throw new Error(`no test document ${invoiceId}`)
      return { document, look: { primaryColour: '#1f3a5f', accentColour: '#e8eef5' } }
    },
    renderer: {
      ...productionWiring.renderer,
      async pdf(document, look) {
        const pdf = await productionWiring.renderer.pdf(document, look)
        pdfs.set(document.number, pdf)
        return pdf
      },
    },
  })
}

let customerCounter = 0

export async function customer(ctx: Ctx, fields: Partial<NewCustomer> = {}) {
  return createCustomer(ctx, {
    number: `C-${++customerCounter}-${crypto.randomUUID().slice(0, 6)}`,
    legalName: 'Bakkerij Jansen B.V.',
    ...fields,
  })
}

let sequence = 0

/** An issued invoice or credit note of `customerId`, with 'issued' on its timeline. */
export async function issue(
  ctx: Ctx,
  customerId: string,
  fixture: InvoiceDocument,
  options: { correctsInvoiceId?: string } = {},
): Promise<{ id: string; document: InvoiceDocument }> {
  const id = crypto.randomUUID()
  const n = ++sequence
  const series = fixture.type === 'credit_note' ? 'CN' : 'INV'
  const document: InvoiceDocument = {
    ...fixture,
    number: `${series}-2026-${String(n).padStart(5, '0')}`,
  }
  const t = document.totals
  await ctx.db
    .insertInto('invoice')
    .values({
      tenantId: ctx.tenantId,
      id,
      documentType: document.type,
      status: 'issued',
      origin: document.type === 'credit_note' ? 'credit_note' : 'manual',
      customerId,
      currency: document.currency,
      correctsInvoiceId: options.correctsInvoiceId ?? null,
      series,
      fiscalYear: 2026,
      sequence: n,
      number: document.number,
      issueDate: document.issueDate,
      dueDate: document.dueDate ?? null,
      paymentReference: document.paymentReference,
      seller: JSON.stringify({ name: document.seller.name }),
      buyer: JSON.stringify({ name: document.buyer.name }),
      language: document.language,
      paymentTerms: JSON.stringify({ net_days: document.terms.netDays }),
      lineNetMinor: t.lineNetMinor,
      allowanceMinor: t.allowancesMinor,
      chargeMinor: t.chargesMinor,
      taxExclusiveMinor: t.taxExclusiveMinor,
      vatMinor: t.vatMinor,
      totalMinor: t.taxInclusiveMinor,
      prepaidMinor: t.prepaidMinor,
      payableMinor: t.payableMinor,
      createdAt: ctx.now,
      createdBy: 'test',
      issuedAt: ctx.now,
      issuedBy: 'test',
      updatedAt: ctx.now,
    })
    .execute()
  documents.set(id, document)
  await recordInvoiceStep(ctx, id, 'issued', { detail: { number: document.number } })
  return { id, document }
}

export type ReceivedMail = { from: string; to: string[]; raw: string }

/**
 * A real SMTP server on an ephemeral port. `answer` decides per recipient: undefined takes
 * the mail, a string is the reply that refuses it (e.g. '550 5.1.1 no such user').
 */
export async function smtpServer(answer: (to: string) => { code: number; text: string } | null) {
  const received: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const refusal = answer(address.address)
      if (!refusal) return callback()
      const error = Object.assign(new Error(refusal.text), { responseCode: refusal.code })
      callback(error)
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback(null, 'Message queued as test-1')
      })
    },
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const port = (server.server.address() as AddressInfo).port
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `smtp://127.0.0.1:${port}`, received }
}
