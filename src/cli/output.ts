import { toJsonValue } from '../core/canonical-json.js'

// Every command that prints a result takes --json: scripts get the JSON, people get text.
// The JSON speaks as the API does: snake_case keys, so a script can move between the two.

export type OutputOptions = { json?: boolean }

export function printResult(options: OutputOptions, json: unknown, human: string | string[]): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(snakeCaseKeys(toJsonValue(json)), null, 2)}\n`)
  } else {
    process.stdout.write(`${Array.isArray(human) ? human.join('\n') : human}\n`)
  }
}

/** Lines of a plain table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)]
}

/** userId → user_id at every level; keys already in snake_case stay as they are. */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
        snakeCaseKeys(inner),
      ]),
    )
  }
  return value
}
