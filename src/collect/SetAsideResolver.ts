import type {
  CollectorEvent,
  LedgerCounted,
  LedgerOutcome,
  LedgerSetAside,
  RollUpAnomaly,
  SetAsideReason
} from "../domain/Outcome.js"
import type { RollUpEntry } from "../domain/Ledger.js"
import { totalTokens } from "../domain/TurnRecord.js"

/** A parent ledger's statement, in `rolledUpFrom`, that it contains a child's usage. */
export interface Claim {
  readonly parentWorkspaceId: string
  readonly parentLedgerPath: string
  readonly entry: RollUpEntry
}

/**
 * Decides which decoded ledgers count, so that no usage is counted twice.
 *
 * Most ledgers pass straight through. A ledger that might turn out to be counted
 * elsewhere is held back until every home has been read. That is the case when its
 * workspace id appears in more than one home, when its folder is a symbolic link, when
 * `config.json` names a parent for it, or when `config.json` does not list it, because Mux removes a rolled-up child's entry
 * and sometimes not its folder. Only those ledgers are kept in memory. At the end, each held ledger is either counted or set aside:
 * - a ledger that is the same file as a ledger already kept, reached through a link, is a
 *   copy of it. Workspace folders that are links are held. Passed ledgers are kept before
 *   held ones, and held real folders before held links, so a link loses to its target;
 * - a copy of a workspace found in several homes loses to the copy with the later last
 *   request (the larger total when neither has one);
 * - a child named in a counted ledger's `rolledUpFrom` is already inside that parent.
 * A cycle of claims or a child claimed by two parents is corrupt data: each such
 * ledger is counted once and the anomaly is reported.
 */
export class SetAsideResolver {
  private readonly held: Array<LedgerCounted> = []
  private readonly claims = new Map<string, Array<Claim>>()
  /**
   * Workspaces whose outcome was not passed straight through as counted: failed, skipped
   * or the same file as another. Only these few are kept, so a workspace was passed
   * through when a home lists it, it was not held, and it is not in this set. Keeping every
   * passed id instead would grow with the home.
   */
  private readonly notPassed = new Set<string>()
  /**
   * Per home and device, inode to the workspace id first seen with that file. The id is the
   * string listing made, so an entry costs only the map's slot.
   */
  private readonly seenFiles = new Map<string, Map<number, Map<number, string>>>()

  constructor(
    private readonly idsInSeveralHomes: ReadonlySet<string>,
    /** Whether a home's workspace folder is a symbolic link, as far as the file system reports. */
    private readonly isLinkedFolder: (home: string, workspaceId: string) => boolean,
    private readonly ledgerPathOf: (home: string, workspaceId: string) => string,
    /** Returns the first home whose `sessions/` lists a workspace id, if any does. */
    private readonly homeListing: (workspaceId: string) => string | undefined
  ) {}

  /** Takes one outcome and returns what can be emitted now. */
  admit(outcome: LedgerOutcome): Array<LedgerOutcome> {
    if (outcome._tag !== "LedgerCounted") {
      this.notPassed.add(outcome.folder.workspaceId)
      return [outcome]
    }

    const copy = this.sameFileCopy(outcome)
    if (copy !== undefined) return [copy]

    // A held ledger's file and claims are recorded only when it is decided. A folder that
    // config.json lists, read later, then wins over a link to it that sorts first.
    if (this.mightBeCountedElsewhere(outcome)) {
      this.held.push(outcome)
      return []
    }
    this.rememberFile(outcome)
    this.recordClaims(outcome)
    return [outcome]
  }

  /** Sets a ledger aside when a ledger already kept is the same file, reached through another path. */
  private sameFileCopy(outcome: LedgerCounted): LedgerSetAside | undefined {
    if (outcome.fileId === undefined) return undefined
    const keptLedgerPath = this.findSameFile(outcome.fileId)
    if (keptLedgerPath === undefined) return undefined
    this.notPassed.add(outcome.folder.workspaceId)
    return setAside(outcome, { kind: "same-file", keptLedgerPath })
  }

