import type { DunningChannel } from '../tables.js'

// Quiet hours per channel (collection_settings.quiet_hours), in the tenant's time zone: a
// text message at 23:00 is a worse customer touch than one at 08:00. A message made inside
// the quiet hours of its channel waits for their end; the send job runs at that moment.

export type QuietHours = Partial<Record<DunningChannel, { from: string; to: string }>>

const timeOfDay = /^([01][0-9]|2[0-3]):([0-5][0-9])$/

/** Minutes since local midnight of a moment in a time zone. */
function localParts(at: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    minutes: get('hour') * 60 + get('minute'),
    seconds: get('second'),
  }
}

// The instant of a wall-clock time on a local day: guess it as UTC, then correct by the
// zone's offset at that guess (twice, so a day that changes offset lands right).
function instantOf(year: number, month: number, day: number, minutes: number, timeZone: string) {
  const wall = Date.UTC(year, month - 1, day, 0, minutes)
  let guess = wall
  for (let i = 0; i < 2; i++) {
    const p = localParts(new Date(guess), timeZone)
    const seen = Date.UTC(p.year, p.month - 1, p.day, 0, p.minutes, p.seconds)
    guess += wall - seen
  }
  return new Date(guess)
}

function minutesOf(text: string): number | undefined {
  const match = timeOfDay.exec(text)
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined
}

/**
 * When a message of `channel` made at `now` may go out: `now`, or the end of the channel's
 * quiet hours when `now` falls inside them. A window may cross midnight (21:00–08:00).
 */
export function sendAfter(
  now: Date,
  channel: DunningChannel,
  quietHours: QuietHours,
  timeZone: string,
): Date {
  const window = quietHours[channel]
  if (!window) return now
  const from = minutesOf(window.from)
  const to = minutesOf(window.to)
  if (from === undefined || to === undefined || from === to) return now
  const local = localParts(now, timeZone)
  const m = local.minutes
  const inside = from < to ? m >= from && m < to : m >= from || m < to
  if (!inside) return now
  // Crossing midnight and still before it: the quiet hours end tomorrow.
  const endsTomorrow = from > to && m >= from
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (endsTomorrow ? 1 : 0)))
  return instantOf(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), to, timeZone)
}

/** Checks quiet hours as stored; unknown channels and bad times are left out. */
export function quietHoursOf(stored: unknown): QuietHours {
  const out: QuietHours = {}
  if (!stored || typeof stored !== 'object') return out
  for (const [channel, window] of Object.entries(stored as Record<string, unknown>)) {
    const w = window as { from?: unknown; to?: unknown } | null
    if (!w || typeof w.from !== 'string' || typeof w.to !== 'string') continue
    if (minutesOf(w.from) === undefined || minutesOf(w.to) === undefined) continue
    out[channel as DunningChannel] = { from: w.from, to: w.to }
  }
  return out
}
