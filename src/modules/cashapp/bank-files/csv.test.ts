import { describe, expect, test } from 'vitest'
import { BankFileError, type CsvMapping, csvMappingSchema, readBankFileWhole } from './index.js'

// CSV exports as a Dutch bank's internet banking writes them, read with the mapping a clerk
// saves once per bank account.

async function* file(content: string) {
  yield Buffer.from(content, 'utf8')
}

const rabobankCsv = [
  '"IBAN/BBAN","Munt","BIC","Volgnr","Datum","Rentedatum","Bedrag","Saldo na trn","Tegenrekening IBAN/BBAN","Naam tegenpartij","Naam uiteindelijke partij","Naam initiërende partij","BIC tegenpartij","Code","Batch ID","Transactiereferentie","Machtigingskenmerk","Incassant ID","Betalingskenmerk","Omschrijving-1","Omschrijving-2","Omschrijving-3","Reden retour","Oorspr bedrag","Oorspr munt","Koers"',
  '"NL11RABO0104955555","EUR","RABONL2U","000000000000004212","2024-03-01","2024-03-01","+1210,00","+15480,12","NL91ABNA0417164300","Bakkerij De Korenschoof B.V.","","","ABNANL2A","cb","","INV-2024-0042-E2E","","","","Factuur 2024-0042","","","","","",""',
  '"NL11RABO0104955555","EUR","RABONL2U","000000000000004213","2024-03-01","2024-03-04","-45,50","+15434,62","NL20INGB0001234567","KPN B.V.","","","INGBNL2A","id","","E2E-KPN-88123","KPN-MND-0042","NL12ZZZ000000000000","","Abonnement maart","klantnr 123456","","","","",""',
  '',
].join('\r\n')

const rabobankMapping: CsvMapping = csvMappingSchema.parse({
  account: { iban: 'NL11RABO0104955555', currency: 'EUR' },
  delimiter: ',',
  dateFormat: 'YYYY-MM-DD',
  decimalSeparator: ',',
  columns: {
    bookingDate: 'Datum',
    valueDate: 'Rentedatum',
    amount: 'Bedrag',
    currency: 'Munt',
    counterpartyName: 'Naam tegenpartij',
    counterpartyIban: 'Tegenrekening IBAN/BBAN',
    remittance: ['Omschrijving-1', 'Omschrijving-2', 'Omschrijving-3'],
    endToEndId: 'Transactiereferentie',
    bankReference: 'Volgnr',
  },
  sign: { kind: 'minus' },
})

const ingCsv = [
  '"Datum";"Naam / Omschrijving";"Rekening";"Tegenrekening";"Code";"Af Bij";"Bedrag (EUR)";"Mutatiesoort";"Mededelingen";"Saldo na mutatie";"Tag"',
  '"20240301";"Groothandel Jansen BV";"NL69INGB0123456789";"NL44RABO0123456789";"OV";"Bij";"605,00";"Overschrijving";"Naam: Groothandel Jansen BV Omschrijving: INV-2024-0042 IBAN: NL44RABO0123456789 Valutadatum: 01-03-2024";"12345,67";""',
  '"20240302";"Belastingdienst";"NL69INGB0123456789";"NL86INGB0002445588";"IC";"Af";"1.250,00";"Incasso";"Naam: Belastingdienst Omschrijving: aanslag 1234.56.789.H.01";"11095,67";""',
  '',
].join('\n')

const ingMapping: CsvMapping = csvMappingSchema.parse({
  account: { iban: 'NL69INGB0123456789', currency: 'EUR' },
  delimiter: ';',
  dateFormat: 'YYYYMMDD',
  decimalSeparator: ',',
  columns: {
    bookingDate: 'Datum',
    amount: 'Bedrag (EUR)',
    counterpartyName: 'Naam / Omschrijving',
    counterpartyIban: 'Tegenrekening',
    remittance: ['Mededelingen'],
  },
  sign: { kind: 'column', column: 'Af Bij', credit: 'Bij', debit: 'Af' },
})

const noParty = { name: null, iban: null, bic: null }

describe('CSV with a column mapping', () => {
  test('a Rabobank export: sign by a leading minus, three description columns', async () => {
    const read = await readBankFileWhole(file(rabobankCsv), {
      csvMapping: rabobankMapping,
      fileName: 'CSV_A_20240304.csv',
    })
    expect(read.format).toBe('csv')
    expect(read.statements).toHaveLength(1)
    const [statement] = read.statements
    expect(statement).toMatchObject({
      id: 'CSV_A_20240304.csv',
      account: { iban: 'NL11RABO0104955555', number: null, currency: 'EUR' },
      opening_balance: null,
      closing_balance: null,
      balance_check: 'not_applicable',
    })
    expect(statement.entries).toEqual([
      expect.objectContaining({
        booking_date: '2024-03-01',
        value_date: '2024-03-01',
        amount: '1210.00',
        currency: 'EUR',
        sign: 'C',
        bank_reference: '000000000000004212',
        end_to_end_id: 'INV-2024-0042-E2E',
        counterparty: {
          name: 'Bakkerij De Korenschoof B.V.',
          iban: 'NL91ABNA0417164300',
          bic: null,
        },
        remittance: { unstructured: 'Factuur 2024-0042', structured_reference: null },
      }),
      expect.objectContaining({
        value_date: '2024-03-04',
        amount: '45.50',
        sign: 'D',
        remittance: { unstructured: 'Abonnement maart klantnr 123456', structured_reference: null },
      }),
    ])
  })

  test('an ING export: sign by the Af/Bij column, thousands grouped with a dot', async () => {
    const read = await readBankFileWhole(file(ingCsv), { csvMapping: ingMapping })
    const entries = read.statements[0].entries
    expect(entries.map((entry) => [entry.booking_date, entry.sign, entry.amount])).toEqual([
      ['2024-03-01', 'C', '605.00'],
      ['2024-03-02', 'D', '1250.00'],
    ])
    expect(entries[0].value_date).toBeNull()
    expect(entries[1].counterparty).toEqual({
      ...noParty,
      name: 'Belastingdienst',
      iban: 'NL86INGB0002445588',
    })
  })

  test('a row that breaks the mapping is refused with its line and column', async () => {
    const broken = ingCsv.replace('"20240302"', '"2024-03-02"')
    const refusal = await readBankFileWhole(file(broken), { csvMapping: ingMapping }).catch(
      (error) => error,
    )
    expect(refusal).toBeInstanceOf(BankFileError)
    expect(refusal.place).toMatchObject({ line: 3, column: 1, element: 'Datum', entry: 1 })
    expect(refusal.message).toContain("'2024-03-02' is not a YYYYMMDD date")
  })

  test('an export without a mapped column is refused naming the column', async () => {
    const refusal = await readBankFileWhole(file(ingCsv.replace('"Af Bij"', '"Richting"')), {
      csvMapping: ingMapping,
    }).catch((error) => error)
    expect(refusal).toBeInstanceOf(BankFileError)
    expect(refusal.message).toContain("'Af Bij'")
  })

  test('an amount that is no decimal is refused', async () => {
    const refusal = await readBankFileWhole(file(ingCsv.replace('"605,00"', '"6O5,00"')), {
      csvMapping: ingMapping,
    }).catch((error) => error)
    expect(refusal.place).toMatchObject({ line: 2, element: 'Bedrag (EUR)' })
  })
})
