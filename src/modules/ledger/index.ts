import type { O2cModule } from '../../platform.js'
import './errors.js'

export { type AccountPurpose, type ChartAccount, defaultChart } from './chart.js'
export {
  type Account,
  ensureChartOfAccounts,
  findJournalEntry,
  type JournalEntry,
  type JournalEntryInput,
  type JournalLine,
  type JournalLineInput,
  listAccounts,
  postJournalEntry,
  reverseJournalEntry,
  type TrialBalance,
  type TrialBalanceRow,
  trialBalance,
} from './service.js'
export { type AccountKind, accountKinds } from './tables.js'

export const ledgerModule: O2cModule = { name: 'ledger' }
