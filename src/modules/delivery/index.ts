import type { FastifyInstance } from 'fastify'
import { DomainError } from '../../core/errors.js'
import type { O2cModule } from '../../platform.js'
import { type DocumentLook, renderInvoicePdf } from '../documents/index.js'
import { renderUbl } from '../einvoice/index.js'
import {
  documentLook,
  getCustomerBilling,
  getInvoice,
  loadInvoiceDocument,
} from '../invoicing/index.js'
import { payPageUrl } from '../payments/index.js'
import { deliveryCommands } from './commands.js'
import './errors.js'
import { deliveryJobs } from './jobs.js'
import { deliveryRoutes } from './routes.js'
import { type DeliveryWiring, wireDelivery } from './wiring.js'

// Collections' dunning sends its e-mails through the same mailer (collections/dunning/).
export { type Mail, type MailOutcome, type MailSettings, sendMail } from './mailer.js'
export type { AccessPoint, AccessPointReceipt, ParticipantId, PeppolEnvelope } from './peppol.js'
export { fileDropAccessPoint } from './peppol.js'
export {
  type Delivery,
  listInvoiceDeliveries,
  queueInvoiceDelivery,
  recordDeliveryNews,
} from './service.js'
export { type DeliveryChannel, type DeliveryStatus, deliveryChannels } from './tables.js'
export { type DeliveryWiring, type DocumentRenderer, wireDelivery } from './wiring.js'

// The one place delivery meets the stages it depends on (see wiring.ts).
export const productionWiring: DeliveryWiring = {
  async findInvoice(ctx, invoiceId) {
    const invoice = await getInvoice(ctx, invoiceId).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'request.not_found') return null
      throw error
    })
    if (!invoice) return null
    return {
      id: invoice.id,
      customerId: invoice.customerId,
      documentType: invoice.documentType,
      number: invoice.number,
      issued: invoice.status === 'issued',
    }
  },
  async customerBilling(ctx, customerId) {
    const billing = await getCustomerBilling(ctx, customerId)
    return {
      invoiceChannel: billing.invoiceChannel,
      invoiceEmail: billing.invoiceEmail,
      peppol: billing.peppol,
    }
  },
  async loadDocument(ctx, invoiceId) {
    const [document, look] = await Promise.all([
      loadInvoiceDocument(ctx, invoiceId),
      documentLook(ctx),
    ])
    return { document, look }
  },
  payPageUrl,
  renderer: {
    pdf: (document, look) => renderInvoicePdf(document, look as DocumentLook),
    ubl: renderUbl,
  },
}

wireDelivery(productionWiring)

export const deliveryModule: O2cModule = {
  name: 'delivery',
  routes: (app: FastifyInstance) => deliveryRoutes(app),
  commands: deliveryCommands,
  jobs: deliveryJobs,
}
