/**
 * Common pain medicine names a patient recognises, mapped to the registry's drug codes (analgesic.ts,
 * mme-tables.ts), with the strengths each commonly comes in. The ePRO analgesics page shows these
 * names and strengths; the site sees the code. A name or strength that is not here is never guessed:
 * the patient writes it, or says "I'm not sure", and the site places it.
 */
export interface PatientDrug {
  /** Stable key of the row (form field values). */
  key: string;
  /** What the patient reads: generic and common brand names. */
  name: string;
  /** The generic name alone, for a sentence ("Oxycodone 10 mg tablet, 3 a day"). */
  short: string;
  /** The registry's drug code. */
  drug: string;
}

export const PATIENT_DRUGS: readonly PatientDrug[] = [
  {
    key: 'acetaminophen',
    name: 'Paracetamol / acetaminophen (Tylenol)',
    short: 'Paracetamol',
    drug: 'acetaminophen',
  },
  { key: 'ibuprofen', name: 'Ibuprofen (Advil, Motrin)', short: 'Ibuprofen', drug: 'nsaid' },
  { key: 'naproxen', name: 'Naproxen (Aleve)', short: 'Naproxen', drug: 'nsaid' },
  { key: 'diclofenac', name: 'Diclofenac (Voltaren)', short: 'Diclofenac', drug: 'nsaid' },
  { key: 'celecoxib', name: 'Celecoxib (Celebrex)', short: 'Celecoxib', drug: 'nsaid' },
  { key: 'gabapentin', name: 'Gabapentin (Neurontin)', short: 'Gabapentin', drug: 'gabapentinoid' },
  { key: 'pregabalin', name: 'Pregabalin (Lyrica)', short: 'Pregabalin', drug: 'gabapentinoid' },
  { key: 'tramadol', name: 'Tramadol (Ultram)', short: 'Tramadol', drug: 'tramadol' },
  { key: 'codeine', name: 'Codeine (Tylenol with codeine)', short: 'Codeine', drug: 'codeine' },
  { key: 'hydrocodone', name: 'Hydrocodone (Norco, Vicodin)', short: 'Hydrocodone', drug: 'hydrocodone' },
  {
    key: 'oxycodone',
    name: 'Oxycodone (OxyContin, Percocet, Roxicodone)',
    short: 'Oxycodone',
    drug: 'oxycodone',
  },
  { key: 'morphine', name: 'Morphine (MS Contin)', short: 'Morphine', drug: 'morphine' },
  { key: 'hydromorphone', name: 'Hydromorphone (Dilaudid)', short: 'Hydromorphone', drug: 'hydromorphone' },
  { key: 'tapentadol', name: 'Tapentadol (Nucynta)', short: 'Tapentadol', drug: 'tapentadol' },
  {
    key: 'fentanyl_patch',
    name: 'Fentanyl patch (Duragesic)',
    short: 'Fentanyl',
    drug: 'fentanyl_transdermal',
  },
  {
    key: 'buprenorphine',
    name: 'Buprenorphine patch (Butrans)',
    short: 'Buprenorphine',
    drug: 'buprenorphine',
  },
  { key: 'methadone', name: 'Methadone', short: 'Methadone', drug: 'methadone' },
];

export function patientDrug(key: string): PatientDrug | undefined {
  return PATIENT_DRUGS.find((d) => d.key === key);
}

/** How a medicine comes: the unit and route of the analgesic form, and the word a patient knows. */
export interface PatientStrengths {
  unit: 'mg' | 'mcg_per_hr';
  route: 'oral' | 'transdermal';
  /** tablet, capsule or patch: what the patient holds. */
  form: 'tablet' | 'capsule' | 'patch';
  /** Strengths per tablet, capsule or patch, smallest first. */
  strengths: readonly number[];
}

/**
 * The common strengths of each patient drug (US labels). A patch is dosed by its release rate, so a
 * patch has no "how many a day" (its MME uses the rate itself, analgesic.ts).
 */
export const PATIENT_STRENGTHS: Readonly<Record<string, PatientStrengths>> = {
  acetaminophen: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [325, 500, 650, 1000] },
  ibuprofen: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [200, 400, 600, 800] },
  naproxen: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [220, 250, 375, 500] },
  diclofenac: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [25, 50, 75] },
  celecoxib: { unit: 'mg', route: 'oral', form: 'capsule', strengths: [100, 200] },
  gabapentin: { unit: 'mg', route: 'oral', form: 'capsule', strengths: [100, 300, 400, 600, 800] },
  pregabalin: { unit: 'mg', route: 'oral', form: 'capsule', strengths: [25, 50, 75, 150, 300] },
  tramadol: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [50, 100] },
  codeine: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [15, 30, 60] },
  hydrocodone: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [5, 7.5, 10] },
  oxycodone: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [5, 10, 15, 20, 30] },
  morphine: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [15, 30, 60, 100] },
  hydromorphone: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [2, 4, 8] },
  tapentadol: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [50, 75, 100] },
  fentanyl_patch: {
    unit: 'mcg_per_hr',
    route: 'transdermal',
    form: 'patch',
    strengths: [12, 25, 50, 75, 100],
  },
  buprenorphine: { unit: 'mcg_per_hr', route: 'transdermal', form: 'patch', strengths: [5, 7.5, 10, 15, 20] },
  methadone: { unit: 'mg', route: 'oral', form: 'tablet', strengths: [5, 10] },
};

/** "How many a day": the choices a patient has for a tablet or capsule. */
export const DOSES_PER_DAY: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** Names for a drug code several patient names share, or none of them has. */
export const GROUP_NAMES: Readonly<Record<string, string>> = {
  nsaid: 'Anti-inflammatory pain medicine',
  gabapentinoid: 'Gabapentin or pregabalin',
  oxymorphone: 'Oxymorphone',
  other_nonopioid: 'Other pain medicine',
};

