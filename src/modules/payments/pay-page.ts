import QRCode from 'qrcode'
import { inTenant } from '../../db/context.js'
import type { Platform } from '../../platform.js'
import { recordAudit } from '../audit/index.js'
import { epcPayload, renderInvoicePdf } from '../documents/index.js'
import {
  documentLook,
  getInvoice,
  loadInvoiceDocument,
  openAmount,
  recordInvoiceStep,
} from '../invoicing/index.js'
import { paymentProviderSettings, publicScope } from './checkout.js'
import { isGenuinePayToken, type PayToken, payPageUrlOfToken } from './pay-link.js'

// What the pay page shows, and the 'opened' step a visit puts on the invoice's timeline.

export type PayPage = {
  language: 'nl' | 'en'
  sellerName: string
  number: string
  issueDate: string
  dueDate: string | null
  currency: string
  payableMinor: bigint
  openMinor: bigint
  paymentReference: string
  bank: { iban: string; bic: string | null; name: string } | null
  /** The EPC QR code as an SVG data: URL, when the transfer can be one (EUR, something open). */
  qrCodeDataUrl: string | null
  canPayOnline: boolean
  /** The newest checkout's status, to tell a returning customer where their payment is. */
  lastCheckoutStatus: string | null
}

// A visit goes on the timeline at most once a minute per invoice: a customer reloading the
// page, or a mail scanner following the link twice, is one "opened".
const openedStepIntervalMs = 60_000

/** The pay page of a genuine token, after recording the visit; undefined for a bad token. */
export async function visitPayPage(
  platform: Platform,
  token: PayToken,
): Promise<PayPage | undefined> {
  const scope = await publicScope(platform, token.tenantId, 'pay page')
  if (!scope) return undefined
  const page = await inTenant(
    platform.store,
    scope,
    async (ctx) => {
      if (!(await isGenuinePayToken(ctx, token))) return undefined
      const open = await openAmount(ctx, token.invoiceId)
      const invoice = await getInvoice(ctx, token.invoiceId)
      const seller = invoice.seller
      const account = seller?.payeeAccount
      const bank = account?.iban
        ? { iban: account.iban, bic: account.bic ?? null, name: account.name ?? seller?.name ?? '' }
        : null
      const provider = await paymentProviderSettings(ctx)
      const lastCheckout = await ctx.db
        .selectFrom('checkout')
        .select('status')
        .where('invoiceId', '=', token.invoiceId)
        .orderBy('createdAt', 'desc')
        .executeTakeFirst()

      const recorded = await ctx.db
        .insertInto('payPageVisit')
        .values({ tenantId: ctx.tenantId, invoiceId: token.invoiceId, recordedAt: ctx.now })
        .onConflict((oc) =>
          oc
            .columns(['tenantId', 'invoiceId'])
            .doUpdateSet({ recordedAt: ctx.now })
            .where(
              'payPageVisit.recordedAt',
              '<=',
              new Date(ctx.now.getTime() - openedStepIntervalMs),
            ),
        )
        .returning('invoiceId')
        .executeTakeFirst()
      if (recorded) {
        await recordInvoiceStep(ctx, token.invoiceId, 'opened', { channel: 'pay_page' })
        await recordAudit(ctx, {
          entityType: 'invoice',
          entityId: token.invoiceId,
          action: 'pay_page_opened',
          after: { opened_at: ctx.now.toISOString() },
        })
      }
      const payment = bank
        ? epcPayload({
            name: bank.name,
            iban: bank.iban,
            bic: bank.bic ?? undefined,
            amountMinor: open.openMinor,
            currency: open.currency,
            reference: invoice.paymentReference ?? open.number,
          })
        : undefined
      return {
        language: invoice.language,
        sellerName: seller?.tradingName ?? seller?.name ?? '',
        number: open.number,
        issueDate: invoice.issueDate ?? '',
        dueDate: invoice.dueDate,
        currency: open.currency,
        payableMinor: open.payableMinor,
        openMinor: open.openMinor,
        paymentReference: invoice.paymentReference ?? '',
        bank,
        epc: payment,
        canPayOnline: provider.provider !== null && open.openMinor > 0n,
        lastCheckoutStatus: lastCheckout?.status ?? null,
      }
    },
    platform.clock,
  )
  if (!page) return undefined
  const { epc, ...rest } = page
  // Error correction M, as EPC069-12 prescribes.
  const qrCodeDataUrl = epc
    ? `data:image/svg+xml;base64,${Buffer.from(
        await QRCode.toString(epc, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 }),
      ).toString('base64')}`
    : null
  return { ...rest, qrCodeDataUrl }
}

/** The invoice's PDF for the pay page's download link; undefined for a bad token. */
export async function payPagePdf(
  platform: Platform,
  token: PayToken,
): Promise<{ pdf: Uint8Array; number: string } | undefined> {
  const scope = await publicScope(platform, token.tenantId, 'pay page')
  if (!scope) return undefined
  const loaded = await inTenant(
    platform.store,
    scope,
    async (ctx) => {
      if (!(await isGenuinePayToken(ctx, token))) return undefined
      const document = await loadInvoiceDocument(ctx, token.invoiceId)
      const look = await documentLook(ctx)
      return {
        document: { ...document, paymentLink: payPageUrlOfToken(token) },
        look,
      }
    },
    platform.clock,
  )
  if (!loaded) return undefined
  // Rendering needs no database: it runs after the transaction.
  return {
    pdf: await renderInvoicePdf(loaded.document, loaded.look),
    number: loaded.document.number,
  }
}
