/** A Mux home: the folder that contains `config.json` and `sessions/`. */
export interface Home {
  /** Real path, with every symbolic link resolved. Two homes never share one. */
  readonly path: string
  /** Every path given or tried that resolved to this home, in the order they were seen. */
  readonly aliases: ReadonlyArray<string>
}
