import type { SubagentLink } from "../domain/TurnRecord.js"
import type { WorkspaceInfo } from "../domain/WorkspaceConfig.js"

/** Record fields taken from `config.json`. */
export interface WorkspaceFields {
  readonly project: string
  readonly projectKey: string
  readonly workspaceName?: string
  readonly workspaceTitle?: string
  readonly subagent?: SubagentLink
}

/**
 * Builds the fields a workspace's records carry from `config.json`: the project, the
 * name and title, and burn's `subagent` block when the workspace is a sub-agent.
 */
export const workspaceFields = (workspace: WorkspaceInfo): WorkspaceFields => ({
  project: workspace.project,
  projectKey: workspace.projectKey,
  ...(workspace.name === undefined ? {} : { workspaceName: workspace.name }),
  ...(workspace.title === undefined ? {} : { workspaceTitle: workspace.title }),
  ...(workspace.parentWorkspaceId === undefined
    ? {}
    : {
      subagent: {
        isSidechain: true,
        agentId: workspace.id,
        parentAgentId: workspace.parentWorkspaceId,
        ...(workspace.agentType === undefined ? {} : { subagentType: workspace.agentType })
      }
    })
})
