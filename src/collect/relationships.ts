import type { RelationshipFound } from "../domain/Outcome.js"
import type { SessionRelationshipRecord } from "../domain/SessionRelationshipRecord.js"
import type { WorkspaceDirectory } from "../domain/WorkspaceConfig.js"
import type { SetAsideResolver } from "./SetAsideResolver.js"

/**
 * Yields one relationship per workspace known from `config.json`, plus one for each
 * rolled-up child that `config.json` no longer lists. A workspace listed in two homes
 * gets one relationship. Relationships are made as they are consumed, so a home of
 * 100,000 workspaces never keeps them all in memory at once.
 */
export function* findRelationships(
  directories: Iterable<WorkspaceDirectory>,
  resolver: SetAsideResolver
): Generator<RelationshipFound> {
  const seen = new Set<string>()
  const found = (relationship: SessionRelationshipRecord): RelationshipFound => {
    seen.add(relationship.sessionId)
    return { _tag: "RelationshipFound", relationship }
  }
  for (const directory of directories) {
    for (const workspace of directory.workspaces.values()) {
      if (seen.has(workspace.id)) continue
      const [claim] = resolver.claimsOf(workspace.id)
      const parentId = workspace.parentWorkspaceId ?? claim?.parentWorkspaceId
      const agentType = workspace.agentType ?? (claim === undefined || claim.entry === true ? undefined : claim.entry.agentType)
      yield found(
        parentId === undefined
          ? { v: 1, source: "mux", kind: "root", sessionId: workspace.id, evidence: "config", rolledUp: false }
          : {
            v: 1,
            source: "mux",
            kind: "subagent",
            sessionId: workspace.id,
            relatedSessionId: parentId,
            ...(agentType === undefined ? {} : { subagentType: agentType }),
            evidence: workspace.parentWorkspaceId === undefined ? "rolled-up-from" : "config",
            rolledUp: claim !== undefined
          }
      )
    }
  }
  for (const [childId] of resolver.claimedWorkspaces()) {
    // claimsOf leaves out a ledger's claim on itself, which names no parent.
    const [claim] = resolver.claimsOf(childId)
    if (seen.has(childId) || claim === undefined) continue
    const agentType = claim.entry === true ? undefined : claim.entry.agentType
    yield found({
      v: 1,
      source: "mux",
      kind: "subagent",
      sessionId: childId,
      relatedSessionId: claim.parentWorkspaceId,
      ...(agentType === undefined ? {} : { subagentType: agentType }),
      evidence: "rolled-up-from",
      rolledUp: true
    })
  }
}