  private recordClaims(outcome: LedgerCounted): void {
    for (const [childId, entry] of outcome.rolledUpFrom) {
      const claims = this.claims.get(childId) ?? []
      if (!claims.some((claim) => claim.parentWorkspaceId === outcome.folder.workspaceId)) {
        claims.push({ parentWorkspaceId: outcome.folder.workspaceId, parentLedgerPath: outcome.folder.ledgerPath, entry })
      }
      this.claims.set(childId, claims)
    }
  }

  private findSameFile([device, inode]: readonly [number, number]): string | undefined {
    for (const [home, devices] of this.seenFiles) {
      const workspaceId = devices.get(device)?.get(inode)
      if (workspaceId !== undefined) return this.ledgerPathOf(home, workspaceId)
    }
    return undefined
  }

  private rememberFile(outcome: LedgerCounted): void {
    if (outcome.fileId === undefined) return
    const [device, inode] = outcome.fileId
    const { home, workspaceId } = outcome.folder
    let devices = this.seenFiles.get(home)
    if (devices === undefined) {
      devices = new Map()
      this.seenFiles.set(home, devices)
    }
    let inodes = devices.get(device)
    if (inodes === undefined) {
      inodes = new Map()
      devices.set(device, inodes)
    }
    inodes.set(inode, workspaceId)
  }

  /** Decides every held ledger once all homes have been read. */
  finish(): Array<CollectorEvent> {
    const events: Array<CollectorEvent> = []
    const winners: Array<LedgerCounted> = []
    /** Ledger path of the counted copy of each workspace found in several homes. */
    const keptCopies = new Map<string, string>()

    // Real folders first, then links, so a link is the copy whenever both lead to one file.
    const isLinked = (outcome: LedgerCounted) => this.isLinkedFolder(outcome.folder.home, outcome.folder.workspaceId)
    const heldToDecide: Array<LedgerCounted> = []
    for (const outcome of [...this.held.filter((outcome) => !isLinked(outcome)), ...this.held.filter(isLinked)]) {
      const copy = this.sameFileCopy(outcome)
      if (copy !== undefined) {
        events.push(copy)
        continue
      }
      this.rememberFile(outcome)
      this.recordClaims(outcome)
      heldToDecide.push(outcome)
    }

    for (const copies of groupById(heldToDecide).values()) {
      const [winner, ...losers] = copies.slice().sort(compareCopies)
      if (winner === undefined) continue
      winners.push(winner)
      if (losers.length > 0) keptCopies.set(winner.folder.workspaceId, winner.folder.ledgerPath)
      for (const loser of losers) {
        events.push(setAside(loser, { kind: "duplicate-workspace", keptLedgerPath: winner.folder.ledgerPath }))
      }
    }

    for (const outcome of winners) {
      const workspaceId = outcome.folder.workspaceId
      const parents = this.claimsOf(workspaceId)
      const [parent] = parents
      if (parent === undefined) {
        events.push(outcome)
      } else if (parents.length > 1) {
        events.push(outcome, this.anomaly("several-parents", outcome.folder.ledgerPath, workspaceId, parents))
      } else if (this.isInCycle(workspaceId)) {
        events.push(outcome, this.anomaly("cycle", outcome.folder.ledgerPath, workspaceId, parents))
      } else {
        events.push(setAside(outcome, {
          kind: "rolled-up",
          parentWorkspaceId: parent.parentWorkspaceId,
          // The claim may come from a set-aside copy of the parent, so name the copy that counts.
          parentLedgerPath: keptCopies.get(parent.parentWorkspaceId) ?? parent.parentLedgerPath
        }))
      }
    }

    for (const [workspaceId, claims] of this.claims) {
      const own = claims.find((claim) => claim.parentWorkspaceId === workspaceId)
      if (own !== undefined) events.push(this.anomaly("self-claim", own.parentLedgerPath, workspaceId, []))
    }

    const heldIds = new Set(this.held.map((outcome) => outcome.folder.workspaceId))
    for (const workspaceId of this.claims.keys()) {
      const parents = this.claimsOf(workspaceId)
      const home = this.homeListing(workspaceId)
      if (parents.length === 0 || home === undefined || heldIds.has(workspaceId) || this.notPassed.has(workspaceId)) {
        continue
      }
      const ledgerPath = this.ledgerPathOf(home, workspaceId)
      events.push(this.anomaly(this.anomalyKindOf(workspaceId, parents), ledgerPath, workspaceId, parents))
    }
    return events
  }

