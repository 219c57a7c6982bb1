import { invalid } from './errors.js'

// Cursor pagination: the cursor is the last row's sort key, opaque to the client. Lists sort
// by id (UUID v7, so creation order); a cursor keeps its place even while rows are added.

export const pageSizeDefault = 50
// A page bigger than this costs more to render than to ask for twice.
export const pageSizeMax = 500

export type Page<T> = { data: T[]; nextCursor: string | null }

export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ id: lastId })).toString('base64url')
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (typeof parsed?.id === 'string') return parsed.id
  } catch {
    // fall through to the error below
  }
  throw invalid([{ field: 'cursor', message: 'is not a cursor this API handed out' }])
}

/** Builds a page from rows fetched with limit + 1, so we know whether more follow. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit
  const data = more ? rows.slice(0, limit) : rows
  return { data, nextCursor: more ? encodeCursor(data[data.length - 1].id) : null }
}
