import { expect } from 'vitest';
import { amendResponse, type RegistryDeps, recordResponse } from '../../src/registry/index.js';
import { careGapPatients } from '../../src/registry/views/index.js';
import { VCU_COORDINATOR } from './registry.js';

/**
 * The first untreated patient on the VCU coordinator's care-gap worklist starts a bone medication on
 * `day`: the osteoporosis care form of that visit amended, or recorded when there is none. Returns
 * the patient as the worklist listed them.
 */
export async function startBoneMedication(deps: RegistryDeps, day: string) {
  const [untreated] = await careGapPatients(deps, VCU_COORDINATOR);
  expect(untreated).toBeDefined();
  const { studyId, visit } = untreated!;
  const form = await deps.db
    .selectFrom('response')
    .select(['id', 'version', 'answers'])
    .where('study_id', '=', studyId)
    .where('visit', '=', visit)
    .where('instrument', '=', 'osteoporosis_care')
    .executeTakeFirst();
  const medication = { bone_med: 'denosumab', bone_med_start_date: day };
  if (form)
    await amendResponse(deps, VCU_COORDINATOR, {
      id: Number(form.id),
      version: form.version,
      answers: { ...(form.answers as Record<string, unknown>), ...medication },
      status: 'complete',
      reason: 'bone medication started',
    });
  else
    await recordResponse(deps, VCU_COORDINATOR, {
      studyId,
      visit,
      instrument: 'osteoporosis_care',
      answers: medication,
    });
  return untreated!;
}
