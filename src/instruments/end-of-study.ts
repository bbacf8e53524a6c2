import type { Issue } from '../errors.js';
import { choices, issue, stringAnswer } from './item-helpers.js';
import type { Answers, InstrumentDef, SubjectUpdate } from './types.js';

function validateEndOfStudy(a: Answers): Issue[] {
  const status = stringAnswer(a, 'status');
  if (status !== undefined && status !== 'completed' && stringAnswer(a, 'reason') === undefined) {
    return [issue('reason', 'required', `end_of_study reason is required when the status is ${status}`)];
  }
  return [];
}

/** Completed ends as completed; withdrawn, lost to follow-up and died all end participation early. */
function endOfStudyUpdate(a: Answers): SubjectUpdate {
  const status = stringAnswer(a, 'status');
  if (status === undefined) return {};
  return { status: status === 'completed' ? 'completed' : 'withdrawn' };
}

/** How and when a subject's participation ended. */
export const END_OF_STUDY: InstrumentDef = {
  id: 'end_of_study',
  version: '1.0.0',
  title: 'End of study',
  repeating: false,
  items: [
    {
      id: 'status',
      label: 'Status',
      type: 'choice',
      required: true,
      choices: choices([
        ['completed', 'Completed'],
        ['withdrawn', 'Withdrawn'],
        ['lost_to_follow_up', 'Lost to follow-up'],
        ['died', 'Died'],
      ]),
    },
    { id: 'date', label: 'Date', type: 'date', required: true, notBefore: ['consent', 'procedure'] },
    { id: 'reason', label: 'Reason', type: 'text' },
  ],
  endsParticipation: true,
  validate: validateEndOfStudy,
  subjectUpdate: endOfStudyUpdate,
  collectedOn: (a) => stringAnswer(a, 'date') ?? null,
};
