import fc from 'fast-check'
import { expect, test } from 'vitest'
import { readBankFileWhole } from './index.js'
import { decodeWhole, StreamingDecoder } from './text.js'

// Banks do not say their encoding. UTF-8 when the bytes are UTF-8, else ISO-8859-1 — and
// when the file is streamed, the same text whatever the chunks.

function streamed(bytes: Uint8Array, cuts: number[]): string | undefined {
  const decoder = new StreamingDecoder()
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
  let text = ''
  let from = 0
  for (const point of [...points, bytes.length]) {
    const part = decoder.decode(bytes.subarray(from, point))
    if (part === undefined) return undefined
    text += part
    from = point
  }
  const rest = decoder.end()
  return rest === undefined ? undefined : text + rest
}

test('UTF-8 text reads the same however it is cut', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.array(fc.nat()), (text, cuts) => {
      expect(streamed(Buffer.from(text, 'utf8'), cuts)).toBe(text)
    }),
  )
})

test('ISO-8859-1 text reads as ISO-8859-1 however it is cut', () => {
  const latin1 = Buffer.from('Leipziger Straße 257, Zürich, café', 'latin1')
  for (let cut = 0; cut <= latin1.length; cut++) {
    expect(streamed(latin1, [cut])).toBe('Leipziger Straße 257, Zürich, café')
  }
})

test('any bytes give the whole-file text or a refusal, never other text', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat()), (bytes, cuts) => {
      const text = streamed(bytes, cuts)
      if (text !== undefined) expect(text).toBe(decodeWhole(bytes))
    }),
  )
})

test('an ISO-8859-1 MT940 reads its umlauts', async () => {
  const file = Buffer.from(
    ':20:STARTUMSE\r\n:25:87052000/123456789\r\n:60F:C190215EUR194,57\r\n' +
      ':61:1902180218DR20,00N037NONREF\r\n:86:106?00KARTENZAHLUNG?20Leipziger Straße?32MÜLLER\r\n' +
      ':62F:C190218EUR174,57\r\n-\r\n',
    'latin1',
  )
  async function* source() {
    yield file
  }
  const read = await readBankFileWhole(source())
  expect(read.statements[0].entries[0].counterparty.name).toBe('MÜLLER')
  expect(read.statements[0].entries[0].remittance.unstructured).toBe('Leipziger Straße')
})

test('a file that is no bank file is refused after its first 64 kB, not read to its end', async () => {
  async function* endless() {
    for (;;) yield 'Lorem ipsum dolor sit amet, '.repeat(100)
  }
  await expect(readBankFileWhole(endless())).rejects.toThrow('neither camt.053/054 XML nor MT940')
})
