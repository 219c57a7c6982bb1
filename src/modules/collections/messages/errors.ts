import { registerErrors } from '../../../core/errors.js'

// The expected failures of dunning templates, rendering and print batches (messages/).
export const messageErrors = registerErrors({
  'collections.template_unknown': {
    status: 404,
    title: 'No dunning template with that key, language, audience and channel',
  },
  'collections.template_placeholder_unknown': {
    status: 422,
    title: 'The template uses a placeholder o2c does not know; nothing was saved',
  },
  'collections.template_invalid': {
    status: 422,
    title: 'The template is not valid; nothing was saved',
  },
  'collections.template_too_long': {
    status: 422,
    title: 'The filled-in SMS or WhatsApp message is longer than 320 characters',
  },
  'collections.fourteen_day_letter_invalid': {
    status: 422,
    title: 'The 14-day letter does not meet art. 6:96 lid 6 BW; it is not rendered',
  },
})
