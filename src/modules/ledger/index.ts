import type { O2cModule } from '../../platform.js'
import { ledgerCommands } from './commands.js'
import './errors.js'
import { ledgerRoutes } from './routes.js'

export {
  type AccountChange,
  type AccountWithUse,
  accountCodeFor,
  accountCodesFor,
  chartOfAccounts,
  createAccount,
  getAccount,
  type NewAccount,
  updateAccount,
} from './accounts.js'

export {
  type AccountPurpose,
  accountPurposes,
  type ChartAccount,
  defaultChart,
} from './chart.js'
export {
  exportJournalCsv,
  type JournalEntryView,
  type JournalFilter,
  journalCsvColumns,
  listJournal,
} from './journal.js'
export {
  type Account,
  type BulkPostingOptions,
  ensureChartOfAccounts,
  findJournalEntry,
  type JournalEntry,
  type JournalEntryInput,
  type JournalLine,
  type JournalLineInput,
  listAccounts,
  postJournalEntries,
  postJournalEntry,
  reverseJournalEntry,
  type TrialBalance,
  type TrialBalanceRow,
  trialBalance,
} from './service.js'
export { type AccountKind, accountKinds } from './tables.js'

export const ledgerModule: O2cModule = {
  name: 'ledger',
  routes: ledgerRoutes,
  commands: ledgerCommands,
}
