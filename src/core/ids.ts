import { v7 } from 'uuid'

/** A time-ordered UUID (v7): sorts by creation, so it doubles as a stable cursor for paging. */
export function newId(): string {
  return v7()
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(text: string): boolean {
  return uuidPattern.test(text)
}
