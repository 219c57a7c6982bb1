import type { O2cModule } from '../../platform.js'
import { authCommands } from './commands.js'
import './errors.js'
import { authRoutes } from './routes.js'

export {
  authenticate,
  countTenants,
  createApiKey,
  createTenant,
  createUser,
  findTenant,
  findUserByEmail,
} from './service.js'
export type { Principal, Tenant, User } from './service.js'
export { roles, roleMay, rolePermissions, permissions, type Role, type Permission } from './permissions.js'

export const authModule: O2cModule = { name: 'auth', routes: authRoutes, commands: authCommands }
