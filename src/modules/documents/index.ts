// documents: the PDFs people read — invoices, credit notes and statements of account. Pure
// functions of the documents invoicing builds; no database, no I/O.

export { type EpcTransfer, epcAmountMinorMax, epcPayload } from './epc-qr.js'
export { formatDate, formatMoney } from './format.js'
export { renderInvoicePdf } from './invoice-pdf.js'
export type { DocumentLook } from './layout.js'
export type { CustomerStatement, StatementOpenItem, StatementPayment } from './statement.js'
export { renderStatementPdf } from './statement-pdf.js'
