import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll } from 'vitest'

// A real webhook receiver for tests: node:http on 127.0.0.1, on a port the system picks. It
// keeps what it received and answers with the status the test asks for, so the delivery code
// is tested over real HTTP, never against a mock of fetch.

export type Received = { headers: IncomingHttpHeaders; body: string; path: string }

export type TestReceiver = {
  url: string
  received: Received[]
  /** The status for the n-th request (from 1); 200 unless told otherwise. */
  answer(status: (n: number) => number): void
  /** Waits this long before answering the n-th request. */
  delay(ms: (n: number) => number): void
  /** Resolves when the n-th request has arrived (before it is answered). */
  arrived(n: number): Promise<void>
}

export async function startReceiver(): Promise<TestReceiver> {
  const received: Received[] = []
  let status = (_n: number) => 200
  let delay = (_n: number) => 0
  let arrivals = 0
  const waiting = new Map<number, () => void>()
  const server = createServer((request, response) => {
    const n = ++arrivals
    waiting.get(n)?.()
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        path: request.url ?? '',
      })
      setTimeout(() => {
        response.statusCode = status(n)
        response.end()
      }, delay(n))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return {
    url: `http://127.0.0.1:${port}/o2c-events`,
    received,
    answer(next) {
      status = next
    },
    delay(next) {
      delay = next
    },
    arrived(n) {
      if (arrivals >= n) return Promise.resolve()
      return new Promise((resolve) => waiting.set(n, resolve))
    },
  }
}
