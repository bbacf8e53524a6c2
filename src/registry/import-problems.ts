// The problems of an import: collected per line and column, and refused all at once.
import { type Issue, RegistryError } from '../errors.js';
import { escapeControls } from '../exchange/csv.js';
import { type Form, itemLine } from './import-form.js';
import type { ImportProblem } from './import-options.js';

/** The problems of a refused file: the first `max` by line kept, all counted. */
export class Problems {
  private list: ImportProblem[] = [];
  count = 0;
  constructor(readonly max: number) {}
  /** Forgets every problem (the file is read again from its start). */
  clear(): void {
    this.list = [];
    this.count = 0;
  }
  add(line: number, column: string, message: string): void {
    this.count++;
    this.list.push({ line, column, message: escapeControls(message) });
    if (this.list.length >= this.max * 2) this.trim();
  }
  private trim(): void {
    this.list.sort((a, b) => a.line - b.line);
    this.list.length = Math.min(this.list.length, this.max);
  }
  refusal(): RegistryError {
    this.trim();
    const issues: Issue[] = this.list.map((p) => ({
      path: [p.line, p.column],
      code: 'invalid_row',
      message: `line ${p.line}, ${p.column}: ${p.message}`,
    }));
    const more = this.count > this.list.length ? ` (the first ${this.list.length} by line are shown)` : '';
    return new RegistryError(
      'IMPORT_FAILED',
      `import refused, nothing was written: ${this.count} problem${this.count === 1 ? '' : 's'}${more}`,
      issues,
    );
  }
}

export function reportIssues(problems: Problems, form: Form, issues: readonly Issue[]): void {
  for (const issue of issues) {
    const item = String(issue.path[0] ?? '');
    const line = itemLine(form, item);
    problems.add(line ?? form.firstLine, line !== undefined ? 'value' : 'item', issue.message);
  }
}
