import type { PolicyInput } from './policies.js'

// The policies every tenant starts with (seeded on first use, then the tenant's to change).
// Lower priority numbers are tried first, so the narrow rules (students, pensioners, key
// accounts) stand before the broad one of their segment. Consumers get the Dutch 14-day
// letter before any costs (art. 6:96 lid 6 BW); its term is 14 days from presumed receipt
// (about 2–4 days after sending), so costs follow 21 days after the letter. Businesses owe the
// scale from the day after the due date, but a gentle reminder first keeps the customer.
//
// Template keys are the ones messages/ ships: pre_due_nudge, friendly_reminder,
// formal_reminder, fourteen_day_letter, final_notice (costs and interest charged),
// recovery_notice, credit_block_notice.

export const defaultPolicies: readonly PolicyInput[] = [
  {
    name: 'consumer-student',
    description:
      'Students: a text message or WhatsApp first, a letter only where the law wants one',
    priority: 10,
    interest_kind: 'statutory',
    rule: { segments: ['consumer'], attributes: { age_band: ['student'] } },
    steps: [
      step('due_date', -3, 'sms', 'pre_due_nudge', 'pre_due_nudge'),
      step('due_date', 3, 'whatsapp', 'friendly_reminder', 'friendly_reminder'),
      step('previous_step', 7, 'sms', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 7, 'letter', 'fourteen_day_letter', 'fourteen_day_letter'),
      step('previous_step', 21, 'letter', 'final_notice', 'charge_costs_and_interest'),
      step('previous_step', 30, 'letter', 'recovery_notice', 'recovery_handover'),
    ],
  },
  {
    name: 'consumer-pensioner',
    description: 'Pensioners: letters, with more time between them',
    priority: 20,
    interest_kind: 'statutory',
    rule: { segments: ['consumer'], attributes: { age_band: ['pensioner'] } },
    steps: [
      step('due_date', 5, 'letter', 'friendly_reminder', 'friendly_reminder'),
      step('previous_step', 14, 'letter', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 14, 'letter', 'fourteen_day_letter', 'fourteen_day_letter'),
      step('previous_step', 21, 'letter', 'final_notice', 'charge_costs_and_interest'),
      step('previous_step', 30, 'letter', 'recovery_notice', 'recovery_handover'),
    ],
  },
  {
    name: 'enterprise-key-account',
    description: 'Key accounts: a collector calls before any letter goes out',
    priority: 30,
    interest_kind: 'commercial',
    rule: { segments: ['enterprise'], flags: ['key_account'] },
    steps: [
      step('due_date', 3, 'email', 'friendly_reminder', 'friendly_reminder'),
      step('previous_step', 7, 'phone', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 7, 'email', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 14, 'letter', 'final_notice', 'charge_costs_and_interest'),
      step('previous_step', 14, 'email', 'credit_block_notice', 'credit_block'),
      step('previous_step', 30, 'letter', 'recovery_notice', 'recovery_handover'),
    ],
  },
  {
    name: 'consumer',
    description: 'Consumers: a nudge before the due date, e-mail, text, then letters by the law',
    priority: 100,
    interest_kind: 'statutory',
    rule: { segments: ['consumer'] },
    steps: [
      step('due_date', -3, 'email', 'pre_due_nudge', 'pre_due_nudge'),
      step('due_date', 3, 'email', 'friendly_reminder', 'friendly_reminder'),
      step('previous_step', 7, 'sms', 'friendly_reminder', 'friendly_reminder'),
      step('previous_step', 7, 'letter', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 7, 'letter', 'fourteen_day_letter', 'fourteen_day_letter'),
      step('previous_step', 21, 'letter', 'final_notice', 'charge_costs_and_interest'),
      step('previous_step', 30, 'letter', 'recovery_notice', 'recovery_handover'),
    ],
  },
  {
    name: 'enterprise',
    description: 'Enterprises: e-mail, a call, then costs, a credit block and recovery',
    priority: 110,
    interest_kind: 'commercial',
    rule: { segments: ['enterprise'] },
    steps: [
      step('due_date', 5, 'email', 'friendly_reminder', 'friendly_reminder'),
      step('previous_step', 10, 'email', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 7, 'phone', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 7, 'letter', 'final_notice', 'charge_costs_and_interest'),
      step('previous_step', 7, 'email', 'credit_block_notice', 'credit_block'),
      step('previous_step', 30, 'letter', 'recovery_notice', 'recovery_handover'),
    ],
  },
  {
    name: 'small-business',
    description: 'Small businesses: e-mail first, new orders held before costs are charged',
    priority: 120,
    interest_kind: 'commercial',
    rule: { segments: ['small_business'] },
    steps: [
      step('due_date', -3, 'email', 'pre_due_nudge', 'pre_due_nudge'),
      step('due_date', 3, 'email', 'friendly_reminder', 'friendly_reminder'),
      step('previous_step', 7, 'email', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 7, 'email', 'credit_block_notice', 'credit_block'),
      step('previous_step', 7, 'letter', 'final_notice', 'charge_costs_and_interest'),
      step('previous_step', 30, 'letter', 'recovery_notice', 'recovery_handover'),
    ],
  },
  {
    name: 'public-sector',
    description: 'Public bodies: gentle and slow; commercial interest for a public debtor',
    priority: 130,
    interest_kind: 'commercial_public_debtor',
    rule: { segments: ['public_sector'] },
    steps: [
      step('due_date', 7, 'email', 'friendly_reminder', 'friendly_reminder'),
      step('previous_step', 14, 'email', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 14, 'phone', 'formal_reminder', 'formal_reminder'),
      step('previous_step', 14, 'letter', 'final_notice', 'charge_costs_and_interest'),
      step('previous_step', 60, 'letter', 'recovery_notice', 'recovery_handover'),
    ],
  },
]

function step(
  anchor: PolicyInput['steps'][number]['anchor'],
  days: number,
  channel: PolicyInput['steps'][number]['channel'],
  template_key: string,
  action: PolicyInput['steps'][number]['action'],
): PolicyInput['steps'][number] {
  return { anchor, days, channel, template_key, action }
}
