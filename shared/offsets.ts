/**
 * An offset padded to 20 digits (a 64-bit offset has at most 19), so keys that carry offsets sort
 * in offset order: the stream's partials and dead letters, and the event source's failure records.
 *
 * @example
 * padOffset(42); // '00000000000000000042'
 */
export function padOffset(offset: number): string {
  return String(offset).padStart(20, '0');
}
