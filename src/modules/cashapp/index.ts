import type { O2cModule } from '../../platform.js'
import { bankCommands } from './commands.js'
import './errors.js'
import { remittanceCommands } from './remittance-commands.js'
import { cashappRoutes } from './routes.js'

export {
  type BankEntry,
  BankFileError,
  type BankFileEvent,
} from './bank-files/model.js'
export type { RemittanceAdvice } from './matching/model.js'
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
    remittanceCommands(program, cli)
  },
}
