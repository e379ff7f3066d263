/** The width function cli-table3 lays out columns with: terminal columns, ANSI codes left out. */
declare module "cli-table3/src/utils.js" {
  export function strlen(text: string): number
}
