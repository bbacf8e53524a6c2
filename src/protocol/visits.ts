import { RegistryError } from '../errors.js';
import { INSTRUMENTS } from '../instruments/catalog.js';
import type { InstrumentDef } from '../instruments/types.js';
import type { Protocol, Visit } from './types.js';

/** The protocol's visit codes in schedule order. */
export function visitCodes(protocol: Protocol): string[] {
  return protocol.visits.map((v) => v.code);
}

/** The visit with this code; throws UNKNOWN_VISIT naming the protocol's visits. */
export function getVisit(protocol: Protocol, code: string): Visit {
  const visit = protocol.visits.find((v) => v.code === code);
  if (!visit) {
    throw new RegistryError(
      'UNKNOWN_VISIT',
      `visit ${code} is not in protocol ${protocol.id} (visits: ${visitCodes(protocol).join(', ')})`,
    );
  }
  return visit;
}

/** Every instrument the protocol collects at some visit (or at any visit), each once. */
function protocolInstruments(protocol: Protocol): InstrumentDef[] {
  const ids = new Set([...protocol.visits.flatMap((v) => v.instruments), ...protocol.anyVisit]);
  return [...ids].flatMap((id) => INSTRUMENTS.get(id) ?? []);
}

/**
 * Instruments that may be recorded at a visit: its own list, plus `anyVisit` after the first visit,
 * plus the form that ends participation wherever the protocol collects it, since a subject may leave
 * at any visit.
 */
export function visitInstruments(protocol: Protocol, code: string): string[] {
  const visit = getVisit(protocol, code);
  const first = protocol.visits[0]?.code === code;
  const extra = [
    ...(first ? [] : protocol.anyVisit),
    ...leavingInstruments(protocol).map((d) => d.id),
  ].filter((id, i, all) => !visit.instruments.includes(id) && all.indexOf(id) === i);
  return [...visit.instruments, ...extra];
}

/** The instrument that creates a subject, collected at the protocol's first visit. */
export function subjectInstrument(protocol: Protocol): { visit: string; def: InstrumentDef } {
  const first = protocol.visits[0];
  const def = first?.instruments.map((id) => INSTRUMENTS.get(id)).find((d) => d?.createsSubject);
  if (!first || !def) {
    throw new RegistryError(
      'PROTOCOL_INVALID',
      'the protocol has no form that creates a subject at its first visit',
    );
  }
  return { visit: first.code, def };
}

/** The instruments of the protocol that end a subject's participation (end of study). */
export function leavingInstruments(protocol: Protocol): InstrumentDef[] {
  return protocolInstruments(protocol).filter((d) => d.endsParticipation);
}
