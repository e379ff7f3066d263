/** Removes a leading byte-order mark, which Mux never writes but editors do. */
export const stripByteOrderMark = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
