// The cohort's subjects by study id, found by position when forms come in the subjects' order.
import type { CohortSubject } from '../../analysis/study/cohort.js';

/**
 * The subjects by study id that also keeps them in the order they were added. The extraction's
 * forms come (mostly) in that order, so `subjectFinder` finds each by trying the next position
 * before a look-up in a table of 100,000 entries (a cache miss each on a busy machine).
 */
export class SubjectMap extends Map<string, CohortSubject> {
  // Made empty only (`new SubjectMap()`): Map's constructor calls `set` for given entries, before these exist.
  readonly ids: string[] = [];
  readonly list: CohortSubject[] = [];
  private readonly positions = new Map<string, number>();

  override set(studyId: string, subject: CohortSubject): this {
    const at = this.positions.get(studyId);
    if (at === undefined) {
      this.positions.set(studyId, this.list.length);
      this.ids.push(studyId);
      this.list.push(subject);
    } else this.list[at] = subject;
    return super.set(studyId, subject);
  }

  override delete(studyId: string): boolean {
    throw new Error(`SubjectMap keeps every subject (${studyId})`);
  }

  override clear(): void {
    throw new Error('SubjectMap keeps every subject');
  }

  /** The position of a subject (-1: none). */
  positionOf(studyId: string): number {
    return this.positions.get(studyId) ?? -1;
  }
}

/** Subjects tried past the last found before a look-up. */
const AHEAD = 8;

/**
 * A look-up of subjects by study id for one pass over forms: the subject after the last found, or
 * that one again, is tried first (a study id read as the subject's own string compares by identity).
 */
export function subjectFinder(
  subjects: Map<string, CohortSubject>,
): (studyId: string) => CohortSubject | undefined {
  if (!(subjects instanceof SubjectMap)) return (studyId) => subjects.get(studyId);
  const { ids, list } = subjects;
  let next = 0;
  return (studyId) => {
    if (next > 0 && ids[next - 1] === studyId) return list[next - 1];
    // A few subjects ahead: an instrument some subjects lack skips them.
    const end = Math.min(next + AHEAD, ids.length);
    for (let i = next; i < end; i++) {
      if (ids[i] === studyId) {
        next = i + 1;
        return list[i];
      }
    }
    const at = subjects.positionOf(studyId);
    if (at < 0) return undefined;
    next = at + 1;
    return list[at];
  };
}
