import type { O2cModule } from '../../platform.js'
import { auditCommands } from './commands.js'
import { auditRoutes } from './routes.js'

export { recordAudit, startAuditChain, verifyAuditTrail, auditTrail } from './service.js'
export type { AuditEntry, AuditEvent } from './service.js'

export const auditModule: O2cModule = { name: 'audit', routes: auditRoutes, commands: auditCommands }
