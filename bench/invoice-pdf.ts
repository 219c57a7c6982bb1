import { renderInvoicePdf } from '../src/modules/documents/index.js'
import { catalogueLine, invoiceDocument, logoPng, look } from '../test/invoice-documents.js'
import type { Benchmark, Figure } from './harness.js'

// Invoice PDFs rendered per second: a 10-line Dutch invoice with a logo, a VAT summary, an
// early-payment discount, the payment link and the EPC QR code, rendered one after another
// in this process (one core). Rendering is a pure function of the document and never
// touches the store, so it is measured once, on the PGlite pass, and skipped on PostgreSQL.
// Also: how long the 500-line invoice of the tests takes.

const renders = Number(process.env.BENCH_PDFS ?? 1_000)

export const invoicePdf: Benchmark = {
  name: 'invoice pdf (no store)',
  async run(store) {
    if (store.kind !== 'pglite') return []
    const withLogo = { ...look, logo: { data: logoPng(), mediaType: 'image/png' as const } }
    const short = invoiceDocument({
      lines: Array.from({ length: 10 }, (_, i) => catalogueLine(i + 1)),
      terms: {
        netDays: 30,
        discount: {
          percent: { units: 2n, scale: 0 },
          days: 10,
          dueDate: '2026-12-05',
          amountMinor: 1_000n,
        },
      },
      extra: { paymentLink: 'https://pay.example.com/i/abc123', note: 'Dank voor uw bestelling.' },
    })
    const long = invoiceDocument({
      lines: Array.from({ length: 500 }, (_, i) => catalogueLine(i + 1)),
    })
    // Warm up: JIT, the font metrics, the QR code library.
    for (let i = 0; i < 50; i++) await renderInvoicePdf(short, withLogo)

    const latencies: number[] = []
    let bytes = 0
    const started = process.hrtime.bigint()
    for (let i = 0; i < renders; i++) {
      const begin = process.hrtime.bigint()
      bytes = (await renderInvoicePdf(short, withLogo)).length
      latencies.push(Number(process.hrtime.bigint() - begin) / 1e6)
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    latencies.sort((a, b) => a - b)

    const longTimes: number[] = []
    let longBytes = 0
    for (let i = 0; i < 5; i++) {
      const begin = process.hrtime.bigint()
      longBytes = (await renderInvoicePdf(long, withLogo)).length
      longTimes.push(Number(process.hrtime.bigint() - begin) / 1e6)
    }
    longTimes.sort((a, b) => a - b)
    const figures: Figure[] = [
      { measure: '10-line invoice PDFs, one core', value: renders / seconds, unit: 'PDFs/s' },
      { measure: '10-line invoice p50', value: latencies[Math.floor(renders * 0.5)], unit: 'ms' },
      { measure: '10-line invoice p95', value: latencies[Math.floor(renders * 0.95)], unit: 'ms' },
      { measure: '10-line invoice size', value: bytes / 1024, unit: 'KB' },
      { measure: '500-line invoice (median of 5)', value: longTimes[2], unit: 'ms' },
      { measure: '500-line invoice size', value: longBytes / 1024, unit: 'KB' },
    ]
    return figures
  },
}
