import type { FastifyInstance } from 'fastify'
import type { O2cModule } from '../../platform.js'
import { orderCommands } from './commands.js'
import './errors.js'
import { orderRoutes } from './routes.js'
import { shipmentRoutes } from './shipment-routes.js'

export { importCarrierEvents } from './carrier-events.js'
export { carrierTemplates, trackingUrlFor } from './carriers.js'
export type { OrderOnHold } from './confirmation.js'
export {
  confirmOrder,
  creditHolds,
  rejectCreditHold,
  releaseCreditHold,
  uninvoicedOrdersOfCustomers,
} from './confirmation.js'
export { importOrders } from './order-import.js'
export type { CreditHold, CreditHoldReason, Order, OrderLine } from './order-store.js'
export { type OrderTotals, orderTotals, type VatBreakdown } from './pricing.js'
export type { NewOrder, OrderFilter, OrderPatch, OrderSummary, Prepayment } from './service.js'
export {
  cancelOrder,
  createOrder,
  getOrder,
  listOrders,
  markOrderPrepaid,
  updateOrder,
} from './service.js'
export type { NewShipment, Shipment, ShipmentFilter } from './shipments.js'
export { createShipment, deliverShipment, getShipment, listShipments } from './shipments.js'
export type { OrderStatus, ShipmentStatus, VatCategory } from './tables.js'
export type { UninvoicedFilter, UninvoicedShipmentLine } from './uninvoiced.js'
export { closeOrder, recordInvoicedQuantities, uninvoicedShipmentLines } from './uninvoiced.js'

async function routes(app: FastifyInstance): Promise<void> {
  await orderRoutes(app)
  await shipmentRoutes(app)
}

export const ordersModule: O2cModule = { name: 'orders', routes, commands: orderCommands }
