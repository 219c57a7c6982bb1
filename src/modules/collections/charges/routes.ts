import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { formatAmount } from '../../../core/money.js'
import { idParam, problemReplies } from '../../../http/schemas.js'
import { write } from '../../../http/unit-of-work.js'
import { reverseCollectionCharge } from './reverse.js'

// POST /v1/collection-charges/{id}/reverse: a collector takes a charge back (collections.write).

const reversalOut = z.object({
  id: z.uuid().describe('the reversal: a charge with the opposite amount'),
  reverses_charge_id: z.uuid(),
  invoice_id: z.uuid(),
  kind: z.enum(['collection_costs', 'interest']),
  amount: z.string(),
  currency: z.string(),
  charged_on: z.string(),
  journal_entry_id: z.uuid(),
})

export async function chargeRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>()
  r.post(
    '/collection-charges/:id/reverse',
    {
      config: { permission: 'collections.write' },
      schema: {
        summary: 'Take back collection costs or interest: a reversing charge and journal entry',
        tags: ['collections'],
        params: idParam,
        body: z.object({ reason: z.string().min(1).max(500) }),
        response: { 200: reversalOut, ...problemReplies },
      },
    },
    (request, reply) =>
      write(request, reply, 200, async (ctx) => {
        const done = await reverseCollectionCharge(ctx, request.params.id, request.body.reason)
        return {
          id: done.id,
          reverses_charge_id: done.reversesChargeId,
          invoice_id: done.invoiceId,
          kind: done.kind,
          amount: formatAmount(done.amountMinor, done.currency),
          currency: done.currency,
          charged_on: done.chargedOn,
          journal_entry_id: done.journalEntryId,
        }
      }),
  )
}
