import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { readBankFile } from './index.js'

// A payment provider's day is a camt.053 of hundreds of MB. The reader holds only the entry it
// is reading, so memory stays flat however large the file: here 50 MB of entries are read
// while the process grows by less than 50 MB.

const folder = mkdtempSync(join(tmpdir(), 'o2c-camt-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

const fileBytesMin = 50 * 1024 * 1024
const rssGrowthMax = 50 * 1024 * 1024

function entryXml(index: number): string {
  return `
      <Ntry>
        <NtryRef>${index}</NtryRef>
        <Amt Ccy="EUR">12.50</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-02</Dt></BookgDt>
        <ValDt><Dt>2026-03-02</Dt></ValDt>
        <AcctSvcrRef>PSP-2026-03-02-${String(index).padStart(9, '0')}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>E2E-${index}</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">12.50</Amt></TxAmt></AmtDtls>
            <RltdPties>
              <Dbtr><Nm>Klant ${index} B.V.</Nm></Dbtr>
              <DbtrAcct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></DbtrAcct>
            </RltdPties>
            <RltdAgts><DbtrAgt><FinInstnId><BIC>ABNANL2A</BIC></FinInstnId></DbtrAgt></RltdAgts>
            <RmtInf><Ustrd>Factuur INV-2026-${String(index).padStart(7, '0')} klantnummer ${index}</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>`
}

async function writeLargeStatement(path: string): Promise<number> {
  writeFileSync(
    path,
    `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>LARGE</MsgId><CreDtTm>2026-03-02T23:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>LARGE-1</Id>
      <Acct><Id><IBAN>NL02ABNA0123456789</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-01</Dt></Dt></Bal>`,
  )
  let entries = 0
  while (statSync(path).size < fileBytesMin) {
    const batch: string[] = []
    for (let at = 0; at < 1000; at++) batch.push(entryXml(entries++))
    await appendFile(path, batch.join(''))
  }
  await appendFile(path, '\n    </Stmt>\n  </BkToCstmrStmt>\n</Document>\n')
  return entries
}

test('a 50 MB camt.053 streams with flat memory', async () => {
  const path = join(folder, 'large.camt053.xml')
  const written = await writeLargeStatement(path)

  const rssAtRest = process.memoryUsage.rss()
  let rssPeak = rssAtRest
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
  }, 10)
  const started = performance.now()
  let entries = 0
  let lastReference: string | null = null
  for await (const event of readBankFile(createReadStream(path))) {
    if (event.kind !== 'entry') continue
    entries += 1
    lastReference = event.entry.bankReference
    if (entries % 1000 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
  }
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss())

  const growth = rssPeak - rssAtRest
  const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
  console.info(
    `camt.053 streaming: ${megabytes(statSync(path).size)} MB, ${entries} entries in ${seconds.toFixed(1)} s; ` +
      `RSS ${megabytes(rssAtRest)} MB at rest, peak ${megabytes(rssPeak)} MB (+${megabytes(growth)} MB)`,
  )
  expect(entries).toBe(written)
  expect(lastReference).toBe(`PSP-2026-03-02-${String(written - 1).padStart(9, '0')}`)
  expect(growth).toBeLessThan(rssGrowthMax)
})
