import type { Issue } from '../errors.js';
import { choices, issue, numberAnswer, orderIssues, stringAnswer } from './item-helpers.js';
import { LEAKAGE_SITES } from './procedure.js';
import type { Answers, InstrumentDef } from './types.js';

/** CLINICAL.md adverse event terms; cement extravasation is coded by site (same sites as leakage). */
export const AE_TERMS: readonly (readonly [string, string])[] = [
  ...LEAKAGE_SITES.map(
    ([site, label]) => [`cement_extravasation_${site}`, `Cement extravasation: ${label}`] as const,
  ),
  ['radiculopathy', 'Radiculopathy'],
  ['neurological_deficit', 'New neurological deficit'],
  ['pulmonary_cement_embolism', 'Pulmonary cement embolism'],
  ['infection', 'Infection'],
  ['haematoma_bleeding', 'Haematoma / bleeding'],
  ['fracture_sacral', 'New or adjacent fracture: sacral'],
  ['fracture_pelvic', 'New or adjacent fracture: pelvic'],
  ['fracture_vertebral', 'New or adjacent fracture: vertebral'],
  ['pain_flare', 'Pain flare'],
  ['sedation_event', 'Sedation event'],
  ['dvt_pe', 'Deep vein thrombosis / pulmonary embolism'],
  ['readmission', 'Readmission'],
  ['death', 'Death'],
  ['other', 'Other'],
];

function validateAdverseEvent(a: Answers): Issue[] {
  const issues = orderIssues('adverse_event', a, 'onset_date', 'resolution_date');
  if (stringAnswer(a, 'term') === 'other' && stringAnswer(a, 'term_other') === undefined) {
    issues.push(
      issue('term_other', 'required', 'adverse_event term_other is required when the term is other'),
    );
  }
  // CTCAE: grade 5 is death related to the event, so grade 5 and a fatal outcome go together.
  const grade = numberAnswer(a, 'severity_grade');
  const outcome = stringAnswer(a, 'outcome');
  if (grade === 5 && outcome !== undefined && outcome !== 'fatal') {
    issues.push(
      issue(
        'outcome',
        'inconsistent',
        `adverse_event outcome ${outcome} contradicts severity grade 5 (death)`,
      ),
    );
  }
  if (outcome === 'fatal' && grade !== undefined && grade !== 5) {
    issues.push(
      issue('outcome', 'inconsistent', `adverse_event outcome fatal requires severity grade 5, not ${grade}`),
    );
  }
  return issues;
}

/** One adverse event (repeating form), CTCAE-style grade and legacy SIR class. */
export const ADVERSE_EVENT: InstrumentDef = {
  id: 'adverse_event',
  version: '1.0.0',
  title: 'Adverse event',
  repeating: true,
  items: [
    { id: 'term', label: 'Event', type: 'choice', required: true, choices: choices(AE_TERMS) },
    { id: 'term_other', label: 'Event, if other', type: 'text' },
    // The form records complications of the procedure (its terms, "relation to the procedure"), so an
    // onset before consent or before the procedure is a typing error.
    {
      id: 'onset_date',
      label: 'Onset date',
      type: 'date',
      required: true,
      notBefore: ['consent', 'procedure'],
    },
    {
      id: 'reported_by',
      label: 'Reported by',
      type: 'choice',
      choices: choices([
        ['clinician', 'Clinician'],
        ['patient', 'Patient'],
      ]),
    },
    { id: 'serious', label: 'Serious', type: 'boolean' },
    { id: 'severity_grade', label: 'Severity grade (CTCAE 1–5)', type: 'integer', min: 1, max: 5 },
    {
      id: 'relation',
      label: 'Relation to the procedure',
      type: 'choice',
      choices: choices([
        ['unrelated', 'Unrelated'],
        ['unlikely', 'Unlikely'],
        ['possible', 'Possible'],
        ['probable', 'Probable'],
        ['definite', 'Definite'],
      ]),
    },
    { id: 'device_related', label: 'Related to the device / cement', type: 'boolean' },
    {
      id: 'action',
      label: 'Action taken',
      type: 'choice',
      choices: choices([
        ['none', 'None'],
        ['medication', 'Medication'],
        ['additional_procedure', 'Additional procedure'],
        ['surgery', 'Surgery'],
        ['hospitalisation', 'Hospitalisation'],
        ['other', 'Other'],
      ]),
    },
    {
      id: 'outcome',
      label: 'Outcome',
      type: 'choice',
      choices: choices([
        ['recovered', 'Recovered'],
        ['recovering', 'Recovering'],
        ['not_recovered', 'Not recovered'],
        ['recovered_with_sequelae', 'Recovered with sequelae'],
        ['fatal', 'Fatal'],
        ['unknown', 'Unknown'],
      ]),
    },
    { id: 'resolution_date', label: 'Resolution date', type: 'date' },
    {
      id: 'sir_class',
      label: 'SIR class (legacy)',
      type: 'choice',
      choices: choices([
        ['minor', 'Minor'],
        ['major', 'Major'],
      ]),
    },
  ],
  validate: validateAdverseEvent,
};
