import type { Issue } from '../errors.js';
import { parseStudyId, SITE_CODE_PATTERN, STUDY_ID_PATTERN } from '../protocol/identifiers.js';
import { choices, issue, loinc, numberAnswer, stringAnswer } from './item-helpers.js';
import type { Answers, InstrumentDef, ScoreResult, SubjectUpdate } from './types.js';

function validateEnrollment(a: Answers): Issue[] {
  const issues: Issue[] = [];
  const studyId = stringAnswer(a, 'study_id');
  const site = stringAnswer(a, 'site');
  const parsed = studyId === undefined ? undefined : parseStudyId(studyId);
  if (parsed && !parsed.ok)
    issues.push(issue('study_id', parsed.code, `enrollment study_id ${parsed.message}`));
  if (studyId !== undefined && site !== undefined && !studyId.startsWith(`${site}-`)) {
    issues.push(
      issue(
        'study_id',
        'wrong_site',
        `enrollment study_id ${studyId} does not start with its site code ${site}-`,
      ),
    );
  }
  // No clock here, so "not in the future" is the use case's job; birth year vs consent needs none.
  const birthYear = numberAnswer(a, 'birth_year');
  const consent = stringAnswer(a, 'consent_date');
  if (birthYear !== undefined && consent !== undefined && birthYear > Number(consent.slice(0, 4))) {
    issues.push(
      issue(
        'birth_year',
        'too_big',
        `enrollment birth_year ${birthYear} is after the consent date ${consent}`,
      ),
    );
  }
  return issues;
}

/** Age at the index date in whole years from the birth year alone, so it may be one year high. */
export function scoreEnrollment(a: Answers): ScoreResult {
  const birthYear = numberAnswer(a, 'birth_year');
  const index = stringAnswer(a, 'index_date');
  const age = birthYear === undefined || index === undefined ? null : Number(index.slice(0, 4)) - birthYear;
  return { scores: { age_at_index: age }, main: {} };
}

/** The subject is enrolled; a planned or actual index date is kept when given (never cleared here). */
function enrollmentUpdate(a: Answers): SubjectUpdate {
  const index = stringAnswer(a, 'index_date');
  return index === undefined ? { status: 'enrolled' } : { status: 'enrolled', indexDate: index };
}

/** Enrolment at baseline: creates the subject. Direct identifiers are never part of it. */
export const ENROLLMENT: InstrumentDef = {
  id: 'enrollment',
  version: '1.0.0',
  title: 'Enrolment',
  repeating: false,
  items: [
    {
      id: 'study_id',
      label: 'Study id',
      type: 'text',
      required: true,
      pattern: STUDY_ID_PATTERN,
      patternExample: 'VCU-0007',
    },
    {
      id: 'site',
      label: 'Site code',
      type: 'text',
      required: true,
      pattern: SITE_CODE_PATTERN,
      patternExample: 'VCU',
    },
    {
      id: 'sex',
      label: 'Sex',
      type: 'choice',
      code: loinc('46098-0', 'Sex'),
      choices: choices([
        ['female', 'Female'],
        ['male', 'Male'],
        ['other', 'Other'],
        ['unknown', 'Unknown'],
      ]),
    },
    {
      id: 'birth_year',
      label: 'Year of birth',
      type: 'integer',
      min: 1900,
      help: 'Not after the consent year.',
    },
    { id: 'consent_date', label: 'Date of consent', type: 'date', required: true, marks: 'consent' },
    {
      id: 'index_date',
      label: 'Index date (planned or actual procedure day)',
      type: 'date',
      allowFuture: true,
    },
  ],
  createsSubject: { studyIdItem: 'study_id', siteItem: 'site' },
  validate: validateEnrollment,
  score: scoreEnrollment,
  subjectUpdate: enrollmentUpdate,
  collectedOn: (a) => stringAnswer(a, 'consent_date') ?? null,
};
