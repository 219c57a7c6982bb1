// fontkit (pdfkit's font engine) ships no types; this is the little the documents module uses.
declare module 'fontkit' {
  export interface Font {
    postscriptName: string
    numGlyphs: number
    hasGlyphForCodePoint(codePoint: number): boolean
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font
}
