/**
 * The width the progress bar is fitted to. A terminal may report 0 columns (a serial console, a
 * pty whose size was never set, some CI log viewers) or none at all (`columns` undefined): both
 * mean "unknown", and an unknown width is taken as the classic 80.
 *
 * Pure: no I/O. Not responsible for reading the terminal's size or for noticing it change
 * (the reporter reads `columns` at each redraw).
 */

/** The width assumed when the terminal does not say. */
export const DEFAULT_TERMINAL_COLUMNS = 80;

/**
 * `columns` when it is a positive whole number of columns, else {@link DEFAULT_TERMINAL_COLUMNS}
 * (0, negative, fractional, NaN, infinite or absent).
 */
export function terminalWidth(columns: number | undefined): number {
  return typeof columns === 'number' && Number.isSafeInteger(columns) && columns > 0 ? columns : DEFAULT_TERMINAL_COLUMNS;
}
