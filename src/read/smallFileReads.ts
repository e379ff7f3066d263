import type { PlatformError } from "@effect/platform/Error"
import type * as FileSystem from "@effect/platform/FileSystem"
import type { Effect } from "effect"

/**
 * A small regular file read in one synchronous call, with the facts of `stat` the
 * collector needs.
 */
export interface SmallFile {
  readonly text: string
  readonly modifiedAt: Date
  readonly device: number
  readonly inode: number
}

/**
 * Reads the file at a path when it is a regular file of at most `maxBytes` bytes, and
 * returns `undefined` in every other case: missing, unreadable, not a regular file,
 * too large. The caller then reads the file again through the `FileSystem` methods,
 * whose errors name the problem.
 */
export type SmallFileReader = (path: string, maxBytes: number) => SmallFile | undefined

/**
 * Key of an optional method of a `FileSystem` service: a `SmallFileReader`.
 *
 * Reading a ledger through `stat` and `readFileString` costs two Effects, a `File.Info`
 * and a path lookup for each call, several times the cost of the read itself for a file
 * of a kilobyte. A `FileSystem` that carries this method lets the collector read a run of
 * ledgers in one synchronous loop. The Node layer of this package carries it. Any other
 * `FileSystem` is read through its ordinary methods, so it stays the one seam that tests
 * and other programs replace.
 */
export const SmallFileReads: unique symbol = Symbol.for("mux-collector/SmallFileReads")

/** One entry of a folder, and whether it is a symbolic link. */
export interface FolderEntry {
  readonly name: string
  readonly isSymbolicLink: boolean
}

/**
 * Lists a folder like `FileSystem.readDirectory`, with each entry's link status from the
 * same read of the folder.
 */
export type FolderEntryLister = (path: string) => Effect.Effect<Array<FolderEntry>, PlatformError>

/**
 * Key of an optional method of a `FileSystem` service: a `FolderEntryLister`. With it, the
 * collector can find the workspace folders that are links to other folders, and a link
 * never takes the place of the folder it points to.
 */
export const FolderEntryListing: unique symbol = Symbol.for("mux-collector/FolderEntryListing")

interface WithSmallFileReads {
  readonly [SmallFileReads]?: SmallFileReader
  readonly [FolderEntryListing]?: FolderEntryLister
}

/** Returns the `FolderEntryLister` a `FileSystem` carries, if any. */
export const folderEntryListerOf = (fs: FileSystem.FileSystem): FolderEntryLister | undefined =>
  (fs as FileSystem.FileSystem & WithSmallFileReads)[FolderEntryListing]

/** Returns the `SmallFileReader` a `FileSystem` carries, if any. */
export const smallFileReaderOf = (fs: FileSystem.FileSystem): SmallFileReader | undefined =>
  (fs as FileSystem.FileSystem & WithSmallFileReads)[SmallFileReads]

/**
 * Adds a `SmallFileReader` and a `FolderEntryLister` to a `FileSystem`, as properties that
 * are not enumerable. A
 * program that wraps the service with a spread, such as `{ ...fs, readFileString }`,
 * therefore gets a copy without the reader, and the collector reads through its methods.
 */
export const withSmallFileReads = (
  fs: FileSystem.FileSystem,
  reader: SmallFileReader,
  lister: FolderEntryLister
): FileSystem.FileSystem =>
  Object.defineProperties({ ...fs }, {
    [SmallFileReads]: { value: reader, enumerable: false },
    [FolderEntryListing]: { value: lister, enumerable: false }
  })
