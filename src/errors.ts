/** Stable error codes of the registry; listed with their meaning in docs/errors.md. */
export const ERROR_CODES = {
  VALIDATION_FAILED: 422,
  PROTOCOL_INVALID: 422,
  UNKNOWN_INSTRUMENT: 422,
  UNKNOWN_VISIT: 422,
  UNKNOWN_DRUG: 422,
  SUBJECT_NOT_FOUND: 404,
  SITE_NOT_FOUND: 404,
  SITE_EXISTS: 409,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  RESPONSE_NOT_FOUND: 404,
  RESPONSE_EXISTS: 409,
  VERSION_CONFLICT: 409,
  REASON_REQUIRED: 422,
  RESPONSE_LOCKED: 409,
  INVALID_STATE: 409,
  QUERY_NOT_FOUND: 404,
  EPRO_LINK_NOT_FOUND: 404,
  QUERY_OPEN: 409,
  PASSWORD_INCORRECT: 403,
  FORBIDDEN: 403,
  REGISTRY_NOT_EMPTY: 409,
  IMPORT_FAILED: 422,
  BACKUP_INVALID: 422,
  DATA_DIR_IN_USE: 409,
  DATABASE_UNAVAILABLE: 503,
  PORT_UNAVAILABLE: 409,
  OUTPUT_UNWRITABLE: 422,
  PDF_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one input field: where it is, what kind, and a sentence for people. */
export interface Issue {
  path: (string | number)[];
  code: string;
  message: string;
}

/** The one error type of the registry: a stable code, a message safe to show, optional issues. */
export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[];

  constructor(code: ErrorCode, message: string, issues: Issue[] = []) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
    this.issues = issues;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

// C0 and C1 controls, DEL, and the bidirectional marks and overrides that can reorder a terminal line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must not be echoed.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text safe to echo on one line of a terminal or log: control characters, DEL and bidirectional
 * overrides shown as escapes (`\x1b`, `\u202e`), line breaks and tabs as `\n`, `\r`, `\t`.
 */
export function printable(text: string): string {
  return text
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(UNPRINTABLE, (c) => {
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
    });
}

/** Formats issues as one line each: `path: message`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
}
