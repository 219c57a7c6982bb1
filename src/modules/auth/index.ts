import type { O2cModule } from '../../platform.js'
import { authCommands } from './commands.js'
import './errors.js'
import { authRoutes } from './routes.js'

export {
  type Permission,
  permissions,
  type Role,
  roleMay,
  rolePermissions,
  roles,
} from './permissions.js'
export type { Principal, Tenant, User } from './service.js'
export {
  authenticate,
  countTenants,
  createApiKey,
  createTenant,
  createUser,
  findTenant,
  findUserByEmail,
} from './service.js'

export const authModule: O2cModule = { name: 'auth', routes: authRoutes, commands: authCommands }
