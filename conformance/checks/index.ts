import type { Check } from '../lib/types.js'
import { activityAgentChecks } from './activities-agents.js'
import { attachmentChecks } from './attachments.js'
import { clientLibraryChecks } from './client-library.js'
import { documentChecks } from './documents.js'
import { protocolChecks } from './protocol.js'
import { statementRetrievalChecks } from './statement-retrieval.js'
import { statementStorageChecks } from './statement-storage.js'
import { statementValidationChecks } from './statement-validation.js'

/** Every check of the suite, in report order. */
export function allChecks(): readonly Check[] {
  return [
    ...statementValidationChecks,
    ...statementStorageChecks,
    ...statementRetrievalChecks,
    ...attachmentChecks,
    ...documentChecks,
    ...activityAgentChecks,
    ...protocolChecks,
    ...clientLibraryChecks,
  ]
}
