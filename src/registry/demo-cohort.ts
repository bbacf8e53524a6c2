import type { AnswerValue } from '../instruments/index.js';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import { formatDay, parseDay, type VisitDays, visitDays } from '../schedule/index.js';
import { normal } from './random.js';

/** The reference study's three centers (DESIGN.md); codes prefix study ids. */
export const DEMO_SITES = [
  { id: 'VCU', name: 'Virginia Commonwealth University', weight: 0.45, painScale: 'nrs' },
  { id: 'APMSS', name: 'APMSS', weight: 0.3, painScale: 'vas' },
  { id: 'OC', name: 'OrthoCarolina', weight: 0.25, painScale: 'nrs' },
] as const;

export interface DemoResponse {
  studyId: string;
  site: string;
  visit: string;
  instrument: string;
  instance: number;
  answers: Record<string, AnswerValue>;
}

interface FollowUp {
  visit: string;
  /** Probability that a subject still in the study attends (drop-out grows with time). */
  attend: number;
  /** Mean NRS pain at the visit (pooled analysis: 8.3 before, 3.6 at 24–48 h, 1.5 at 6 months, 0.9 at 12). */
  pain: number;
  odi: number;
  /** Probability that an opioid user at the previous visit still takes opioids. */
  opioidStay: number;
}

const FOLLOW_UPS: FollowUp[] = [
  { visit: 'week2', attend: 0.96, pain: 3.4, odi: 44, opioidStay: 0.8 },
  { visit: 'week4', attend: 0.95, pain: 2.9, odi: 38, opioidStay: 0.8 },
  { visit: 'week12', attend: 0.92, pain: 2.2, odi: 32, opioidStay: 0.7 },
  { visit: 'week24', attend: 0.9, pain: 1.6, odi: 28, opioidStay: 0.7 },
  { visit: 'week52', attend: 0.88, pain: 1.2, odi: 24, opioidStay: 0.65 },
];

/** Visit timing of the default protocol in days after the procedure: the schedule's, never written here. */
const TIMING = new Map<string, VisitDays>(visitDays(SACROPLASTY_SIF).map((v) => [v.code, v]));
const timingOf = (visit: string) => {
  const t = TIMING.get(visit);
  if (!t || t.day === null || t.windowStartDay === null || t.windowEndDay === null) {
    throw new RangeError(`the protocol has no follow-up visit ${visit} after the procedure`);
  }
  return { day: t.day, before: t.day - t.windowStartDay, after: t.windowEndDay - t.day };
};
/** The last day of the last visit window after the procedure (week 52: day 406). */
const LAST_WINDOW_CLOSE = Math.max(...[...TIMING.values()].map((v) => v.windowEndDay ?? 0));

const OPIOIDS = [
  { drug: 'oxycodone', strength: 5, unit: 'mg', route: 'oral', doses: [2, 3, 4], weight: 0.3 },
  { drug: 'hydrocodone', strength: 10, unit: 'mg', route: 'oral', doses: [2, 3, 4], weight: 0.25 },
  { drug: 'tramadol', strength: 50, unit: 'mg', route: 'oral', doses: [2, 3, 4], weight: 0.25 },
  { drug: 'morphine', strength: 15, unit: 'mg', route: 'oral', doses: [2, 3], weight: 0.08 },
  {
    drug: 'fentanyl_transdermal',
    strength: 25,
    unit: 'mcg_per_hr',
    route: 'transdermal',
    doses: [1],
    weight: 0.05,
  },
  { drug: 'hydromorphone', strength: 2, unit: 'mg', route: 'oral', doses: [3, 4], weight: 0.04 },
  { drug: 'buprenorphine', strength: 0.3, unit: 'mg', route: 'sublingual', doses: [2], weight: 0.03 },
] as const;

const ODI_SECTIONS = [
  's1_pain_intensity',
  's2_personal_care',
  's3_lifting',
  's4_walking',
  's5_sitting',
  's6_standing',
  's7_sleeping',
  's8_sex_life',
  's9_social_life',
  's10_travelling',
];

