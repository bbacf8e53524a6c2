import { z } from 'zod';
import { DEFAULT_PLAUSIBILITY, MME_TABLE_IDS, ODI_SECTIONS } from '../instruments/index.js';

/** Semantic Versioning 2.0.0 (semver.org), e.g. `1.0.0`, `1.1.0-rc.1`. */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Error text for a field: "x is required" when absent, else what it must be. */
const expecting = (field: string, must: string) => ({
  error: (issue: { input: unknown }) =>
    issue.input === undefined ? `${field} is required` : `${field} must be ${must}`,
});

const whole = (what: string) =>
  z.number(expecting(what, 'a whole number')).int(`${what} must be a whole number`);

const positive = (what: string) =>
  z
    .number(expecting(what, 'a number'))
    .positive(`${what} must be above 0`)
    .max(1e9, `${what} must be at most 1000000000`);

/** Limits beyond which an answer is a typing error (registry rule); absent: DEFAULT_PLAUSIBILITY. */
const PLAUSIBILITY = z
  .object(
    {
      maxMmeDay: positive('maxMmeDay'),
      maxStrength: z
        .object(
          { mg: positive('maxStrength.mg'), mcg_per_hr: positive('maxStrength.mcg_per_hr') },
          expecting('maxStrength', 'an object like {"mg": 1000, "mcg_per_hr": 400}'),
        )
        .strict(),
    },
    expecting('plausibility', 'an object {maxMmeDay, maxStrength}'),
  )
  .strict();

/** Offsets may point before the anchor (a pre-procedure visit), so they may be negative. */
const OFFSET = z
  .object(
    { days: whole('days').optional(), minutes: whole('minutes').optional() },
    expecting('offset', 'an object like {"days": 14}'),
  )
  .strict();

/** Windows reach outward from the target: never negative. */
const WINDOW_SIDE = z
  .object(
    {
      days: whole('days').nonnegative('window days must not be negative').optional(),
      minutes: whole('minutes').nonnegative('window minutes must not be negative').optional(),
    },
    expecting('window side', 'an object like {"days": 3}'),
  )
  .strict();

const VISIT = z
  .object({
    code: z
      .string(expecting('visit code', 'text'))
      .regex(/^[a-z][a-z0-9_]*$/, 'visit code must be lower-case letters, digits and _ (like week12)'),
    label: z.string(expecting('visit label', 'text')).min(1, 'visit label must not be empty'),
    anchor: z.enum(['enrolment', 'procedure'], expecting('anchor', 'enrolment or procedure')),
    offset: OFFSET,
    window: z
      .object({ before: WINDOW_SIDE, after: WINDOW_SIDE }, expecting('window', 'null or {before, after}'))
      .strict()
      .nullable(),
    instruments: z.array(
      z.string(expecting('instrument id', 'text')),
      expecting('instruments', 'a list of instrument ids'),
    ),
  })
  .strict();

/** ePRO timing when the protocol sets none: reminders at +3 and +7 days, links live 30 days at most. */
export const DEFAULT_EPRO = { reminderDays: [3, 7], linkLifetimeDays: 30 } as const;

/** Shape of a protocol file; semantic rules (unique codes, known instruments) are checked after. */
export const PROTOCOL_SCHEMA = z
  .object({
    id: z
      .string(expecting('id', 'text'))
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'id must be lower-case letters, digits and - (like sacroplasty-sif)'),
    version: z
      .string(expecting('version', 'a semver string like 1.0.0'))
      .regex(SEMVER, 'version must be semver like 1.0.0'),
    title: z.string(expecting('title', 'text')).min(1, 'title must not be empty'),
    rules: z
      .object(
        {
          odiMaxMissingSections: whole('odiMaxMissingSections')
            .min(0, 'odiMaxMissingSections must not be negative')
            .max(ODI_SECTIONS.length, `odiMaxMissingSections must be at most ${ODI_SECTIONS.length}`),
          mmeTable: z.enum(
            MME_TABLE_IDS as ['cdc-2022', 'cdc-2016'],
            expecting('mmeTable', `one of ${MME_TABLE_IDS.join(', ')}`),
          ),
          plausibility: PLAUSIBILITY.default(DEFAULT_PLAUSIBILITY),
        },
        expecting('rules', 'an object {odiMaxMissingSections, mmeTable, plausibility?}'),
      )
      .strict(),
    visits: z
      .array(VISIT, expecting('visits', 'a list of visits'))
      .min(1, 'a protocol needs at least one visit'),
    anyVisit: z.array(
      z.string(expecting('instrument id', 'text')),
      expecting('anyVisit', 'a list of instrument ids'),
    ),
    /** ePRO invitations (issue 9 §4): reminders this many days after the invitation; link lifetime. */
    epro: z
      .object(
        {
          reminderDays: z
            .array(whole('reminderDays').min(1, 'reminderDays must be at least 1'))
            .default([...DEFAULT_EPRO.reminderDays]),
          linkLifetimeDays: whole('linkLifetimeDays')
            .min(1, 'linkLifetimeDays must be at least 1')
            .default(DEFAULT_EPRO.linkLifetimeDays),
        },
        expecting('epro', 'an object {reminderDays?, linkLifetimeDays?}'),
      )
      .strict()
      .optional(),
  })
  .strict();

export type ProtocolInput = z.output<typeof PROTOCOL_SCHEMA>;
