import { sql } from 'kysely'
import { domainError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import type { Ctx } from '../../db/context.js'
import {
  type CsvSource,
  checkCreditLimit,
  type ImportColumn,
  type RowProblem,
  readCustomerCsv,
} from './csv-rows.js'

// The first pass over an import file: every row is checked and nothing is written, so that
// a file with one bad row is refused whole (or, with skip-invalid, its bad rows are known
// before the first write). What the second pass needs is kept compactly: the line of each
// customer number, the rejected lines with their problems, and the ids of the parents.

// One import holds an index entry per row (number → line, ~100 bytes); a million rows is
// ~100 MB and several minutes of work, which is as much as one transaction should take.
export const importRowsMax = 1_000_000
// Problems kept for the report; past this the file is wrong throughout and more lines of
// the same mistakes help no one. Every rejected line is still counted and skipped.
export const importProblemsReportedMax = 10_000
// Numbers looked up in the store per query while checking (credit-limit currencies, parents).
const lookupBatchMax = 5_000

export type ImportProblem = {
  line: number
  customerNumber: string | null
  column: ImportColumn | null
  message: string
}

export type ImportPlan = {
  rows: number
  /** Lines refused, whatever the reason; the second pass skips them. */
  rejectedLines: Set<number>
  problems: ImportProblem[]
  problemsTruncated: boolean
  /** The line of each valid row, by customer number. */
  lineOf: Map<string, number>
  /** The id of every customer a row names as parent: existing, or given now to a new one. */
  parentIds: Map<string, string>
  /** Parents that are new rows of this file, with their line (a child before them waits). */
  newParentLines: Map<string, number>
}

export type CheckingProgress = (rowsChecked: number) => void

export async function planImport(
  ctx: Ctx,
  source: CsvSource,
  onProgress?: CheckingProgress,
): Promise<ImportPlan> {
  const plan: ImportPlan = {
    rows: 0,
    rejectedLines: new Set(),
    problems: [],
    problemsTruncated: false,
    lineOf: new Map(),
    parentIds: new Map(),
    newParentLines: new Map(),
  }
  const reject = (line: number, number: string | null, problems: RowProblem[]) => {
    plan.rejectedLines.add(line)
    if (number !== null && plan.lineOf.get(number) === line) plan.lineOf.delete(number)
    for (const problem of problems) {
      if (plan.problems.length >= importProblemsReportedMax) plan.problemsTruncated = true
      else plan.problems.push({ line, customerNumber: number, ...problem })
    }
  }
  // Every number seen, valid or not, so that a second row for one customer is refused.
  const firstLineOf = new Map<string, number>()
  const parentOf = new Map<string, string>()
  let parentColumn = false
  let pendingCurrency: Array<{ line: number; number: string; creditLimit: string }> = []

  for await (const parsed of readCustomerCsv(source, (header) => {
    parentColumn = header.columns.includes('parent_customer_number')
  })) {
    plan.rows++
    if (plan.rows > importRowsMax) {
      throw domainError(
        'customers.import_too_large',
        `The file has more than ${importRowsMax} rows; split it into several imports`,
        { rowsMax: importRowsMax },
      )
    }
    if (plan.rows % 1_000 === 0) onProgress?.(plan.rows)
    const number = parsed.number
    const earlier = number === null ? undefined : firstLineOf.get(number)
    if (number !== null && earlier === undefined) firstLineOf.set(number, parsed.line)
    if (parsed.problems) {
      reject(parsed.line, number, parsed.problems)
      continue
    }
    const row = parsed.row
    if (earlier !== undefined) {
      reject(row.line, row.number, [
        { column: 'customer_number', message: `${row.number} is on line ${earlier} already` },
      ])
      continue
    }
    plan.lineOf.set(row.number, row.line)
    if (row.parentNumber) parentOf.set(row.number, row.parentNumber)
    if (row.creditLimit !== undefined && row.creditLimitMinor === undefined) {
      pendingCurrency.push({ line: row.line, number: row.number, creditLimit: row.creditLimit })
      if (pendingCurrency.length >= lookupBatchMax) {
        await checkCreditLimitsInOwnCurrency(ctx, pendingCurrency, reject)
        pendingCurrency = []
      }
    }
  }
  await checkCreditLimitsInOwnCurrency(ctx, pendingCurrency, reject)
  onProgress?.(plan.rows)
  if (parentColumn && parentOf.size > 0)
    await resolveParents(ctx, plan, parentOf, firstLineOf, reject)
  plan.problems.sort((a, b) => a.line - b.line)
  return plan
}

type Reject = (line: number, number: string | null, problems: RowProblem[]) => void

/** A credit limit without a currency in its row is in the customer's currency (or EUR). */
async function checkCreditLimitsInOwnCurrency(
  ctx: Ctx,
  rows: Array<{ line: number; number: string; creditLimit: string }>,
  reject: Reject,
): Promise<void> {
  if (rows.length === 0) return
  const found = await sql<{ number: string; currency: string }>`
    select c.number, c.currency
    from unnest(${rows.map((r) => r.number)}::text[]) as wanted(number)
    join lateral (
      select number, currency from customer
      where tenant_id = ${ctx.tenantId} and number = wanted.number
    ) c on true`.execute(ctx.db)
  const currencyOf = new Map(found.rows.map((r) => [r.number, r.currency]))
  for (const row of rows) {
    const problem = checkCreditLimit(row.creditLimit, currencyOf.get(row.number) ?? 'EUR')
    if (problem) reject(row.line, row.number, [problem])
  }
}

/**
 * Every parent must be a valid row of the file or a customer in o2c, and no group may
 * become a circle once the file's parents replace the stored ones. Rows refused here can
 * orphan their children in turn, so this runs until nothing more is refused.
 */
async function resolveParents(
  ctx: Ctx,
  plan: ImportPlan,
  parentOf: Map<string, string>,
  firstLineOf: Map<string, number>,
  reject: Reject,
): Promise<void> {
  const stored = await storedAncestors(ctx, [...new Set(parentOf.values())])
  const valid = (number: string) => plan.lineOf.has(number)
  const refuse = (child: string, message: string) => {
    reject(plan.lineOf.get(child) ?? 0, child, [{ column: 'parent_customer_number', message }])
    parentOf.delete(child)
  }
  const childrenOf = new Map<string, string[]>()
  for (const [child, parent] of parentOf) {
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), child])
  }

  // A parent that is neither a row we keep nor a stored customer orphans its children.
  let orphaned = [...parentOf.keys()]
  const settleOrphans = () => {
    while (orphaned.length > 0) {
      const next: string[] = []
      for (const child of orphaned) {
        const parent = parentOf.get(child)
        if (!parent || !valid(child) || valid(parent) || stored.idOf.has(parent)) continue
        const parentLine = firstLineOf.get(parent)
        refuse(
          child,
          parentLine === undefined
            ? `no customer ${parent} in o2c or in this file`
            : `${parent} cannot be the parent: its row (line ${parentLine}) was refused`,
        )
        // The child is refused; unless it is stored, its own children lose their parent.
        if (!stored.idOf.has(child)) next.push(...(childrenOf.get(child) ?? []))
      }
      orphaned = next
    }
  }
  settleOrphans()

  // The parent a customer will have: the file's word for the rows we keep, the stored one
  // for everything else.
  const parentAfterImport = (number: string): string | undefined =>
    valid(number) ? parentOf.get(number) : stored.parentOf.get(number)
  for (;;) {
    const circles = findCircles([...parentOf.keys()].filter(valid), parentAfterImport)
    // A circle always has a row of the file in it (the stored groups have none), and each
    // round refuses those rows, so this ends.
    const members = circles.flatMap((circle) => circle.filter(valid))
    if (members.length === 0) break
    for (const circle of circles) {
      for (const member of circle.filter(valid)) {
        refuse(member, `would make the group a circle: ${[...circle, circle[0]].join(' → ')}`)
        orphaned.push(...(childrenOf.get(member) ?? []))
      }
    }
    settleOrphans()
  }

  for (const parent of new Set(parentOf.values())) {
    const storedId = stored.idOf.get(parent)
    if (storedId) plan.parentIds.set(parent, storedId)
    else {
      plan.parentIds.set(parent, newId())
      plan.newParentLines.set(parent, plan.lineOf.get(parent) ?? 0)
    }
  }
}

