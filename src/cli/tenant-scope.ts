import { userInfo } from 'node:os'
import { domainError } from '../core/errors.js'
import { type Ctx, inTenant, type TenantScope } from '../db/context.js'
import { findTenant } from '../modules/auth/service.js'
import type { Platform } from '../platform.js'

// A CLI command acts as the person at the terminal; the audit trail names them so.
export function cliActorName(): string {
  let name = 'unknown'
  try {
    name = userInfo().username
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `cli:${name}`
}

export async function tenantScope(platform: Platform, slug: string): Promise<TenantScope> {
  const tenant = await findTenant(platform.store, slug)
  if (!tenant) {
    throw domainError('tenant.unknown', `No tenant "${slug}" (see o2c tenants list)`, {
      tenant: slug,
    })
  }
  return {
    tenantId: tenant.tenantId,
    timeZone: tenant.timeZone,
    actor: { type: 'system', id: null, name: cliActorName() },
  }
}

/** Runs one unit of work for a tenant given by slug. */
export async function inCliTenant<T>(
  platform: Platform,
  slug: string,
  work: (ctx: Ctx) => Promise<T>,
): Promise<T> {
  return inTenant(platform.store, await tenantScope(platform, slug), work, platform.clock)
}
