import { registerErrors } from '../../core/errors.js'

export const authErrors = registerErrors({
  'auth.key_invalid': { status: 401, title: 'The API key is not valid' },
  'auth.key_expired': { status: 401, title: 'The API key has expired' },
  'auth.key_revoked': { status: 401, title: 'The API key was revoked' },
  'auth.user_disabled': { status: 401, title: 'The user of this API key is disabled' },
  'auth.tenant_slug_taken': { status: 409, title: 'A tenant with this slug exists' },
  'auth.tenant_slug_invalid': { status: 400, title: 'The tenant slug is not valid' },
  'auth.user_email_taken': { status: 409, title: 'A user with this email exists' },
  'auth.role_unknown': { status: 400, title: 'No such role' },
  'auth.user_unknown': { status: 404, title: 'No such user' },
})
