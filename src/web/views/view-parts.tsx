import type { CellState } from '../../registry/views/index.js';

/** Words for each cell state, as the grid, the worklists and the dashboard show them. */
export const CELL_STATE_TEXT: Record<CellState, string> = {
  not_yet_due: 'Not yet due',
  due: 'Due',
  in_window: 'In window',
  overdue: 'Overdue',
  missed: 'Missed',
  ended: 'Ended',
  done: 'Done',
  done_out_of_window: 'Done out of window',
  signed: 'Signed',
  locked: 'Locked',
  open_query: 'Open query',
};

/** A cell state as a word in its colour (the word carries the meaning, the colour only repeats it). */
export function StateBadge(props: { state: CellState }) {
  return (
    <span class={`state state-${props.state.replaceAll('_', '-')}`}>{CELL_STATE_TEXT[props.state]}</span>
  );
}

/** A subject's page, a visit's page and a form's page (docs/web.md URLs). */
export const subjectHref = (studyId: string) => `/subjects/${encodeURIComponent(studyId)}`;
export const visitHref = (studyId: string, visit: string) =>
  `${subjectHref(studyId)}/visits/${encodeURIComponent(visit)}`;
export const formHref = (studyId: string, visit: string, instrument: string, instance = 1) =>
  `${visitHref(studyId, visit)}/forms/${encodeURIComponent(instrument)}/${instance}`;

/** A date or datetime as its day, or a dash. */
export const day = (d: string | null | undefined) => (d ? d.slice(0, 10) : '—');

/** A proportion as a whole percentage, or a dash. */
export const percent = (p: number | null) => (p === null ? '—' : `${Math.round(p * 100)}%`);
