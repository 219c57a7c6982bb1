import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, test } from 'vitest'
import { pdfParts } from '../../../test/pdf-inspect.js'
import { type TestTenant, testPlatform, testServer, testTenant } from '../../../test/support.js'
import { createInvoiceDraft, issueInvoice } from '../invoicing/index.js'
import {
  arrangeBillingSettings,
  arrangeCustomer,
  line,
  manualDraft,
} from '../invoicing/test-helpers.js'

// A billing specialist downloads what the customer got: the PDF, the UBL, the CII and the
// Factur-X file of an issued invoice, named after its number.

let app: FastifyInstance
let tenant: TestTenant
let invoice: { id: string; number: string | null }

beforeAll(async () => {
  const platform = await testPlatform()
  app = await testServer(platform)
  tenant = await testTenant(platform)
  invoice = await tenant.run(async (ctx) => {
    await arrangeBillingSettings(ctx)
    const customer = await arrangeCustomer(ctx)
    const draft = await createInvoiceDraft(
      ctx,
      manualDraft(customer.id, [line('WIDGET', '3', 1250n, 'S', '21')]),
    )
    return issueInvoice(ctx, draft.id)
  })
})

async function download(format: string, role: Parameters<TestTenant['key']>[0] = 'admin') {
  return app.inject({
    method: 'GET',
    url: `/v1/invoices/${invoice.id}/document?format=${format}`,
    headers: { authorization: `Bearer ${await tenant.key(role)}` },
  })
}

describe('GET /v1/invoices/{id}/document', () => {
  test('the UBL and the CII carry the number and the amount due', async () => {
    const ubl = await download('ubl')
    expect(ubl.statusCode).toBe(200)
    expect(ubl.headers['content-type']).toMatch(/^application\/xml/)
    expect(ubl.headers['content-disposition']).toBe(
      `attachment; filename="${invoice.number}.ubl.xml"`,
    )
    expect(ubl.body).toContain(`<cbc:ID>${invoice.number}</cbc:ID>`)
    expect(ubl.body).toMatch(/<cbc:PayableAmount currencyID="EUR">45.38<\/cbc:PayableAmount>/)
    const cii = await download('cii')
    expect(cii.statusCode).toBe(200)
    expect(cii.body).toContain(invoice.number)
    expect(cii.body).toMatch(/DuePayableAmount>45.38</)
  })

  test('the PDF is a PDF, and Factur-X embeds the CII as factur-x.xml', async () => {
    const pdf = await download('pdf')
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    const facturX = await download('factur-x')
    const parts = await pdfParts(new Uint8Array(facturX.rawPayload))
    const embedded = parts.files.find((f) => f.name === 'factur-x.xml')
    expect(embedded).toBeDefined()
    expect(Buffer.from(embedded!.bytes).toString()).toContain(invoice.number)
    expect(parts.metadata).toContain('EN 16931')
  })

  test('an unknown format is refused, and a collector may read but not without a key', async () => {
    expect((await download('docx')).statusCode).toBe(400)
    expect((await download('ubl', 'collector')).statusCode).toBe(200)
    const anonymous = await app.inject({
      method: 'GET',
      url: `/v1/invoices/${invoice.id}/document`,
    })
    expect(anonymous.statusCode).toBe(401)
  })
})
