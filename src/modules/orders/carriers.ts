// Track & trace links per carrier, kept as data: a carrier changes its tracking page more
// often than we change code. `{tracking_number}` is replaced by the URL-encoded number. A
// shipment with another carrier (or our own van) gets a link only when the caller gives one.

export type CarrierTemplate = { name: string; trackingUrl: string }

export const carrierTemplates: Readonly<Record<string, CarrierTemplate>> = {
  postnl: {
    name: 'PostNL',
    trackingUrl: 'https://jouw.postnl.nl/track-and-trace/{tracking_number}',
  },
  dhl: {
    name: 'DHL',
    trackingUrl: 'https://www.dhl.com/nl-en/home/tracking.html?tracking-id={tracking_number}',
  },
  dpd: {
    name: 'DPD',
    trackingUrl: 'https://tracking.dpd.de/status/en_US/parcel/{tracking_number}',
  },
  ups: { name: 'UPS', trackingUrl: 'https://www.ups.com/track?tracknum={tracking_number}' },
  gls: { name: 'GLS', trackingUrl: 'https://gls-group.com/track/{tracking_number}' },
}

/** The carrier code o2c stores: lower case, without spaces ("PostNL" → "postnl"). */
export function carrierCode(carrier: string): string {
  return carrier.trim().toLowerCase().replace(/\s+/g, '')
}

/** The track & trace link for a parcel, or null when the carrier has no template. */
export function trackingUrlFor(carrier: string, trackingNumber: string): string | null {
  const template = carrierTemplates[carrierCode(carrier)]
  if (!template) return null
  return template.trackingUrl.replaceAll('{tracking_number}', encodeURIComponent(trackingNumber))
}
