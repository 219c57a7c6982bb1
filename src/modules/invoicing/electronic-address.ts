import type { ElectronicAddress } from './document.js'

// Peppol delivers to a participant id (BT-34 for the seller, BT-49 for the buyer), and
// Peppol BIS 3.0 wants one for both parties (PEPPOL-EN16931-R010, R020). When none was set
// (customer billing profile, seller settings), the party's registration gives one under the
// EAS code list: a Dutch KvK number (0106), a Belgian enterprise number (0208), or the VAT
// id under its country's VAT scheme. Nothing else: an e-mail address (EM) is in the EAS list
// but not in Peppol's (PEPPOL-EN16931-CL008), so a party without a registration we know
// has no Peppol address until one is set (its UBL is then refused by the renderer).

const vatSchemes: Record<string, string> = {
  NL: '9944',
  DE: '9930',
  FR: '9957',
  AT: '9914',
  ES: '9920',
  LU: '9938',
  IE: '9935',
}

export function derivedElectronicAddress(party: {
  country?: string | null
  vatId?: string | null
  legalId?: { id: string; scheme?: string } | null
}): ElectronicAddress | undefined {
  const country = party.country ?? party.vatId?.slice(0, 2)
  const legalId = party.legalId
  if (legalId && country === 'NL' && /^\d{8}$/.test(legalId.id)) {
    return { scheme: '0106', id: legalId.id }
  }
  if (party.vatId) {
    const prefix = party.vatId.slice(0, 2)
    if (prefix === 'BE') return { scheme: '0208', id: party.vatId.slice(2) }
    const scheme = vatSchemes[prefix]
    if (scheme) return { scheme, id: party.vatId }
  }
  return undefined
}
