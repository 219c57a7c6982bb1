import type { O2cModule } from '../../platform.js'
import { auditCommands } from './commands.js'
import { auditRoutes } from './routes.js'

export type { AuditEntry, AuditEvent } from './service.js'
export {
  auditTrail,
  recordAudit,
  recordAuditBatch,
  startAuditChain,
  verifyAuditTrail,
} from './service.js'

export const auditModule: O2cModule = {
  name: 'audit',
  routes: auditRoutes,
  commands: auditCommands,
}
