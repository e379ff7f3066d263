import type { RelationshipFound } from "../domain/Outcome.js"
import type { SessionRelationshipRecord } from "../domain/SessionRelationshipRecord.js"
import type { WorkspaceDirectory } from "../domain/WorkspaceConfig.js"
import type { SetAsideResolver } from "./SetAsideResolver.js"

/**
 * Builds one relationship per workspace known from `config.json`, plus one for each
 * rolled-up child that `config.json` no longer lists. A workspace listed in two homes
 * gets one relationship.
 */
export const findRelationships = (
  directories: Iterable<WorkspaceDirectory>,
  resolver: SetAsideResolver
): Array<RelationshipFound> => {
  const byId = new Map<string, SessionRelationshipRecord>()
  for (const directory of directories) {
    for (const workspace of directory.workspaces.values()) {
      if (byId.has(workspace.id)) continue
      const [claim] = resolver.claimsOf(workspace.id)
      const parentId = workspace.parentWorkspaceId ?? claim?.parentWorkspaceId
      const agentType = workspace.agentType ?? (claim === undefined || claim.entry === true ? undefined : claim.entry.agentType)
      byId.set(
        workspace.id,
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
    if (byId.has(childId) || claim === undefined) continue
    const agentType = claim.entry === true ? undefined : claim.entry.agentType
    byId.set(childId, {
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
  return [...byId.values()].map((relationship) => ({ _tag: "RelationshipFound", relationship }))
}
