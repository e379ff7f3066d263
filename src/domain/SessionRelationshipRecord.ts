/**
 * burn's session relationship record (v1): one `root` per top-level workspace and one
 * `subagent` per sub-agent workspace, with its parent as `relatedSessionId`.
 */
export interface SessionRelationshipRecord {
  readonly v: 1
  readonly source: "mux"
  readonly kind: "root" | "subagent"
  readonly sessionId: string
  /** The parent workspace id; absent for a root. */
  readonly relatedSessionId?: string
  /** The sub-agent preset (`explore`, `exec`, ...), when known. */
  readonly subagentType?: string
  /** Source of the link: the child's `config.json` entry or the parent's `rolledUpFrom`. */
  readonly evidence: "config" | "rolled-up-from"
  /** Whether the child's usage is inside the parent's ledger. */
  readonly rolledUp: boolean
}
