// Shapes the readers test before they call a value an IBAN or a BIC; a value of another shape
// stays where it was (remittance text) rather than being guessed into a field.

export const ibanPattern = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/
export const bicPattern = /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/

/** A field's final value: trimmed at both ends, null when nothing is left. */
export function fieldValue(text: string | null | undefined): string | null {
  const trimmed = text?.trim()
  return trimmed ? trimmed : null
}
