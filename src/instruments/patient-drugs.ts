/**
 * Common pain medicine names a patient recognises, mapped to the registry's drug codes (analgesic.ts,
 * mme-tables.ts). The ePRO analgesics page shows these names; the site sees the code. A name that is
 * not here is never guessed: the patient writes it as free text and the site places it.
 */
export interface PatientDrug {
  /** Stable key of the row (form field values). */
  key: string;
  /** What the patient reads: generic and common brand names. */
  name: string;
  /** The registry's drug code. */
  drug: string;
}

export const PATIENT_DRUGS: readonly PatientDrug[] = [
  { key: 'acetaminophen', name: 'Paracetamol / acetaminophen (Tylenol)', drug: 'acetaminophen' },
  { key: 'ibuprofen', name: 'Ibuprofen (Advil, Motrin)', drug: 'nsaid' },
  { key: 'naproxen', name: 'Naproxen (Aleve)', drug: 'nsaid' },
  { key: 'diclofenac', name: 'Diclofenac (Voltaren)', drug: 'nsaid' },
  { key: 'celecoxib', name: 'Celecoxib (Celebrex)', drug: 'nsaid' },
  { key: 'gabapentin', name: 'Gabapentin (Neurontin)', drug: 'gabapentinoid' },
  { key: 'pregabalin', name: 'Pregabalin (Lyrica)', drug: 'gabapentinoid' },
  { key: 'tramadol', name: 'Tramadol (Ultram)', drug: 'tramadol' },
  { key: 'codeine', name: 'Codeine (Tylenol with codeine)', drug: 'codeine' },
  { key: 'hydrocodone', name: 'Hydrocodone (Norco, Vicodin)', drug: 'hydrocodone' },
  { key: 'oxycodone', name: 'Oxycodone (OxyContin, Percocet, Roxicodone)', drug: 'oxycodone' },
  { key: 'morphine', name: 'Morphine (MS Contin)', drug: 'morphine' },
  { key: 'hydromorphone', name: 'Hydromorphone (Dilaudid)', drug: 'hydromorphone' },
  { key: 'tapentadol', name: 'Tapentadol (Nucynta)', drug: 'tapentadol' },
  { key: 'fentanyl_patch', name: 'Fentanyl patch (Duragesic)', drug: 'fentanyl_transdermal' },
  { key: 'buprenorphine', name: 'Buprenorphine (Butrans, Belbuca)', drug: 'buprenorphine' },
  { key: 'methadone', name: 'Methadone', drug: 'methadone' },
];

export function patientDrug(key: string): PatientDrug | undefined {
  return PATIENT_DRUGS.find((d) => d.key === key);
}
