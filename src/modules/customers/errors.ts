import { registerErrors } from '../../core/errors.js'

export const customerErrors = registerErrors({
  'customers.number_taken': { status: 409, title: 'A customer with this number exists' },
  'customers.invalid': { status: 422, title: 'The customer data is not valid' },
  'customers.parent_unknown': { status: 422, title: 'The parent company is not a customer' },
  'customers.parent_cycle': {
    status: 422,
    title: 'A company cannot be its own parent, directly or through others',
  },
})
