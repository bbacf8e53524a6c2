// One subject's rows held while they are read, column by column, and given back in walk order.

/**
 * The rows of one subject as read from a file that gives each subject's rows together: kept in
 * columns (no object per row, reused from subject to subject), and given back in walk order (visit,
 * form, instance, item, then line). Rows that came in that order already, as the registry's export
 * writes them, are given back as read, without a sort.
 */
export class HeldRows {
  length = 0;
  private inOrder = true;
  readonly line: number[] = [];
  readonly site: string[] = [];
  readonly visitOrd: number[] = [];
  readonly instrOrd: number[] = [];
  readonly instance: number[] = [];
  readonly itemOrd: number[] = [];
  readonly value: string[] = [];

  push(
    line: number,
    site: string,
    visitOrd: number,
    instrOrd: number,
    instance: number,
    itemOrd: number,
    value: string,
  ): void {
    const n = this.length;
    if (n > 0 && this.inOrder && this.compareTo(n - 1, visitOrd, instrOrd, instance, itemOrd) > 0) {
      this.inOrder = false;
    }
    this.line[n] = line;
    this.site[n] = site;
    this.visitOrd[n] = visitOrd;
    this.instrOrd[n] = instrOrd;
    this.instance[n] = instance;
    this.itemOrd[n] = itemOrd;
    this.value[n] = value;
    this.length = n + 1;
  }

  /** The rows' indexes in walk order; lines are read in ascending order, so equal keys keep theirs. */
  walkOrder(): ArrayLike<number> {
    const order = Array.from({ length: this.length }, (_, i) => i);
    if (this.inOrder) return order;
    return order.sort(
      (a, b) =>
        this.compareTo(a, this.visitOrd[b]!, this.instrOrd[b]!, this.instance[b]!, this.itemOrd[b]!) ||
        this.line[a]! - this.line[b]!,
    );
  }

  /** Empties the rows (their columns are reused by the next subject). */
  clear(): void {
    this.length = 0;
    this.inOrder = true;
  }

  private compareTo(
    i: number,
    visitOrd: number,
    instrOrd: number,
    instance: number,
    itemOrd: number,
  ): number {
    return (
      this.visitOrd[i]! - visitOrd ||
      this.instrOrd[i]! - instrOrd ||
      this.instance[i]! - instance ||
      this.itemOrd[i]! - itemOrd
    );
  }
}
