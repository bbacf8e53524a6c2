import { ODI } from '../../../instruments/odi.js';
import { EN_DOSE_WORDING, PATIENT_DRUGS } from '../../../instruments/patient-drugs.js';
import { SATISFACTION } from '../../../instruments/satisfaction.js';

/**
 * Every text of the patient pages, in English. A site adds a language by installing a catalog of
 * the same keys (docs/epro.md, `sifreg site-text install`), or a built-in file of the same shape
 * registered in ../messages.ts. The ODI statements are not here: the registry ships section titles
 * and neutral anchors only, and a site's licensed wording replaces the anchors when installed.
 */
export const EN = {
  lang: 'en',
  appName: 'Your follow-up questionnaire',
  intro:
    'Thank you for helping us follow your recovery. Your answers are saved page by page; you can stop and come back with the same link.',
  start: 'Start',
  resume: 'Continue',
  progress: (page: number, total: number) => `Page ${page} of ${total}`,
  saveNext: 'Save and continue',
  saveLast: 'Save',
  back: 'Back to the overview',
  review:
    'All pages are saved. Send your answers to your care team when you are ready; after that they cannot be changed here.',
  submit: 'Send my answers',
  saved: 'saved',
  notSaved: 'not answered yet',
  pageTitles: {
    pain: 'Pain',
    odi: 'Daily activities',
    satisfaction: 'Your satisfaction',
    analgesic: 'Pain medicines',
    problems: 'New problems',
  } as Record<string, string>,
  painLegend:
    'How much pain do you have now, or on average over the last 24 hours? 0 is no pain, 10 is the worst pain you can imagine.',
  painLow: '0 = no pain',
  painHigh: '10 = worst pain imaginable',
  odiIntro: 'For each section, choose the one answer that describes you best today.',
  /** ODI section titles and neutral 0–5 anchors, from the instrument (not the licensed wording). */
  odiSections: Object.fromEntries(ODI.items.map((i) => [i.id, i.label])) as Record<string, string>,
  odiAnchors: Object.fromEntries(
    (ODI.items[0]?.choices ?? []).filter((c) => c.code !== 'na').map((c) => [c.code, c.label]),
  ) as Record<string, string>,
  notApplicable: 'Does not apply to me',
  /** The satisfaction questions and the overall question's choices, from the instrument. */
  satisfactionQuestions: Object.fromEntries(SATISFACTION.items.map((i) => [i.id, i.label])) as Record<
    string,
    string
  >,
  satisfactionChoices: Object.fromEntries(
    SATISFACTION.items.flatMap((i) => i.choices ?? []).map((c) => [c.code, c.label]),
  ) as Record<string, string>,
  yes: 'Yes',
  no: 'No',
  drugsLegend: 'Which of these pain medicines have you taken since your last visit? Tick all that apply.',
  drugsStopped: 'I stopped taking it on (date, optional)',
  drugsNone: 'None: I take no pain medicine',
  drugsOther: 'Other pain medicines (write the name as it is on the box; your care team will check it)',
  drugsConflict: 'You ticked "None" and a medicine. Please untick one of them.',
  medsCarriedTitle: 'Medicines from your last visit',
  medsCarriedIntro:
    'Your care team recorded these at your last visit. Tell us for each one how you take it now.',
  medsSame: 'I still take it',
  medsStopped: 'I stopped taking it',
  medsStoppedOn: 'Date I stopped (on or before today)',
  medsChanged: 'I take it differently',
  medsStrength: (form: string) => `How strong is each ${form || 'dose'}? (It is on the box or the label.)`,
  medsUnsure: "I'm not sure",
  /** A medicine in the patient's words (instruments/patient-drugs.ts): what they hold, "a day", "not sure". */
  doseForms: { ...EN_DOSE_WORDING.forms } as Record<string, string>,
  medsDosePerDay: EN_DOSE_WORDING.perDay,
  medsDoseUnsure: EN_DOSE_WORDING.unsure,
  drugGroups: { ...EN_DOSE_WORDING.groups } as Record<string, string>,
  /** A patient drug's generic name in a sentence ("Oxycodone 10 mg tablet"), by PATIENT_DRUGS key. */
  drugShortNames: { ...EN_DOSE_WORDING.shorts } as Record<string, string>,
  /** The medicines a patient picks from, by patient drug key (instruments/patient-drugs.ts PATIENT_DRUGS). */
  drugNames: Object.fromEntries(PATIENT_DRUGS.map((d) => [d.key, d.name])) as Record<string, string>,
  medsPerDay: 'How many do you take a day?',
  medsAnswerEach: 'Please choose an answer for this medicine.',
  medsStopNeeded: 'Please give the date you stopped.',
  medsStopLater: "This date is after today or after this questionnaire's visit. Please check it.",
  medsStopWrong:
    'This date does not fit what your care team recorded (for example, before you started). Please check it.',
  medsChangeNeeded: 'Please choose the strength (or "I\'m not sure") and how many a day.',
  medsNewTitle: 'New medicines',
  medsNoneAdded: 'You have not added a new medicine.',
  medsAdd: 'Add a medicine',
  medsRemove: 'Remove',
  medsWhich: 'Which pain medicine do you take?',
  medsAddThis: 'Add this medicine',
  medsNotListed:
    'Not in the list? Go back to your pain medicines and write its name in the box for other pain medicines.',
  medsBackToList: 'Back to your pain medicines',
  errorPrefix: 'Error: ',
  medsPageProblems: 'Some answers on this page need a look; each is marked below.',
  medsNoneConflict: 'You chose "None" but also a medicine you still take. Please check your answers.',
  problemsLegend: 'Have you had any new health problems since your last visit?',
  problemsDescribe: 'If yes, please describe them briefly (your care team will read this).',
  yearTitle: 'Before you start',
  yearText:
    'To make sure this link reached the right person, please give your year of birth. This is not a sign-in or a password: it only guards against a link sent to the wrong person.',
  yearLabel: 'Year of birth (4 digits)',
  yearWrong: 'That year does not match our records. Please check it and try again.',
  yearLocked:
    'This link has been locked after too many attempts. Please contact your care team for a new link.',
  continue: 'Continue',
  doneTitle: 'Thank you',
  doneText: 'Your answers have been sent to your care team. You can close this page.',
  unknownTitle: 'This link does not work',
  unknownText:
    'The link is not valid. Please check that you copied the whole link, or ask your care team for a new one.',
  limitedTitle: 'Too many attempts',
  limitedText:
    'Too many links that do not work were tried from this connection. Please wait 15 minutes and try again.',
  expiredTitle: 'This link has expired',
  expiredText:
    'The time to answer this questionnaire has passed. If you still want to answer, please contact your care team.',
  revokedTitle: 'This link is no longer valid',
  revokedText:
    'Your care team has replaced or withdrawn this link. Please use the most recent link you received, or contact your care team.',
  notYetTitle: 'Not open yet',
  notYetText: (day: string) =>
    `This questionnaire opens on ${day}. Please come back then with the same link.`,
  endedTitle: 'Your session has ended',
  endedText:
    'For your privacy the page closed after 30 minutes without activity. Open the link you received again to continue; your saved pages are kept.',
  choose: 'Please choose an answer to every question marked on this page.',
  notAnOption: (question: string) =>
    `"${question}": that answer is not one of the choices shown. Please choose one of them.`,
  textUnreadable: 'Your text contains a character that cannot be saved. Please retype it.',
  submitFailedTitle: 'Your answers could not be sent',
  submitFailedText:
    'Your saved pages are kept. Please check each page, or contact your care team, who can see what you saved.',
};

export type EproMessages = typeof EN;
