// One instrument's answers as columns: the forms' ids, study ids and visits, and one array per item,
// instead of one object per form (770,000 forms in a report: objects the collector would copy).
import type { Row } from './answer-text.js';

const NONE: readonly unknown[] = [];

/** The answers read of one instrument's forms: form i is `ids[i]`, `studyIds[i]`, `visits[i]`, `column(item)[i]`. */
export class AnswerColumns {
  readonly ids: number[] = [];
  readonly studyIds: string[] = [];
  readonly visits: string[] = [];
  /** One array per item of `items`, in that order. */
  readonly values: unknown[][];
  private readonly index: Map<string, number>;

  constructor(readonly items: readonly string[]) {
    this.values = items.map(() => []);
    this.index = new Map(items.map((item, i) => [item, i]));
  }

  /** The number of forms. */
  get size(): number {
    return this.studyIds.length;
  }

  /** The values of `item` by form; an item not read is undefined for every form. */
  column(item: string): readonly unknown[] {
    const i = this.index.get(item);
    return i === undefined ? NONE : this.values[i]!;
  }

  /** Puts the forms in the order they were saved (by id); forms already in that order stay. */
  sortById(): void {
    const ids = this.ids;
    let sorted = true;
    for (let i = 1; i < ids.length && sorted; i++) if (ids[i - 1]! > ids[i]!) sorted = false;
    if (!sorted) this.permute(orderById(ids));
  }

  /** Reorders every column: form i becomes the form at `order[i]`. */
  private permute(order: ArrayLike<number>): void {
    const reorder = <T>(column: T[]) => {
      if (column.length !== order.length) return;
      const copy = column.slice();
      for (let i = 0; i < copy.length; i++) column[i] = copy[order[i]!]!;
    };
    reorder(this.ids);
    reorder(this.studyIds);
    reorder(this.visits);
    for (const column of this.values) reorder(column);
  }
}

/**
 * The positions of `ids` in ascending order of id, equal ids in their order: a radix sort on the
 * two 16-bit halves of ids below 2^32 (a few passes over typed arrays), else a stable sort.
 */
export function orderById(ids: readonly number[]): ArrayLike<number> {
  const n = ids.length;
  if (!ids.every((id) => Number.isInteger(id) && id >= 0 && id < 2 ** 32)) {
    return Array.from(ids.keys()).sort((a, b) => ids[a]! - ids[b]!);
  }
  const byLow = new Int32Array(n);
  const order = new Int32Array(n);
  const count = new Int32Array(65_537);
  for (let i = 0; i < n; i++) count[(ids[i]! & 0xffff) + 1]!++;
  for (let k = 1; k < count.length; k++) count[k]! += count[k - 1]!;
  for (let i = 0; i < n; i++) byLow[count[ids[i]! & 0xffff]!++] = i;
  count.fill(0);
  for (let i = 0; i < n; i++) count[(ids[i]! >>> 16) + 1]!++;
  for (let k = 1; k < count.length; k++) count[k]! += count[k - 1]!;
  for (let k = 0; k < n; k++) {
    const i = byLow[k]!;
    order[count[ids[i]! >>> 16]!++] = i;
  }
  return order;
}

/** Answers as the extraction reads them (columns), or as rows keyed by item (the staff views' reads). */
export type Answers = AnswerColumns | readonly Row[];

/** The answers as columns: rows become columns of every item they carry, in their order. */
export function answerColumns(answers: Answers): AnswerColumns {
  if (answers instanceof AnswerColumns) return answers;
  const items = new Set<string>();
  for (const r of answers) for (const key of Object.keys(r)) items.add(key);
  for (const key of ['study_id', 'visit', 'id']) items.delete(key);
  const columns = new AnswerColumns([...items]);
  for (const r of answers) {
    columns.ids.push(Number(r.id ?? columns.size));
    columns.studyIds.push(String(r.study_id));
    columns.visits.push(r.visit as string);
    columns.items.forEach((item, i) => {
      columns.values[i]!.push(r[item]);
    });
  }
  return columns;
}
