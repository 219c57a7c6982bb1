import { expect, test } from 'vitest'
import { readBankFileWhole } from './index.js'

// camt as some banks write it beyond the shared fixtures: a namespace prefix, ISO-8859-1 text,
// a CDATA section. The element names are what counts, not how the XML spells them.

function camt053(body: string, prefix = '', declaration = 'UTF-8'): string {
  const p = prefix ? `${prefix}:` : ''
  const xmlns = prefix ? `xmlns:${prefix}` : 'xmlns'
  return `<?xml version="1.0" encoding="${declaration}"?>
<${p}Document ${xmlns}="urn:iso:std:iso:20022:tech:xsd:camt.053.001.10"><${p}BkToCstmrStmt><${p}Stmt>
<${p}Id>S-1</${p}Id><${p}Acct><${p}Id><${p}IBAN>NL02ABNA0123456789</${p}IBAN></${p}Id></${p}Acct>
<${p}Ntry><${p}Amt Ccy="EUR">10</${p}Amt><${p}CdtDbtInd>CRDT</${p}CdtDbtInd>
<${p}NtryDtls><${p}TxDtls><${p}RltdPties><${p}Dbtr><${p}Pty><${p}Nm>${body}</${p}Nm></${p}Pty></${p}Dbtr></${p}RltdPties>
</${p}TxDtls></${p}NtryDtls></${p}Ntry></${p}Stmt></${p}BkToCstmrStmt></${p}Document>`
}

async function* bytes(content: Buffer) {
  yield content
}

test('a prefixed namespace (ns2:Document) reads like the default one', async () => {
  const read = await readBankFileWhole(bytes(Buffer.from(camt053('Café Noord', 'ns2'))))
  expect(read.format).toBe('camt.053.001.10')
  expect(read.statements[0]).toMatchObject({
    id: 'S-1',
    account: { iban: 'NL02ABNA0123456789', currency: 'EUR' },
    balance_check: 'not_applicable',
  })
  expect(read.statements[0].entries[0]).toMatchObject({
    amount: '10.00',
    sign: 'C',
    counterparty: { name: 'Café Noord' },
  })
})

test('an ISO-8859-1 file keeps its accents', async () => {
  const file = Buffer.from(camt053('Müller &amp; Söhne', '', 'ISO-8859-1'), 'latin1')
  const read = await readBankFileWhole(bytes(file))
  expect(read.statements[0].entries[0].counterparty.name).toBe('Müller & Söhne')
})

test('CDATA text is text', async () => {
  const read = await readBankFileWhole(bytes(Buffer.from(camt053('<![CDATA[A & B <BV>]]>'))))
  expect(read.statements[0].entries[0].counterparty.name).toBe('A & B <BV>')
})
