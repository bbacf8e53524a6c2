// Site codes and study ids: the one definition every form, import, use case and check uses.

/** Site codes: 2–12 capital letters or digits, starting with a letter (`VCU`). */
export const SITE_CODE_PATTERN = '^[A-Z][A-Z0-9]{1,11}$';
/** Study ids: the site code, a dash and the subject's number, zero-padded to four digits (`VCU-0007`). */
export const STUDY_ID_PATTERN = '^[A-Z][A-Z0-9]{1,11}-\\d{4,}$';
/** Highest subject number: the database keeps it in a 4-byte integer (2^31 − 1). */
export const MAX_SUBJECT_NUMBER = 2_147_483_647;

const SITE_CODE = new RegExp(SITE_CODE_PATTERN);
const STUDY_ID = /^([A-Z][A-Z0-9]{1,11})-(\d{4,})$/;

/** How a site code must look, for messages. */
export const SITE_CODE_RULE = 'a site code is 2–12 capital letters or digits, starting with a letter';

/** True when `text` is a well-formed site code. */
export function isSiteCode(text: string): boolean {
  return SITE_CODE.test(text);
}

/** Study id of the n-th subject of a site, e.g. `VCU-0007`: the one canonical spelling. */
export function formatStudyId(siteId: string, seq: number): string {
  return `${siteId}-${String(seq).padStart(4, '0')}`;
}

export type ParsedStudyId =
  | { ok: true; site: string; seq: number }
  | { ok: false; code: 'invalid_study_id' | 'out_of_range' | 'not_canonical'; message: string };

/**
 * Reads a study id: its site code and number. Refuses a number outside 1 to 2^31 − 1, and any
 * spelling other than the canonical one (`BT-0040`, never `BT-00000040`), so one subject can never
 * have two study ids.
 */
export function parseStudyId(text: string): ParsedStudyId {
  const m = STUDY_ID.exec(text);
  if (!m) {
    return {
      ok: false,
      code: 'invalid_study_id',
      message: `${JSON.stringify(text)} is not a study id like VCU-0007`,
    };
  }
  const site = m[1]!;
  const seq = Number(m[2]);
  if (seq < 1 || seq > MAX_SUBJECT_NUMBER) {
    return {
      ok: false,
      code: 'out_of_range',
      message: `${text}: the number must be from 1 to ${MAX_SUBJECT_NUMBER}`,
    };
  }
  const canonical = formatStudyId(site, seq);
  if (canonical !== text) {
    return {
      ok: false,
      code: 'not_canonical',
      message: `${text} is not written as ${canonical} (at least four digits, no extra leading zeros)`,
    };
  }
  return { ok: true, site, seq };
}
