// Who may do what, kept as data: one row per role, one column per permission. The roles are
// the personas of DESIGN.md plus admin and read-only. A permission is "area.verb"; a route
// names the one it needs, and a test walks this table against the routes.

export const roles = [
  'admin',
  'read_only',
  'o2c_director',
  'credit_analyst',
  'order_coordinator',
  'billing_specialist',
  'collector',
  'dispute_manager',
  'cash_application_specialist',
  'recovery_specialist',
] as const

export type Role = (typeof roles)[number]

export const permissions = [
  'customers.read',
  'customers.write',
  'credit.read',
  'credit.write',
  'credit.decide',
  'orders.read',
  'orders.write',
  'shipments.read',
  'shipments.write',
  'invoices.read',
  'invoices.write',
  'payments.read',
  'payments.record',
  'bank.read',
  'bank.import',
  'cashapp.apply',
  // Collections (issue 7): dunning templates, runs and their letters, charges.
  'collections.read',
  'collections.write',
  'ledger.read',
  'ledger.write',
  'audit.read',
  'webhooks.manage',
  'users.manage',
] as const

export type Permission = (typeof permissions)[number]

const readAll = permissions.filter((p) => p.endsWith('.read'))

// What each role may do beyond reading customers, orders and shipments (everyone reads those:
// a collector must see the order behind an invoice, a credit analyst the orders on hold).
const matrix: Record<Role, readonly Permission[]> = {
  admin: permissions,
  read_only: readAll,
  o2c_director: [...readAll],
  credit_analyst: ['customers.write', 'credit.read', 'credit.write', 'credit.decide', 'audit.read'],
  order_coordinator: ['customers.write', 'orders.write', 'shipments.write', 'credit.read'],
  billing_specialist: [
    'customers.write',
    'credit.read',
    'invoices.read',
    'invoices.write',
    'payments.read',
    'ledger.read',
    'ledger.write',
  ],
  // A collector sees the bank entries, to tell a customer who says they paid what arrived.
  collector: [
    'credit.read',
    'invoices.read',
    'payments.read',
    'bank.read',
    'collections.read',
    'collections.write',
  ],
  dispute_manager: ['credit.read', 'invoices.read', 'invoices.write', 'collections.read'],
  cash_application_specialist: [
    'invoices.read',
    'payments.read',
    'payments.record',
    'bank.read',
    'bank.import',
    // Accept, reject, re-match, apply and un-apply bank transactions: moving cash onto
    // invoices is a person's judgement, apart from importing files (a bank's sync may hold
    // bank.import and never decide whose money it is).
    'cashapp.apply',
    'ledger.read',
  ],
  recovery_specialist: ['credit.read', 'invoices.read', 'payments.read', 'collections.read'],
}

const baseline: readonly Permission[] = ['customers.read', 'orders.read', 'shipments.read']

export function isRole(text: string): text is Role {
  return (roles as readonly string[]).includes(text)
}

export function rolePermissions(role: Role): ReadonlySet<Permission> {
  return new Set([...baseline, ...matrix[role]])
}

export function roleMay(role: Role, permission: Permission): boolean {
  return rolePermissions(role).has(permission)
}
