import { registerErrors } from '../../../core/errors.js'

// The expected failures of promises to pay and payment plans (issue 7), named by the rule that
// broke. Every one of them writes nothing.
export const promiseErrors = registerErrors({
  'collections.item_not_open': {
    status: 422,
    title: 'An item is not an open, issued invoice of this customer',
  },
  'collections.items_currency_mixed': {
    status: 422,
    title: 'The items are in different currencies; make one promise or plan per currency',
  },
  'collections.item_already_held': {
    status: 409,
    title: 'An item is already under an active promise to pay or payment plan',
  },
  'collections.promise_in_past': {
    status: 422,
    title: 'The promised date is in the past',
  },
  'collections.promise_too_far': {
    status: 422,
    title: 'The promised date is further ahead than the pay page may accept',
  },
  'collections.promise_exceeds_open': {
    status: 422,
    title: 'The promised amount is more than is open on the items',
  },
  'collections.promise_not_active': {
    status: 409,
    title: 'The promise to pay is no longer active',
  },
  'collections.plan_instalments_mismatch': {
    status: 422,
    title: 'The instalments do not add up to the open amount of the items',
  },
  'collections.plan_dates_invalid': {
    status: 422,
    title: 'Instalment dates must be ascending and not in the past',
  },
  'collections.plan_too_many_instalments': {
    status: 422,
    title: 'The plan has more instalments than self-service may offer',
  },
  'collections.plan_instalment_too_small': {
    status: 422,
    title: 'An instalment is smaller than self-service may offer',
  },
  'collections.plan_not_active': {
    status: 409,
    title: 'The payment plan is no longer active',
  },
})