/** The patient drugs of a registry drug code (one for each opioid, several for an NSAID). */
export function patientDrugsOf(drug: string): PatientDrug[] {
  return PATIENT_DRUGS.filter((d) => d.drug === drug);
}

/** The generic name of each patient drug by its key, for a sentence (`PatientDrug.short`). */
export const SHORT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  PATIENT_DRUGS.map((d) => [d.key, d.short]),
);

/**
 * A registry drug code in words a patient knows (group names and generic names, by patient drug
 * key, in the given language; English by default).
 */
export function patientDrugName(
  drug: string,
  groups: Readonly<Record<string, string>> = GROUP_NAMES,
  shorts: Readonly<Record<string, string>> = SHORT_NAMES,
): string {
  const names = patientDrugsOf(drug);
  if (names.length === 1) return shorts[names[0]!.key] ?? names[0]!.short;
  return groups[drug] ?? GROUP_NAMES[drug] ?? drug;
}

/** How a recorded medicine comes (from its unit and route): tablet, patch or nothing known. */
export function doseForm(unit: string | null, route: string | null): string {
  if (unit === 'mcg_per_hr' || route === 'transdermal') return 'patch';
  return route === 'oral' ? 'tablet' : '';
}

/**
 * The strengths a patient picks from for a registry drug code (the union of its patient drugs'
 * strengths in the unit it is taken in, and the strength already recorded), smallest first.
 */
export function strengthsOf(drug: string, unit: string | null, recorded: number | null): number[] {
  const all = new Set<number>(recorded === null ? [] : [recorded]);
  for (const d of patientDrugsOf(drug)) {
    const s = PATIENT_STRENGTHS[d.key];
    if (s && (unit === null || s.unit === unit)) for (const x of s.strengths) all.add(x);
  }
  return [...all].sort((a, b) => a - b);
}

const UNIT_WORDS: Readonly<Record<string, string>> = { mg: 'mg', mcg_per_hr: 'mcg/h' };

/** A strength with its unit as a patient reads it: "10 mg", "25 mcg/h". */
export function strengthWords(strength: number, unit: string | null): string {
  return `${strength} ${UNIT_WORDS[unit ?? ''] ?? unit ?? ''}`.trim();
}

/** The words a patient knows for what they hold, by `PatientStrengths.form` (doseForm gives tablet or patch). */
export const DOSE_FORM_WORDS: Readonly<Record<PatientStrengths['form'], string>> = {
  tablet: 'tablet',
  capsule: 'capsule',
  patch: 'patch',
};

/**
 * The wording of a medicine in a patient's words, in one language: the dose forms, the words around
 * "how many a day" and "strength not sure", the group and generic names. English here; the patient pages pass
 * the session's catalog (web/epro/messages/en.ts takes its English from here).
 */
export interface DoseWording {
  forms: Readonly<Record<string, string>>;
  perDay: (dose: string, count: string) => string;
  unsure: (name: string) => string;
  groups: Readonly<Record<string, string>>;
  /** The generic name of a patient drug by its key ("Oxycodone"). */
  shorts: Readonly<Record<string, string>>;
}

export const EN_DOSE_WORDING: DoseWording = {
  forms: DOSE_FORM_WORDS,
  perDay: (dose: string, count: string) => `${dose}, ${count} a day`,
  unsure: (name: string) => `${name} (strength not sure)`,
  groups: GROUP_NAMES,
  shorts: SHORT_NAMES,
};

/**
 * A medicine in a patient's words: "Oxycodone 10 mg tablet, 3 a day", "Fentanyl 25 mcg/h patch".
 * Parts not recorded are left out, never guessed. English unless a wording is given.
 */
export function doseWords(
  d: {
    name: string;
    strength: number | null;
    unit: string | null;
    form: string;
    perDay: number | null;
  },
  wording: DoseWording = EN_DOSE_WORDING,
): string {
  const parts = [d.name];
  if (d.strength !== null) parts.push(strengthWords(d.strength, d.unit));
  if (d.form) parts.push(wording.forms[d.form] ?? d.form);
  const what = parts.join(' ');
  return d.perDay !== null && d.form !== 'patch' ? wording.perDay(what, String(d.perDay)) : what;
}

/** A recorded medicine (registry drug code, strength, unit, route, doses a day) in a patient's words. */
export function recordedMedicineWords(
  r: {
    drug: string;
    strength: number | null;
    unit: string | null;
    route: string | null;
    dosesPerDay: number | null;
  },
  wording: DoseWording = EN_DOSE_WORDING,
): string {
  return doseWords(
    {
      name: patientDrugName(r.drug, wording.groups, wording.shorts),
      strength: r.strength,
      unit: r.unit,
      form: doseForm(r.unit, r.route),
      perDay: r.dosesPerDay,
    },
    wording,
  );
}

/**
 * A medicine a patient added (a patient drug key, its strength or "unsure", how many a day) in the
 * patient's words: "Oxycodone 10 mg tablet, 3 a day", "Paracetamol (strength not sure), 2 a day".
 */
export function addedMedicineWords(
  m: { key: string; strength: number | 'unsure'; perDay: number | null },
  wording: DoseWording = EN_DOSE_WORDING,
): string {
  const s = PATIENT_STRENGTHS[m.key];
  const name = wording.shorts[m.key] ?? patientDrug(m.key)?.short ?? m.key;
  if (m.strength === 'unsure') {
    const what = wording.unsure(name);
    return m.perDay !== null ? wording.perDay(what, String(m.perDay)) : what;
  }
  return doseWords(
    { name, strength: m.strength, unit: s?.unit ?? null, form: s?.form ?? '', perDay: m.perDay },
    wording,
  );
}
