import { fixtureDocuments } from '../src/modules/einvoice/fixtures.js'
import { renderCii, renderFacturX, renderUbl } from '../src/modules/einvoice/index.js'
import { samplePdf } from '../test/pdf-inspect.js'
import type { Benchmark, Figure } from './harness.js'

// E-invoices rendered per second, one process, one document after the other: UBL (Peppol BIS
// 3.0), CII (EN 16931) and Factur-X (a one-page pdfkit PDF made PDF/A-3 with the CII inside).
// The renderers are pure, so the store is not used; the figures are the same on both stores
// and the bench runs only once (on PGlite).

const documentsPerFormat = Number(process.env.BENCH_EINVOICES ?? 2_000)

export const einvoiceRender: Benchmark = {
  name: 'e-invoice rendering',
  async run(store) {
    if (store.kind !== 'pglite') return []
    const documents = Object.values(fixtureDocuments)
    const pdf = await samplePdf('Invoice')
    const formats = [
      {
        name: 'UBL',
        count: documentsPerFormat,
        render: (i: number) => renderUbl(documents[i % documents.length]),
      },
      {
        name: 'CII',
        count: documentsPerFormat,
        render: (i: number) => renderCii(documents[i % documents.length]),
      },
      {
        name: 'Factur-X',
        count: Math.ceil(documentsPerFormat / 10),
        render: (i: number) => renderFacturX(documents[i % documents.length], pdf),
      },
    ]
    const figures: Figure[] = []
    for (const format of formats) {
      for (let i = 0; i < 50; i++) await format.render(i) // warm up
      const started = process.hrtime.bigint()
      for (let i = 0; i < format.count; i++) await format.render(i)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      figures.push({
        measure: `${format.name} documents rendered (${format.count})`,
        value: format.count / seconds,
        unit: 'documents/s',
      })
    }
    return figures
  },
}
