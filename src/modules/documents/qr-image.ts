import { crc32, deflateSync } from 'node:zlib'
import QRCode from 'qrcode'

// A QR code as a PNG of one pixel per module, with the quiet zone of four modules that
// ISO/IEC 18004 asks for around it. The PDF scales it up without smoothing (images are not
// interpolated unless asked), so the modules stay sharp at any size and the file stays small:
// a 33 × 33 module code is a PNG of a few hundred bytes. Error correction level M is what the
// EPC QR code guidelines prescribe.

const quietZoneModules = 4

export type QrImage = { png: Buffer; modules: number }

export function qrPng(payload: string): QrImage {
  const code = QRCode.create(payload, { errorCorrectionLevel: 'M' })
  const { size, data } = code.modules
  const side = size + 2 * quietZoneModules
  const pixels = Buffer.alloc(side * side, 0xff)
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      if (data[row * size + column]) {
        pixels[(row + quietZoneModules) * side + column + quietZoneModules] = 0
      }
    }
  }
  return { png: grayscalePng(side, side, pixels), modules: side }
}

/** An 8-bit grayscale PNG (colour type 0), every row with filter type 0 (none). */
export function grayscalePng(width: number, height: number, pixels: Uint8Array): Buffer {
  return png(width, height, 0, 1, pixels)
}

/** An 8-bit RGB PNG (colour type 2); pixels are r, g, b per pixel, row by row. */
export function rgbPng(width: number, height: number, pixels: Uint8Array): Buffer {
  return png(width, height, 2, 3, pixels)
}

function png(
  width: number,
  height: number,
  colourType: number,
  channels: number,
  pixels: Uint8Array,
): Buffer {
  const rowBytes = width * channels
  const raw = Buffer.alloc(height * (rowBytes + 1))
  for (let row = 0; row < height; row++) {
    raw[row * (rowBytes + 1)] = 0
    raw.set(pixels.subarray(row * rowBytes, (row + 1) * rowBytes), row * (rowBytes + 1) + 1)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8
  header[9] = colourType
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}
