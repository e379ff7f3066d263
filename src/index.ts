/**
 * mux-collector's library API: a stream of everything found in Mux homes, the record
 * types, typed errors, and the layers that run it on the real file system. Provide any
 * other `FileSystem` and `Path` to read from elsewhere; nothing is ever written.
 */
export { collectEvents, type CollectOptions } from "./collect/collectEvents.js"
export { collectRecords, type RecordOrError } from "./collect/collectRecords.js"
export { findHomes, defaultHomeCandidates } from "./discover/findHomes.js"
export { decodeLedger, type DecodedLedger, type LedgerDecodeError } from "./decode/decodeLedger.js"
export { decodeModelEntry, isValidModelEntry } from "./decode/decodeModelEntry.js"
export { toTurnRecords, toCost, dateLedger } from "./map/toTurnRecords.js"
export { readLedger, DEFAULT_MAX_LEDGER_BYTES } from "./read/readLedger.js"
export { readConfig } from "./read/readConfig.js"
export { requireGranularity } from "./report/granularity.js"
export { SummaryBuilder, type GroupBy, type Summary, type SummaryRow, type SpendTotals } from "./report/summarize.js"
export { AgentSplitBuilder, type AgentSplit, type AgentRow } from "./report/agentSplit.js"
export { NodeCollectorLayer } from "./layers.js"
export * as NodeLedgerFileSystem from "./read/NodeLedgerFileSystem.js"
export * from "./domain/errors.js"
export type * from "./domain/TurnRecord.js"
export type * from "./domain/SessionRelationshipRecord.js"
export type * from "./domain/Outcome.js"
export type * from "./domain/Home.js"
export type * from "./domain/Workspace.js"
export type * from "./domain/WorkspaceConfig.js"
export { ModelEntry, UsageBucket, RollUpEntry, LedgerEnvelope, BUCKET_NAMES, type Ledger } from "./domain/Ledger.js"
