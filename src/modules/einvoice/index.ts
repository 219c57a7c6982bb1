import type { O2cModule } from '../../platform.js'
import './errors.js'

export { paymentTermsText } from './payment-terms.js'
export {
  type DocumentKind,
  documentFileName,
  renderCii,
  renderFacturX,
  renderUbl,
} from './render.js'

export const einvoiceModule: O2cModule = { name: 'einvoice' }
