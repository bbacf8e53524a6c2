import { describe, expect, test } from 'vitest';
import { type CohortSubject, emptyCohortSubject } from '../../analysis/study/cohort.js';
import { SubjectMap, subjectFinder } from './subject-map.js';

const subject = (studyId: string) =>
  emptyCohortSubject({ studyId, site: 'VCU', status: 'active', enrolledOn: '2026-01-01', indexDate: null });

describe('subjects are found by study id, by position when forms come in their order', () => {
  const ids = ['VCU-0001', 'VCU-0002', 'VCU-0003', 'VCU-0004'];
  const map = new SubjectMap();
  for (const id of ids) map.set(id, subject(id));

  test('in order, repeated, skipping, backwards, unknown: each finds what Map.get finds', () => {
    const find = subjectFinder(map);
    const asked = [
      'VCU-0001',
      'VCU-0001',
      'VCU-0002',
      'VCU-0004',
      'VCU-0001',
      'XYZ-9',
      'VCU-0002',
      'VCU-0003',
    ];
    // Study ids read from text: equal strings, not the keys themselves.
    for (const id of asked.map((a) => a.split('').join(''))) expect(find(id)).toBe(map.get(id));
  });

  test('a subject set again replaces it in place; a plain Map is read by look-up', () => {
    const replaced = subject('VCU-0003');
    const again = new SubjectMap([]);
    for (const id of ids) again.set(id, subject(id));
    again.set('VCU-0003', replaced);
    expect(again.list[2]).toBe(replaced);
    expect(subjectFinder(again)('VCU-0003')).toBe(replaced);
    const plain = new Map<string, CohortSubject>([['VCU-0001', replaced]]);
    expect(subjectFinder(plain)('VCU-0001')).toBe(replaced);
    expect(() => again.delete('VCU-0001')).toThrow();
  });
});
