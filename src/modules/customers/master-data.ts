import { countrySpecs, electronicFormatIBAN, isValidBIC, isValidIBAN } from 'ibantools'
import { checkVAT, countries as vatCountries } from 'jsvat'
import type { FieldIssue } from '../../core/errors.js'
import { isCurrency } from '../../core/money.js'

// Checks of customer master data that are pure rules of the trade: VAT ids with their
// country's check digits (jsvat), IBANs with their mod-97 check (ibantools), ISO codes.
// Each returns the problems it finds as field issues, so a request or a CSV row can report
// every problem at once.

export function isCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && code in countrySpecs
}

/** Normalises a VAT id as people type it ("nl 0044.95.445.b01") to "NL004495445B01". */
export function normaliseVatId(text: string): string {
  return text.toUpperCase().replace(/[\s.-]/g, '')
}

export function checkVatId(field: string, vatId: string): FieldIssue[] {
  const normalised = normaliseVatId(vatId)
  // Greece uses EL in VAT ids; jsvat knows it.
  if (!/^[A-Z]{2}[0-9A-Z+*]{2,13}$/.test(normalised)) {
    return [{ field, message: `"${vatId}" is not a VAT id (country prefix and number)` }]
  }
  const result = checkVAT(normalised, vatCountries)
  if (!result.isSupportedCountry) return [] // outside the EU: we know no check digit to test
  if (!result.isValidFormat) {
    return [
      { field, message: `"${vatId}" does not have the format of a ${result.country?.name} VAT id` },
    ]
  }
  if (!result.isValid) {
    return [{ field, message: `"${vatId}" fails the ${result.country?.name} VAT id check digit` }]
  }
  return []
}

export function normaliseIban(text: string): string {
  return electronicFormatIBAN(text) ?? text.replace(/\s/g, '').toUpperCase()
}

export function checkIban(field: string, iban: string): FieldIssue[] {
  const normalised = normaliseIban(iban)
  return isValidIBAN(normalised) ? [] : [{ field, message: `"${iban}" is not a valid IBAN` }]
}

export function checkBic(field: string, bic: string): FieldIssue[] {
  return isValidBIC(bic.toUpperCase()) ? [] : [{ field, message: `"${bic}" is not a valid BIC` }]
}

export function checkCountry(field: string, country: string): FieldIssue[] {
  return isCountry(country)
    ? []
    : [{ field, message: `"${country}" is not an ISO 3166 country code` }]
}

export function checkCurrency(field: string, currency: string): FieldIssue[] {
  return isCurrency(currency)
    ? []
    : [{ field, message: `"${currency}" is not an ISO 4217 currency` }]
}

export function checkLanguage(field: string, language: string): FieldIssue[] {
  return /^[a-z]{2}$/.test(language)
    ? []
    : [{ field, message: `"${language}" is not an ISO 639-1 language code such as "nl" or "en"` }]
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function checkEmail(field: string, email: string): FieldIssue[] {
  return emailPattern.test(email) ? [] : [{ field, message: `"${email}" is not an email address` }]
}

/** Phone numbers in international form, so SMS and WhatsApp can reach them: +31612345678. */
export function normalisePhone(text: string): string {
  return text.replace(/[\s().-]/g, '').replace(/^00/, '+')
}

export function checkPhone(field: string, phone: string): FieldIssue[] {
  return /^\+[1-9]\d{6,14}$/.test(normalisePhone(phone))
    ? []
    : [{ field, message: `"${phone}" is not a phone number in international form (+31…)` }]
}

// Dutch KvK numbers have 8 digits; other registers differ, so only NL is checked strictly.
export function checkCocNumber(field: string, coc: string, country: string | null): FieldIssue[] {
  if (country === 'NL' && !/^\d{8}$/.test(coc)) {
    return [
      { field, message: `"${coc}" is not a Dutch chamber of commerce (KvK) number of 8 digits` },
    ]
  }
  return coc.length <= 32 ? [] : [{ field, message: 'is longer than 32 characters' }]
}
