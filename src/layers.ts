import * as NodePath from "@effect/platform-node/NodePath"
import { Layer } from "effect"
import * as NodeLedgerFileSystem from "./read/NodeLedgerFileSystem.js"

/** The services the collector needs, on the real Node file system. */
export const NodeCollectorLayer = Layer.mergeAll(NodeLedgerFileSystem.layer, NodePath.layer)
