import PDFDocument from 'pdfkit'
import type { DocumentLanguage, PostalAddress, Seller } from '../invoicing/index.js'
import { documentFonts } from './fonts.js'
import { printable, rgbOf } from './format.js'
import { labels } from './labels.js'

// The page furniture both PDFs share: an A4 page with the tenant's logo and the seller top
// left and right, tables whose header band repeats on every page they run onto, and a footer
// with "page n of m" written once the page count is known. The text is in DejaVu Sans,
// embedded and subset to the glyphs the document uses (fonts.ts).

/** The tenant's look (billing_settings): logo, headings and table header band. */
export type DocumentLook = {
  logo?: { data: Uint8Array; mediaType: 'image/png' | 'image/jpeg' }
  /** '#RRGGBB': the title, headings and the text of table header bands. */
  primaryColour: string
  /** '#RRGGBB': the background of table header bands and the amount-due row. */
  accentColour: string
}

export type Pdf = PDFKit.PDFDocument

const pageWidth = 595.28
const pageHeight = 841.89
export const left = 50
export const right = pageWidth - 50
export const contentWidth = right - left
const top = 45
/** Where content stops; below it sits the footer. */
export const bottom = pageHeight - 62
const footerY = pageHeight - 42

export const regular = 'DejaVuSans'
export const bold = 'DejaVuSans-Bold'
export const grey = '#555555'
const rule = '#c8c8c8'
const ink = '#000000'

export function newPdf(meta: {
  title: string
  author: string
  subject: string
  language: DocumentLanguage
}): Pdf {
  const fonts = documentFonts()
  // pdfkit takes a font fontkit has parsed as well as a file (its types know only the file):
  // the parsed font is shared by every document. As the default font it also keeps pdfkit
  // from loading Helvetica, which would not be embedded.
  const pdf = new PDFDocument({
    size: 'A4',
    font: fonts.regular as unknown as string,
    margins: { top, bottom: pageHeight - bottom, left, right: pageWidth - right },
    bufferPages: true,
    lang: meta.language,
    displayTitle: true,
    info: {
      Title: printable(meta.title),
      Author: printable(meta.author),
      Subject: printable(meta.subject),
      Creator: 'o2c',
    },
  })
  pdf.registerFont(regular, fonts.regular as unknown as Buffer)
  pdf.registerFont(bold, fonts.bold as unknown as Buffer)
  return pdf
}

/** Writes "page n of m" on every page, ends the document and returns its bytes. */
export function finishPdf(
  pdf: Pdf,
  language: DocumentLanguage,
  footer: string,
): Promise<Uint8Array> {
  const { start, count } = pdf.bufferedPageRange()
  return finishPdfInParts(pdf, [{ firstPage: start, pageCount: count, language, footer }])
}

/** A document within a PDF of several (a run's letters): its pages, numbered on their own. */
export type PdfPart = {
  firstPage: number
  pageCount: number
  language: DocumentLanguage
  footer: string
}

/**
 * Writes each part's footer and "page n of m" (counted within the part) on its pages, ends
 * the document and returns its bytes.
 */
export function finishPdfInParts(pdf: Pdf, parts: readonly PdfPart[]): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  const done = new Promise<Uint8Array>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
  })
  for (const part of parts) {
    for (let n = 0; n < part.pageCount; n++) {
      pdf.switchToPage(part.firstPage + n)
      // The footer sits below the bottom margin; without this pdfkit would start a new page.
      const margin = pdf.page.margins.bottom
      pdf.page.margins.bottom = 0
      pdf.font(regular).fontSize(7.5).fillColor(grey)
      pdf.text(printable(part.footer), left, footerY, {
        width: contentWidth / 2,
        lineBreak: false,
      })
      pdf.text(
        labels[part.language].page(n + 1, part.pageCount),
        left + contentWidth / 2,
        footerY,
        { width: contentWidth / 2, align: 'right', lineBreak: false },
      )
      pdf.page.margins.bottom = margin
    }
  }
  pdf.end()
  return done
}