/**
 * The circles in a graph where each node has at most one parent: walk up from each start,
 * stamping nodes with the start; meeting one's own stamp again closes a circle.
 */
export function findCircles(
  starts: string[],
  parentOf: (node: string) => string | undefined,
): string[][] {
  const stampOf = new Map<string, number>()
  const circles: string[][] = []
  starts.forEach((start, stamp) => {
    const path: string[] = []
    let node: string | undefined = start
    while (node !== undefined && !stampOf.has(node)) {
      stampOf.set(node, stamp)
      path.push(node)
      node = parentOf(node)
    }
    if (node !== undefined && stampOf.get(node) === stamp) {
      circles.push(path.slice(path.indexOf(node)))
    }
  })
  return circles
}

type StoredAncestors = { idOf: Map<string, string>; parentOf: Map<string, string> }

/** The stored customers with these numbers and every stored company above them. */
async function storedAncestors(ctx: Ctx, numbers: string[]): Promise<StoredAncestors> {
  const idOf = new Map<string, string>()
  const parentOf = new Map<string, string>()
  for (let start = 0; start < numbers.length; start += lookupBatchMax) {
    // Lookups by the unique keys, one per number (see storedCustomers in import-customers.ts).
    const result = await sql<{ id: string; number: string; parentNumber: string | null }>`
      with recursive up (id, number, parent_id, depth) as (
        select c.id, c.number, c.parent_id, 0
        from unnest(${numbers.slice(start, start + lookupBatchMax)}::text[]) as wanted(number)
        join lateral (
          select id, number, parent_id from customer
          where tenant_id = ${ctx.tenantId} and number = wanted.number
        ) c on true
        union
        select p.id, p.number, p.parent_id, up.depth + 1
        from up join lateral (
          select id, number, parent_id from customer
          where tenant_id = ${ctx.tenantId} and id = up.parent_id
        ) p on true
        where up.depth < 100
      )
      select up.id, up.number, p.number as parent_number from up
      left join lateral (
        select number from customer where tenant_id = ${ctx.tenantId} and id = up.parent_id
      ) p on true`.execute(ctx.db)
    for (const row of result.rows) {
      idOf.set(row.number, row.id)
      if (row.parentNumber) parentOf.set(row.number, row.parentNumber)
    }
  }
  return { idOf, parentOf }
}
