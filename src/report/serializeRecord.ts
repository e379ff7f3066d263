import type { TurnRecord } from "../domain/TurnRecord.js"
import { UNSAFE_IN_JSON } from "./escape.js"

const NEEDS_EXTRA_ESCAPE = new RegExp(UNSAFE_IN_JSON.source)

/** Makes a JSON string literal, with the same extra escapes as `toSafeJson`. */
const jsonString = (text: string): string => {
  const literal = JSON.stringify(text)
  return NEEDS_EXTRA_ESCAPE.test(literal)
    ? literal.replace(UNSAFE_IN_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : literal
}

const jsonNumber = (value: number): string => JSON.stringify(value)

/**
 * Remembers the last string literal made for one field. The records of one ledger
 * arrive together and share their session id, path, time and project, so most
 * lookups hit and skip `JSON.stringify`.
 */
class LastLiteral {
  private text: string | undefined = undefined
  private literal = ""

  of(text: string): string {
    if (text !== this.text) {
      this.text = text
      this.literal = jsonString(text)
    }
    return this.literal
  }
}

/** Literals of the small, fixed sets of values (source, time source, basis, ...). */
const fixedLiterals = new Map<string, string>()
const fixed = (text: string): string => {
  let literal = fixedLiterals.get(text)
  if (literal === undefined) {
    literal = jsonString(text)
    if (fixedLiterals.size < 64) fixedLiterals.set(text, literal)
  }
  return literal
}

const sessionIds = new LastLiteral()
const sessionPaths = new LastLiteral()
const timestamps = new LastLiteral()
const projects = new LastLiteral()
const projectKeys = new LastLiteral()
const workspaceNames = new LastLiteral()
const workspaceTitles = new LastLiteral()

/**
 * Serializes a `TurnRecord` as one line of JSON, byte for byte what `toSafeJson(record)`
 * gives for records built by `toTurnRecords` (a test checks this). `records` prints
 * hundreds of thousands of records, and writing the known fields in order is several
 * times faster than the generic `JSON.stringify`.
 */
export const serializeTurnRecord = (record: TurnRecord): string => {
  const { cost, fidelity, usage } = record
  const coverage = fidelity.coverage
  let json = `{"v":${record.v},"source":${fixed(record.source)},"sessionId":${sessionIds.of(record.sessionId)}` +
    `,"sessionPath":${sessionPaths.of(record.sessionPath)},"messageId":${jsonString(record.messageId)}` +
    `,"turnIndex":${record.turnIndex},"ts":${timestamps.of(record.ts)},"tsSource":${fixed(record.tsSource)}` +
    `,"model":${jsonString(record.model)}`
  if (record.provider !== undefined) json += `,"provider":${jsonString(record.provider)}`
  json += `,"modelKey":${jsonString(record.modelKey)}` +
    `,"usage":{"input":${usage.input},"cacheRead":${usage.cacheRead},"cacheCreate5m":${usage.cacheCreate5m}` +
    `,"cacheCreate1h":${usage.cacheCreate1h},"output":${usage.output},"reasoning":${usage.reasoning}}` +
    `,"cost":{"usd":${cost.usd === null ? "null" : jsonNumber(cost.usd)},"basis":${fixed(cost.basis)}`
  if (cost.subscriptionCovers !== undefined) json += `,"subscriptionCovers":${fixed(cost.subscriptionCovers)}`
  json += `},"toolCalls":[],"granularity":${fixed(record.granularity)}` +
    `,"fidelity":{"granularity":${fixed(fidelity.granularity)},"coverage":{"tokenKinds":${coverage.tokenKinds}` +
    `,"toolCalls":${coverage.toolCalls},"toolResults":${coverage.toolResults}` +
    `,"sessionRelationships":${coverage.sessionRelationships},"rawContent":${coverage.rawContent}}` +
    `,"class":${fixed(fidelity.class)}}`
  if (record.project !== undefined) json += `,"project":${projects.of(record.project)}`
  if (record.projectKey !== undefined) json += `,"projectKey":${projectKeys.of(record.projectKey)}`
  if (record.workspaceName !== undefined) json += `,"workspaceName":${workspaceNames.of(record.workspaceName)}`
  if (record.workspaceTitle !== undefined) json += `,"workspaceTitle":${workspaceTitles.of(record.workspaceTitle)}`
  const subagent = record.subagent
  if (subagent !== undefined) {
    json += `,"subagent":{"isSidechain":${subagent.isSidechain},"agentId":${jsonString(subagent.agentId)}` +
      `,"parentAgentId":${jsonString(subagent.parentAgentId)}`
    if (subagent.subagentType !== undefined) json += `,"subagentType":${jsonString(subagent.subagentType)}`
    json += "}"
  }
  return `${json}}`
}