/** Logo top left, the seller top right; returns the y below both. */
export function drawLetterhead(
  pdf: Pdf,
  seller: Seller,
  look: DocumentLook,
  language: DocumentLanguage,
): number {
  const l = labels[language]
  let logoBottom = top
  if (look.logo) {
    pdf.image(Buffer.from(look.logo.data), left, top, { fit: [170, 60] })
    logoBottom = top + 60
  }
  const x = right - 200
  const width = 200
  pdf.font(bold).fontSize(10).fillColor(look.primaryColour)
  pdf.text(printable(seller.tradingName ?? seller.name), x, top, { width, align: 'right' })
  pdf.font(regular).fontSize(8).fillColor(ink)
  const lines = [
    ...(seller.tradingName && seller.tradingName !== seller.name ? [seller.name] : []),
    ...addressLines(seller.address, language),
    seller.vatId && `${l.vatId} ${seller.vatId}`,
    seller.legalId && `${l.legalId} ${seller.legalId.id}`,
    seller.contact?.email,
    seller.contact?.phone && `${l.phone} ${seller.contact.phone}`,
  ].filter((line): line is string => Boolean(line))
  pdf.text(printable(lines.join('\n')), x, pdf.y + 2, { width, align: 'right' })
  return Math.max(logoBottom, pdf.y) + 22
}

export function addressLines(address: PostalAddress, language: DocumentLanguage): string[] {
  return [
    ...address.lines,
    `${address.postalCode}  ${address.city}`.trim(),
    countryName(address.country, language),
  ].filter((line) => line !== '')
}

const countryNames = {
  nl: new Intl.DisplayNames(['nl'], { type: 'region' }),
  en: new Intl.DisplayNames(['en'], { type: 'region' }),
}

function countryName(code: string, language: DocumentLanguage): string {
  try {
    return countryNames[language].of(code) ?? code
  } catch {
    return code
  }
}

/** The document title in the primary colour. */
export function drawTitle(pdf: Pdf, text: string, y: number, look: DocumentLook): number {
  pdf.font(bold).fontSize(20).fillColor(look.primaryColour)
  pdf.text(printable(text), left, y, { width: contentWidth, lineBreak: false })
  return y + 32
}

/** A section heading; starts a new page when the heading and `keepWith` points do not fit. */
export function drawHeading(
  pdf: Pdf,
  text: string,
  y: number,
  look: DocumentLook,
  keepWith = 40,
): number {
  const at = ensureSpace(pdf, y, 18 + keepWith)
  pdf.font(bold).fontSize(10.5).fillColor(look.primaryColour)
  pdf.text(printable(text), left, at, { width: contentWidth, lineBreak: false })
  return at + 17
}

/** y when `height` points still fit on this page, else the top of a new page. */
export function ensureSpace(pdf: Pdf, y: number, height: number): number {
  if (y + height <= bottom) return y
  pdf.addPage()
  return top
}

/** Label–value pairs in two columns (labels grey); returns the y below them. */
export function drawPairs(
  pdf: Pdf,
  pairs: [string, string][],
  x: number,
  y: number,
  width: number,
  labelWidth: number,
): number {
  let at = y
  for (const [label, value] of pairs) {
    pdf.font(regular).fontSize(8.5).fillColor(grey)
    pdf.text(printable(label), x, at, { width: labelWidth - 6 })
    const labelBottom = pdf.y
    pdf.font(regular).fontSize(8.5).fillColor(ink)
    pdf.text(printable(value), x + labelWidth, at, { width: width - labelWidth })
    at = Math.max(labelBottom, pdf.y, at + 11) + 1.5
  }
  return at
}

export type Cell = string | { text: string; detail?: string; bold?: boolean }
export type Column = { header: string; width: number; align?: 'left' | 'right' }

const cellPaddingX = 4
const cellPaddingY = 3.5
const bodySize = 8.5
const detailSize = 7.5

/**
 * A table that flows over as many pages as it needs: a row is never split, and the header
 * band is drawn again at the top of every page the table continues on. Returns the y below it.
 */
export function drawTable(
  pdf: Pdf,
  look: DocumentLook,
  y: number,
  columns: Column[],
  rows: Cell[][],
): number {
  const headerHeight = drawHeaderHeight(pdf, columns)
  let at = ensureSpace(pdf, y, headerHeight + 20)
  at = drawHeaderBand(pdf, look, at, columns, headerHeight)
  for (const row of rows) {
    const height = rowHeight(pdf, columns, row)
    if (at + height > bottom) {
      pdf.addPage()
      at = drawHeaderBand(pdf, look, top, columns, headerHeight)
    }
    let x = left
    columns.forEach((column, index) => {
      drawCell(pdf, row[index] ?? '', column, x, at)
      x += column.width
    })
    at += height
    pdf
      .moveTo(left, at)
      .lineTo(left + totalWidth(columns), at)
      .lineWidth(0.4)
      .strokeColor(rule)
      .stroke()
  }
  return at
}

