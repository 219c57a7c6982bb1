import { SingleBar } from 'cli-progress'

// The progress bar of the CSV imports (`o2c customers import`, `o2c invoices
// import-open-items`): both check the whole file first, then write it.

export type ImportProgress = {
  phase: 'checking' | 'writing'
  rowsDone: number
  /** Known while writing: the rows to write. */
  rowsTotal: number | null
}

/**
 * A progress bar on stderr when it is a terminal: bytes while the file is checked, then
 * rows while they are written. Off the terminal (scripts, CI) it prints nothing.
 */
export function importProgressBar(fileBytes: number) {
  const bar = process.stderr.isTTY
    ? new SingleBar({
        stream: process.stderr,
        format: '{phase} |{bar}| {percentage}% {value}/{total} {unit}',
        hideCursor: true,
        clearOnComplete: true,
      })
    : undefined
  let phase: ImportProgress['phase'] | undefined
  let started = false
  return {
    /** Counts the bytes of the first pass over the file. */
    reading(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
      if (!bar || phase !== undefined) return chunks
      phase = 'checking'
      bar.start(fileBytes, 0, { phase, unit: 'bytes' })
      started = true
      return (async function* () {
        let read = 0
        for await (const chunk of chunks) {
          read += chunk.length
          bar.update(read)
          yield chunk
        }
      })()
    },
    update(progress: ImportProgress) {
      if (!bar || progress.phase !== 'writing') return
      if (phase !== 'writing') {
        phase = 'writing'
        if (!started) bar.start(progress.rowsTotal ?? 0, 0, { phase, unit: 'rows' })
        started = true
        bar.setTotal(progress.rowsTotal ?? 0)
        bar.update(0, { phase: 'writing', unit: 'rows' })
      }
      bar.update(progress.rowsDone)
    },
    stop() {
      if (started) bar?.stop()
      started = false
    },
  }
}
