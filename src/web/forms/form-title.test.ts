import { expect, test } from 'vitest';
import { getInstrument } from '../../instruments/index.js';
import { formTitle } from './form-title.js';

test.each([
  ['pain', 2, 'Pain intensity (NRS / VAS)'],
  ['adverse_event', 1, `${getInstrument('adverse_event').title} #1`],
  ['analgesic', 3, `${getInstrument('analgesic').title} #3`],
])(
  'the title of %s instance %i names the instance only where the instrument repeats',
  (id, instance, title) => {
    expect(formTitle(getInstrument(id), instance)).toBe(title);
  },
);