function totalWidth(columns: Column[]): number {
  return columns.reduce((sum, column) => sum + column.width, 0)
}

function drawHeaderHeight(pdf: Pdf, columns: Column[]): number {
  pdf.font(bold).fontSize(8)
  const textHeight = Math.max(
    ...columns.map((c) => pdf.heightOfString(printable(c.header), { width: innerWidth(c) })),
  )
  return textHeight + 2 * cellPaddingY + 1
}

function drawHeaderBand(
  pdf: Pdf,
  look: DocumentLook,
  y: number,
  columns: Column[],
  height: number,
): number {
  pdf.rect(left, y, totalWidth(columns), height).fillColor(look.accentColour).fill()
  pdf.font(bold).fontSize(8).fillColor(readableOn(look.accentColour, look.primaryColour))
  let x = left
  for (const column of columns) {
    pdf.text(printable(column.header), x + cellPaddingX, y + cellPaddingY + 0.5, {
      width: innerWidth(column),
      align: column.align ?? 'left',
    })
    x += column.width
  }
  return y + height
}

function innerWidth(column: Column): number {
  return column.width - 2 * cellPaddingX
}

function rowHeight(pdf: Pdf, columns: Column[], row: Cell[]): number {
  let height = 0
  columns.forEach((column, index) => {
    const cell = row[index] ?? ''
    const { text, detail, bold: isBold } = typeof cell === 'string' ? { text: cell } : cell
    const width = innerWidth(column)
    pdf.font(isBold ? bold : regular).fontSize(bodySize)
    let cellHeight = text === '' ? 0 : pdf.heightOfString(printable(text), { width })
    if (detail) {
      pdf.font(regular).fontSize(detailSize)
      cellHeight += pdf.heightOfString(printable(detail), { width }) + 1
    }
    height = Math.max(height, cellHeight)
  })
  return Math.max(height, 10) + 2 * cellPaddingY
}

function drawCell(pdf: Pdf, cell: Cell, column: Column, x: number, y: number): void {
  const { text, detail, bold: isBold } = typeof cell === 'string' ? { text: cell } : cell
  const options = { width: innerWidth(column), align: column.align ?? 'left' } as const
  pdf
    .font(isBold ? bold : regular)
    .fontSize(bodySize)
    .fillColor(ink)
  pdf.text(printable(text), x + cellPaddingX, y + cellPaddingY, options)
  if (detail) {
    pdf.font(regular).fontSize(detailSize).fillColor(grey)
    pdf.text(printable(detail), x + cellPaddingX, pdf.y + 1, options)
  }
}

/**
 * The primary colour on the accent band when they contrast enough, else black or white: a
 * tenant who picks two dark colours still gets a readable table header.
 */
function readableOn(background: string, preferred: string): string {
  const contrast = Math.abs(luminance(background) - luminance(preferred))
  if (contrast >= 0.35) return preferred
  return luminance(background) > 0.5 ? ink : '#ffffff'
}

function luminance(colour: string): number {
  const [r, g, b] = rgbOf(colour)
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
}

/** Label on the left, amount on the right, in a block at the right of the page. */
export function drawTotalRow(
  pdf: Pdf,
  y: number,
  label: string,
  amount: string,
  options: { strong?: boolean; look?: DocumentLook } = {},
): number {
  const width = 250
  const x = right - width
  const height = options.strong ? 18 : 13
  if (options.strong && options.look) {
    pdf
      .rect(x, y - 3, width, height)
      .fillColor(options.look.accentColour)
      .fill()
  }
  const colour =
    options.strong && options.look
      ? readableOn(options.look.accentColour, options.look.primaryColour)
      : ink
  pdf
    .font(options.strong ? bold : regular)
    .fontSize(options.strong ? 10 : 8.5)
    .fillColor(colour)
  pdf.text(printable(label), x + cellPaddingX, y, { width: 150, lineBreak: false })
  pdf.text(printable(amount), x + 120, y, {
    width: width - 120 - cellPaddingX,
    align: 'right',
    lineBreak: false,
  })
  return y + height
}
