import type { Ctx } from '../../../db/context.js'
import type { RenderedMessage } from '../contracts.js'

// OWNED BY messages/ — a placeholder with the contract's signature until templates land.

/** Renders a stored dunning message (dunning_message row) with its template and items. */
export async function renderDunningMessage(ctx: Ctx, messageId: string): Promise<RenderedMessage> {
  const message = await ctx.db
    .selectFrom('dunningMessage')
    .select(['templateKey', 'itemCount', 'currency', 'openMinor'])
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', messageId)
    .executeTakeFirstOrThrow()
  const text = `${message.templateKey}: ${message.itemCount} item(s), ${message.currency} ${message.openMinor} open`
  return { subject: message.templateKey, text }
}

/**
 * Renders the letters of a run into one PDF for the printer (dunning_print_batch) and points
 * each letter message at it. Undefined when the run has no letters.
 */
export async function buildPrintBatch(
  _ctx: Ctx,
  _runId: string,
): Promise<{ batchId: string; letterCount: number } | undefined> {
  return undefined
}
