import type { ColumnType } from 'kysely'

export type InvoicingTables = {
  /** One counter per tenant, series and fiscal year: the last invoice number given out. */
  invoiceNumberSeries: {
    tenantId: string
    series: string
    fiscalYear: number
    /** Tokens {series}, {year}, {seq}, {seq:N}; see numbering.ts. */
    format: ColumnType<string, string | undefined, string>
    lastNumber: ColumnType<bigint, bigint | number | undefined, bigint | number>
  }
}
