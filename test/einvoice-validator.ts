import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { convert } from 'xmlbuilder2'
import { renderCii, renderUbl } from '../src/modules/einvoice/index.js'
import type { InvoiceDocument } from '../src/modules/invoicing/index.js'

// The official EN 16931 and Peppol BIS 3.0 rules as a test oracle: ../shared/tools/
// validate-einvoice (XSD + CEN Schematron + Peppol Schematron). Each call starts a JVM and
// compiles the rules (~2-3 s), so a test validates all its files in one call.

export type ValidationItem = { id: string; flag: string; location: string; text: string }
export type ValidationResult = {
  file: string
  syntax: 'ubl-invoice' | 'ubl-creditnote' | 'cii' | 'unknown'
  valid: boolean
  fatal: ValidationItem[]
  warnings: ValidationItem[]
}

/**
 * The validator to use: O2C_EINVOICE_VALIDATOR, else ../shared/tools/validate-einvoice beside
 * the repository when it is there; undefined when neither is (the test then says so and skips).
 */
export function einvoiceValidator(): string | undefined {
  const configured = process.env.O2C_EINVOICE_VALIDATOR
  if (configured) return configured
  const beside = fileURLToPath(new URL('../../shared/tools/validate-einvoice', import.meta.url))
  try {
    accessSync(beside, constants.X_OK)
    return beside
  } catch {
    return undefined
  }
}

/** Validates the files in one call; exit status 1 (some file has a fatal error) is an answer. */
export function validateEinvoices(tool: string, files: string[]): Promise<ValidationResult[]> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      ['--json', ...files],
      { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
      (error, stdout, stderr) => {
        const exitCode = error && 'code' in error ? error.code : 0
        if (error && exitCode !== 1) {
          reject(new Error(`validate-einvoice failed (${exitCode}): ${stderr || error.message}`))
          return
        }
        resolve(JSON.parse(stdout) as ValidationResult[])
      },
    )
  })
}

/**
 * Renders each document as UBL and CII (files `name.ubl.xml` and `name.cii.xml` in a folder of
 * its own, removed afterwards) and validates them all in one call. `fatal` has one line per
 * fatal error, naming the file, the rule and where.
 */
export async function validateAsUblAndCii(
  tool: string,
  documents: { name: string; document: InvoiceDocument }[],
): Promise<{ results: ValidationResult[]; fatal: string[] }> {
  const directory = mkdtempSync(join(tmpdir(), 'o2c-einvoices-'))
  try {
    const files: string[] = []
    for (const { name, document } of documents) {
      for (const [format, xml] of [
        ['ubl', await renderUbl(document)],
        ['cii', await renderCii(document)],
      ] as const) {
        const file = join(directory, `${name}.${format}.xml`)
        writeFileSync(file, xml)
        files.push(file)
      }
    }
    const results = await validateEinvoices(tool, files)
    if (results.length !== files.length) {
      throw new Error(`validate-einvoice answered for ${results.length} of ${files.length} files`)
    }
    const fatal = results.flatMap((r) =>
      r.fatal.map((f) => `${r.file.split('/').pop()}: ${f.id} ${f.text} (${f.location})`),
    )
    return { results, fatal }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

type XmlNode = string | { [key: string]: XmlNode | XmlNode[] }

/**
 * The text of every element at a path of element names, prefixes as written:
 *   xmlTexts(ubl, 'Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount') → ['121.00']
 * An attribute is the last step with an @: '…/cbc:PayableAmount/@currencyID'.
 */
export function xmlTexts(xml: string, path: string): string[] {
  let nodes: XmlNode[] = [convert(xml, { format: 'object' }) as XmlNode]
  for (const step of path.split('/')) {
    nodes = nodes.flatMap((node) => {
      if (typeof node === 'string') return []
      const child = node[step]
      if (child === undefined) return []
      return Array.isArray(child) ? child : [child]
    })
  }
  return nodes.map((node) =>
    typeof node === 'string' ? node : typeof node['#'] === 'string' ? node['#'] : '',
  )
}
