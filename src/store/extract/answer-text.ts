// Answers arrive as JSON text (`answers->>item`): these read that text as the cohort's typed values.

/** One row of answers: the item values as text, keyed by item. */
export type Row = Record<string, unknown>;

export const bool = (v: unknown): boolean | null => (v === 'true' ? true : v === 'false' ? false : null);
export const num = (v: unknown): number | null =>
  v === null || v === undefined || v === '' ? null : Number(v);
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
