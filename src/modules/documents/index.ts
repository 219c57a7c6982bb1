// documents: the PDFs people read — invoices, credit notes and statements of account. Pure
// functions of the documents invoicing builds; no database, no I/O.

export { type EpcTransfer, epcAmountMinorMax, epcPayload } from './epc-qr.js'
export { formatDate, formatMoney, printable } from './format.js'
export { renderInvoicePdf } from './invoice-pdf.js'
export type { DocumentLook } from './layout.js'
// The page furniture, for other printed documents (collections' dunning letters).
export {
  addressLines,
  type Cell,
  type Column,
  contentWidth,
  drawLetterhead,
  drawPairs,
  drawTable,
  ensureSpace,
  finishPdf,
  finishPdfInParts,
  left,
  newPdf,
  type Pdf,
  type PdfPart,
} from './layout.js'
export type {
  CustomerStatement,
  StatementCharge,
  StatementOpenItem,
  StatementPayment,
} from './statement.js'
export { renderStatementPdf } from './statement-pdf.js'
