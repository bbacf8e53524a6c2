import { RegistryError } from '../errors.js';
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

/** Instruments that may be recorded at a visit: its own list, plus `anyVisit` after the first visit. */
export function visitInstruments(protocol: Protocol, code: string): string[] {
  const visit = getVisit(protocol, code);
  const extra =
    protocol.visits[0]?.code === code ? [] : protocol.anyVisit.filter((i) => !visit.instruments.includes(i));
  return [...visit.instruments, ...extra];
}
