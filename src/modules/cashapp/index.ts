import type { O2cModule } from '../../platform.js'
import { bankCommands, cashappCommands } from './commands.js'
import './errors.js'
import { remittanceCommands } from './remittance-commands.js'
import { cashappRoutes } from './routes.js'

export {
  applyCandidate,
  type MatchRunOptions,
  matchAndApplyEntries,
  rematchEntries,
  unapplyEntry,
} from './apply.js'
export {
  type BankEntry,
  BankFileError,
  type BankFileEvent,
} from './bank-files/model.js'
export {
  getCashApplicationSettings,
  type LoadBookOptions,
  loadMatchBook,
  loadRateLookup,
  putCashApplicationSettings,
} from './book-loader.js'
export {
  type ExportedTransaction,
  type ExportFormat,
  exportCashApplication,
  exportCsvColumns,
} from './export.js'
export {
  type BankImportAndApply,
  type ImportAndApplyOptions,
  importAndApplyBankFile,
  importAndApplyStatements,
} from './import-and-apply.js'
export {
  getEntryTransactions,
  listBankTransactions,
  type TransactionFilter,
} from './match-store.js'
export type { RemittanceAdvice } from './matching/model.js'
export type {
  ApplicationLine,
  ApplyChoice,
  ApplyOptions,
  BankTransactionView,
  CashApplication,
  CashApplicationCounts,
  ManualApplication,
  StoredCandidate,
} from './model.js'
export {
  type AdviceInput,
  type AdviceReceipt,
  type AdviceWindow,
  getRemittanceAdvice,
  linkRemittanceAdvices,
  listRemittanceAdvices,
  markAdvicesUsed,
  openRemittanceAdvices,
  type RemittanceAdviceOut,
  receiveRemittanceAdvice,
  receiveRemittanceFile,
  receiveRemittanceMail,
} from './remittance/advices.js'
export {
  type InboundMailServer,
  type InboundMailSettings,
  startInboundMail,
} from './remittance/inbound-mail.js'
export type { AdviceGiven } from './remittance/model.js'
export {
  type BankFileSource,
  type BankImportOptions,
  type BankImportSummary,
  importBankFile,
  importBankStatements,
  type StatementImported,
} from './statement-import.js'
export {
  type BankStatementOut,
  type BankStatementSummaryOut,
  getBankStatement,
  listBankStatements,
} from './statements.js'

export const cashappModule: O2cModule = {
  name: 'cashapp',
  routes: cashappRoutes,
  commands(program, cli) {
    bankCommands(program, cli)
    cashappCommands(program, cli)
    remittanceCommands(program, cli)
  },
}
