import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Schema } from "effect"
import { ConfigWorkspace } from "../src/domain/WorkspaceConfig.js"
import { isValidConfigWorkspace } from "../src/read/readConfig.js"

const isConfigWorkspace = Schema.is(ConfigWorkspace)

const fieldValue = FastCheck.oneof(
  FastCheck.string(),
  FastCheck.constant(null),
  FastCheck.integer(),
  FastCheck.boolean(),
  FastCheck.constant([]),
  FastCheck.constant({})
)

/** Workspace entries close to valid: every known field, each either a string, null, absent or of another type. */
const nearlyValidWorkspace = FastCheck.record(
  {
    id: fieldValue,
    name: fieldValue,
    title: fieldValue,
    path: fieldValue,
    createdAt: fieldValue,
    archivedAt: fieldValue,
    unarchivedAt: fieldValue,
    parentWorkspaceId: fieldValue,
    agentType: fieldValue,
    runtimeConfig: FastCheck.anything()
  },
  { requiredKeys: [] }
)

describe("isValidConfigWorkspace", () => {
  it.prop("agrees with the schema on near-valid entries", [nearlyValidWorkspace], ([workspace]) => {
    expect(isValidConfigWorkspace(workspace)).toBe(isConfigWorkspace(workspace))
  }, { fastCheck: { numRuns: 2000 } })

  it.prop("agrees with the schema on any JSON value", [FastCheck.jsonValue()], ([value]) => {
    expect(isValidConfigWorkspace(value)).toBe(isConfigWorkspace(value))
  }, { fastCheck: { numRuns: 1000 } })

  it("accepts an entry Mux writes", () => {
    expect(isValidConfigWorkspace({ id: "a1b2c3d4e5", name: "fix-cart", title: null, path: "/p" })).toBe(true)
  })

  it("rejects a numeric id", () => {
    expect(isValidConfigWorkspace({ id: 12 })).toBe(false)
  })
})
