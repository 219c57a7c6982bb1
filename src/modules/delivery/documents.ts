import type { Ctx } from '../../db/context.js'
import { documentFileName, renderCii, renderFacturX } from '../einvoice/index.js'
import { deliveryWiring } from './wiring.js'

// The files of an issued invoice or credit note, as the customer gets them and as a billing
// specialist downloads them: the PDF for people, the UBL (Peppol BIS Billing 3.0), the CII
// (EN 16931) and Factur-X (the PDF as PDF/A-3 with the CII inside). Rendered on request from
// the stored document, so a download is byte for byte what delivery sends.

export const documentFormats = ['pdf', 'ubl', 'cii', 'factur-x'] as const
export type DocumentFormat = (typeof documentFormats)[number]

export type DocumentFile = { fileName: string; mediaType: string; bytes: Uint8Array }

export async function invoiceFile(
  ctx: Ctx,
  invoiceId: string,
  format: DocumentFormat,
): Promise<DocumentFile> {
  const wiring = deliveryWiring()
  const { document, look } = await wiring.loadDocument(ctx, invoiceId)
  if (document.type === 'invoice') document.paymentLink = await wiring.payPageUrl(ctx, invoiceId)
  const xml = (text: string, kind: 'ubl' | 'cii'): DocumentFile => ({
    fileName: documentFileName(document, kind),
    mediaType: 'application/xml',
    bytes: Buffer.from(text, 'utf8'),
  })
  switch (format) {
    case 'ubl':
      return xml(await wiring.renderer.ubl(document), 'ubl')
    case 'cii':
      return xml(await renderCii(document), 'cii')
    case 'pdf':
    case 'factur-x': {
      const pdf = await wiring.renderer.pdf(document, look)
      return {
        fileName: documentFileName(document, 'pdf'),
        mediaType: 'application/pdf',
        bytes: format === 'pdf' ? pdf : await renderFacturX(document, pdf),
      }
    }
  }
}