/** The date `days` after a YYYY-MM-DD date (UTC calendar arithmetic). */
export function addDays(date: string, days: number): string {
  return formatDay(parseDay(date, 'date') + days);
}

/** One of the options, drawn with probability proportional to its weight. */
export function pick<T extends { weight: number }>(random: () => number, options: readonly T[]): T {
  let u = random() * options.reduce((s, o) => s + o.weight, 0);
  for (const o of options) {
    u -= o.weight;
    if (u <= 0) return o;
  }
  return options[options.length - 1]!;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function painAnswers(scale: 'nrs' | 'vas', nrs: number): Record<string, AnswerValue> {
  return scale === 'nrs'
    ? { scale: 'nrs', score: Math.round(clamp(nrs, 0, 10)) }
    : { scale: 'vas', score: Math.round(clamp(nrs * 10, 0, 100)) };
}

/** ODI sections whose total lands near the target %, with the odd section left blank or marked not applicable. */
function odiAnswers(random: () => number, targetPct: number): Record<string, AnswerValue> {
  const answers: Record<string, AnswerValue> = {};
  const mean = clamp(targetPct / 20, 0, 5);
  const u = random();
  const missing = u < 0.02 ? 3 : u < 0.06 ? 1 : 0; // 2% too incomplete to score, 4% one section blank
  const skip = new Set<number>();
  while (skip.size < missing) skip.add(Math.floor(random() * 10));
  ODI_SECTIONS.forEach((section, i) => {
    if (skip.has(i)) return;
    // Sex life is often not applicable in this elderly population.
    if (i === 7 && random() < 0.35) {
      answers[section] = ['na'];
      return;
    }
    answers[section] = [String(Math.round(clamp(normal(random, mean, 0.9), 0, 5)))];
  });
  return answers;
}

interface Opioid {
  drug: string;
  strength: number;
  unit: string;
  route: string;
  doses_per_day: number;
  start_date: string;
}

/**
 * One synthetic subject with plausible values (CLINICAL.md): mostly older women, pain about 7.5–8
 * falling to 1–2 by week 52, ODI falling, opioids tapering, drop-out growing, adverse events at
 * published rates, most untreated for osteoporosis. Visits after `today` are not generated.
 */
export function demoSubject(
  random: () => number,
  studyId: string,
  site: (typeof DEMO_SITES)[number],
  consentDate: string,
  today: string,
): DemoResponse[] {
  const out: DemoResponse[] = [];
  const add = (visit: string, instrument: string, answers: Record<string, AnswerValue>, instance = 1) =>
    out.push({ studyId, site: site.id, visit, instrument, instance, answers });
  const age = Math.round(clamp(normal(random, 76.6, 8), 60, 97));
  const female = random() < 0.88;
  const indexDate = addDays(consentDate, 1 + Math.floor(random() * 14));
  add('baseline', 'enrollment', {
    study_id: studyId,
    site: site.id,
    sex: female ? 'female' : 'male',
    birth_year: Number(indexDate.slice(0, 4)) - age,
    consent_date: consentDate,
    index_date: indexDate,
  });
  const steroid = random() < 0.15;
  const priorFracture = random() < 0.35;
  const radiation = random() < 0.06;
  add('baseline', 'eligibility', {
    age60_or_osteoporosis: true,
    pain_without_trauma: random() < 0.7,
    weight_bearing_pain: random() < 0.85,
    sacral_tenderness: random() < 0.6,
    prior_fragility_fracture: priorFracture,
    pelvic_radiation: radiation,
    steroid_use: steroid,
    lumbar_imaging_unexplained: random() < 0.5,
    imaging_confirmation: random() < 0.8 ? ['mri_stir'] : ['ct'],
    symptom_duration_weeks: Math.round(clamp(normal(random, 6, 3), 1, 26)),
    etiology: radiation ? 'radiation' : steroid ? 'steroid' : 'osteoporotic',
    eligible: true,
  });
  const subjectEffect = normal(random, 0, 0.8);
  const baselinePain = clamp(normal(random, 7.8, 1.1) + subjectEffect * 0.3, 4, 10);
  add('baseline', 'pain', painAnswers(site.painScale, baselinePain));
  const baselineOdi = clamp(normal(random, 58, 14), 20, 96);
  add('baseline', 'odi', odiAnswers(random, baselineOdi));
  let opioids: Opioid[] = [];
  if (random() < 0.72) {
    const o = pick(random, OPIOIDS);
    opioids.push({
      drug: o.drug,
      strength: o.strength,
      unit: o.unit,
      route: o.route,
      doses_per_day: o.doses[Math.floor(random() * o.doses.length)]!,
      start_date: addDays(consentDate, -Math.floor(7 + random() * 60)),
    });
  }
  const writeMeds = (visit: string) => {
    opioids.forEach((o, i) => {
      add(visit, 'analgesic', { ...o }, i + 1);
    });
    if (random() < 0.6) {
      add(
        visit,
        'analgesic',
        { drug: 'acetaminophen', strength: 500, unit: 'mg', route: 'oral', doses_per_day: 3 },
        opioids.length + 1,
      );
    }
  };
  writeMeds('baseline');
  const dxaDone = random() < 0.25;
  add('baseline', 'osteoporosis_care', {
    dxa_done: dxaDone,
    bone_med_recommended: random() < 0.45,
    bone_med: 'none',
  });
  if (indexDate > today) return out;

  // Procedure (CLINICAL.md: 2–3 mL PMMA per needle, technical success 98.9%).
  const bilateral = random() < 0.65;
  const side = random() < 0.5 ? 'left' : 'right';
  const vol = () => Math.round(clamp(normal(random, 3, 0.8), 1, 6) * 10) / 10;
  const fractureGap = random() < 0.2;
  const venous = random() < 0.06;
  const foraminal = random() < 0.03;
  const leakageSites = [fractureGap && 'fracture_gap', venous && 'venous', foraminal && 'foraminal'].filter(
    (s): s is string => typeof s === 'string',
  );
  const symptomatic = foraminal && random() < 0.15;
  add('procedure', 'procedure', {
    procedure_date: indexDate,
    start_time: '09:30',
    end_time: '10:10',
    setting: random() < 0.8 ? 'outpatient' : 'inpatient',
    indication: 'osteoporotic_sif',
    denis_zone: random() < 0.9 ? ['I'] : ['I', 'II'],
    // FFP (Rommens–Hofmann): most SIFs are IIa–IIc or IVb (H-type).
    ffp_type: pick(random, [
      { t: 'IIa', weight: 0.2 },
      { t: 'IIb', weight: 0.35 },
      { t: 'IIc', weight: 0.15 },
      { t: 'IIIc', weight: 0.05 },
      { t: 'IVb', weight: 0.25 },
    ]).t,
    sides: bilateral ? 'bilateral' : side,
    guidance: random() < 0.7 ? 'fluoroscopy' : 'ct',
    approach: random() < 0.6 ? 'short_axis' : 'long_axis',
    cement_type: 'pmma',
    ...(bilateral || side === 'left' ? { cement_volume_left_ml: vol() } : {}),
    ...(bilateral || side === 'right' ? { cement_volume_right_ml: vol() } : {}),
    anaesthesia: random() < 0.7 ? 'iv_sedation' : 'local',
    leakage: leakageSites.length > 0,
    ...(leakageSites.length > 0 ? { leakage_sites: leakageSites, leakage_symptomatic: symptomatic } : {}),
    technical_success: random() < 0.989,
    same_day_discharge: random() < 0.8,
  });
  let aeCount = 0;
  const addAe = (visit: string, answers: Record<string, AnswerValue>) =>
    add(visit, 'adverse_event', answers, ++aeCount);
  if (symptomatic) {
    addAe('procedure', {
      term: 'radiculopathy',
      onset_date: indexDate,
      reported_by: 'clinician',
      serious: true,
      severity_grade: 3,
      relation: 'definite',
      outcome: 'recovered',
      sir_class: 'major',
    });
  }
  add('post30min', 'pain', painAnswers(site.painScale, baselinePain * 0.45 + normal(random, 0, 1.2)));

  let inStudy = true;
  let lastSeen = indexDate;
  for (const f of FOLLOW_UPS) {
    const timing = timingOf(f.visit);
    const target = addDays(indexDate, timing.day);
    if (target > today) break;
    if (!inStudy || random() > f.attend) {
      inStudy = false;
      break;
    }
    // Most visits fall inside the window (sd half its width), one in twenty late.
    const offset =
      random() < 0.05
        ? timing.after + 1 + Math.floor(random() * 10)
        : Math.round(normal(random, 0, (timing.before + timing.after) / 4));
    const seen = addDays(target, clamp(offset, -timing.before * 2, timing.after * 3));
    if (seen > today) break;
    lastSeen = seen;
    const pain = f.pain + subjectEffect + normal(random, 0, 1);
    add(f.visit, 'pain', painAnswers(site.painScale, pain));
    add(f.visit, 'odi', odiAnswers(random, f.odi + subjectEffect * 8 + normal(random, 0, 8)));
    opioids = opioids.filter(() => random() < f.opioidStay);
    writeMeds(f.visit);
    if (random() < 0.04) {
      addAe(f.visit, {
        term: random() < 0.5 ? 'pain_flare' : 'fracture_vertebral',
        onset_date: addDays(seen, -Math.floor(random() * 7)),
        reported_by: 'patient',
        serious: false,
        severity_grade: 2,
        relation: 'unlikely',
        outcome: 'recovered',
        sir_class: 'minor',
      });
    }
    if (f.visit === 'week12') {
      const started = random() < 0.22;
      add(f.visit, 'osteoporosis_care', {
        dxa_done: dxaDone || random() < 0.15,
        bone_med_recommended: random() < 0.5,
        bone_med: started ? (random() < 0.6 ? 'oral_bisphosphonate' : 'denosumab') : 'none',
        // Started before this review, never after it (a start date cannot be in the review's future).
        ...(started
          ? { bone_med_start_date: minDay(addDays(indexDate, 20 + Math.floor(random() * 80)), seen) }
          : {}),
        calcium_vitd_started: random() < 0.45,
        ...(random() < 0.3 ? { vitamin_d_25oh: Math.round(clamp(normal(random, 24, 9), 4, 80)) } : {}),
        falls_risk_assessed: random() < 0.4,
      });
      const referred = random() < 0.45;
      add(f.visit, 'physical_therapy', {
        pt_referred: referred,
        ...(referred && random() < 0.75 ? { pt_start_date: addDays(seen, -Math.floor(random() * 40)) } : {}),
      });
    }
    if (f.visit === 'week52') {
      const onMed = random() < 0.18;
      add(f.visit, 'osteoporosis_care', {
        dxa_done: dxaDone,
        bone_med: onMed ? 'oral_bisphosphonate' : 'none',
        ...(onMed ? { bone_med_persisting: random() < 0.75 } : {}),
      });
      add(f.visit, 'satisfaction', {
        overall: random() < 0.8 ? 'very_satisfied' : 'satisfied',
        would_repeat: random() < 0.9,
      });
      add(f.visit, 'end_of_study', { status: 'completed', date: seen });
    }
  }
  // Those who left before week 52 and whose week 52 has passed: lost, withdrawn, or died.
  if (!inStudy && addDays(indexDate, LAST_WINDOW_CLOSE) <= today) {
    const u = random();
    const status = u < 0.15 ? 'died' : u < 0.45 ? 'withdrawn' : 'lost_to_follow_up';
    const reason =
      status === 'died'
        ? 'death unrelated to the procedure'
        : status === 'withdrawn'
          ? 'patient decision'
          : 'no contact after three attempts';
    add('week52', 'end_of_study', { status, date: addDays(lastSeen, 30), reason });
  }
  return out;
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}
