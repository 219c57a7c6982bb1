import { isUtf8 } from 'node:buffer'
import { TextDecoder } from 'node:util'

// Bank files come as UTF-8 or as ISO-8859-1 (older German and Dutch exports), and do not say
// which. The fixtures' rule: UTF-8 if the bytes are valid UTF-8, otherwise ISO-8859-1.

/** Bytes of one chunk, whatever the source gave. */
export function chunkBytes(chunk: Buffer | Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
}

/** A whole file as text; a UTF-8 byte order mark is dropped. */
export function decodeWhole(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return new TextDecoder('utf-8').decode(bytes)
  return latin1(bytes)
}

/**
 * The same rule for a file read in chunks, without holding it: decode UTF-8 until a byte
 * sequence is not UTF-8. If nothing but ASCII came before it, ISO-8859-1 gives the same text
 * for what was already decoded, so the rest is read as ISO-8859-1 — the whole-file rule
 * exactly. If UTF-8 multi-byte text came before, the file mixes encodings: the caller is told
 * (undefined) and refuses it, because the text already handed on would be wrong.
 */
export class StreamingDecoder {
  private utf8 = new TextDecoder('utf-8', { fatal: true })
  private inLatin1 = false
  // While only ASCII has come out, the non-ASCII bytes fed so far are the unfinished sequence
  // the UTF-8 decoder holds back (at most 3 bytes); they are re-read as ISO-8859-1 on a switch.
  private nonAsciiOut = false
  private held: Uint8Array = new Uint8Array(0)

  decode(bytes: Uint8Array): string | undefined {
    if (this.inLatin1) return latin1(bytes)
    try {
      const text = this.utf8.decode(bytes, { stream: true })
      if (!this.nonAsciiOut) {
        this.nonAsciiOut = hasNonAscii(text)
        // Usually nothing is held and the chunk is not copied.
        this.held = trailingNonAscii(
          this.held.length === 0 ? bytes : Buffer.concat([this.held, bytes]),
        )
      }
      return text
    } catch {
      if (this.nonAsciiOut) return undefined
      this.inLatin1 = true
      return latin1(Buffer.concat([this.held, bytes]))
    }
  }

  /** What is left at the end (an unfinished UTF-8 sequence is not UTF-8 either). */
  end(): string | undefined {
    if (this.inLatin1) return ''
    try {
      return this.utf8.decode()
    } catch {
      if (this.nonAsciiOut) return undefined
      return latin1(this.held)
    }
  }
}

// ISO-8859-1 itself, byte for byte (TextDecoder's 'latin1' is windows-1252 by the WHATWG
// Encoding standard, which reads 0x80–0x9F differently).
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return true
  return false
}

function trailingNonAscii(bytes: Uint8Array): Uint8Array {
  let start = bytes.length
  while (start > 0 && bytes[start - 1] > 0x7f) start--
  // A copy: Buffer.slice would keep a view into a chunk the source may reuse.
  return Uint8Array.prototype.slice.call(bytes, start)
}