  /** Names a claim on a workspace whose ledger was already counted. */
  private anomalyKindOf(workspaceId: string, parents: ReadonlyArray<Claim>): RollUpAnomaly["kind"] {
    if (this.isInCycle(workspaceId)) return "cycle"
    if (parents.length > 1) return "several-parents"
    return "claimed-after-counting"
  }

  /** Lists every workspace named in some counted ledger's `rolledUpFrom`, with the claims on it. */
  claimedWorkspaces(): IterableIterator<[string, ReadonlyArray<Claim>]> {
    return this.claims.entries()
  }

  /** Parent claims on a workspace, from ledgers other than its own. */
  claimsOf(workspaceId: string): ReadonlyArray<Claim> {
    return (this.claims.get(workspaceId) ?? []).filter((claim) => claim.parentWorkspaceId !== workspaceId)
  }

  private mightBeCountedElsewhere(outcome: LedgerCounted): boolean {
    if (this.idsInSeveralHomes.has(outcome.folder.workspaceId)) return true
    // A link to another workspace folder must not be kept before the folder it points to.
    if (this.isLinkedFolder(outcome.folder.home, outcome.folder.workspaceId)) return true
    // The outcome carries its home's config.json entry: none when the home has no usable
    // config.json or the file does not list the workspace.
    return outcome.workspace === undefined || outcome.workspace.parentWorkspaceId !== undefined
  }

  /** True when following the claims upwards from a workspace leads back to it. */
  private isInCycle(workspaceId: string): boolean {
    const visited = new Set<string>()
    let current = workspaceId
    for (;;) {
      const [claim, ...others] = this.claimsOf(current)
      if (claim === undefined || others.length > 0) return false
      if (claim.parentWorkspaceId === workspaceId) return true
      if (visited.has(claim.parentWorkspaceId)) return false
      visited.add(claim.parentWorkspaceId)
      current = claim.parentWorkspaceId
    }
  }

  private anomaly(
    kind: RollUpAnomaly["kind"],
    ledgerPath: string,
    workspaceId: string,
    parents: ReadonlyArray<Claim>
  ): RollUpAnomaly {
    return {
      _tag: "RollUpAnomaly",
      kind,
      workspaceId,
      ledgerPath,
      parentWorkspaceIds: parents.map((claim) => claim.parentWorkspaceId)
    }
  }
}

const setAside = (outcome: LedgerCounted, reason: SetAsideReason): LedgerSetAside => ({
  _tag: "LedgerSetAside",
  folder: outcome.folder,
  workspace: outcome.workspace,
  records: outcome.records,
  invalidEntries: outcome.invalidEntries,
  rolledUpFrom: outcome.rolledUpFrom,
  reason
})

const groupById = (outcomes: ReadonlyArray<LedgerCounted>): Map<string, Array<LedgerCounted>> => {
  const groups = new Map<string, Array<LedgerCounted>>()
  for (const outcome of outcomes) {
    const group = groups.get(outcome.folder.workspaceId)
    if (group === undefined) groups.set(outcome.folder.workspaceId, [outcome])
    else group.push(outcome)
  }
  return groups
}

/** Orders copies of one workspace best first: later last request, then larger total, then the earlier home. */
const compareCopies = (a: LedgerCounted, b: LedgerCounted): number => {
  const lastA = a.lastRequestMs ?? Number.NEGATIVE_INFINITY
  const lastB = b.lastRequestMs ?? Number.NEGATIVE_INFINITY
  if (lastA !== lastB) return lastB - lastA
  return ledgerTokens(b) - ledgerTokens(a)
}

const ledgerTokens = (outcome: LedgerCounted): number =>
  outcome.records.reduce((sum, record) => sum + totalTokens(record.usage), 0)
