// The STROBE/CONSORT-style participant flow diagram, drawn by hand in SVG: a main column from
// screening through each follow-up visit, side boxes for those who did not continue, with reasons.
import type { FlowReport, ReportMeta } from '../../analysis/study/types.js';
import { chartDocument, finishSvg, svgEl } from './svg-kit.js';

const WIDTH = 680;
// Main column and side column centred in the 680-unit width.
const MAIN = { x: 60, w: 270 };
const SIDE = { x: 375, w: 245 };
const LINE = 14;
const PAD = 8;
const GAP = 24;
// ~6 px a character at 11 px sans-serif; wrapping is estimated, as there is no layout engine here.
const CHARS = Math.floor((SIDE.w - 2 * PAD) / 6);

/** How the flow names a way of leaving the study. */
export const STATUS_LABELS: Record<string, string> = {
  withdrawn: 'Withdrawn',
  lost_to_follow_up: 'Lost to follow-up',
  died: 'Died',
};

interface Box {
  lines: string[];
  /** Lines after the first that are indented (reasons). */
  indent?: Set<number>;
}

/** Splits text into lines of at most `width` characters at spaces. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.length ? out : [''];
}

const boxHeight = (b: Box) => b.lines.length * LINE + 2 * PAD - 2;

function drawBox(g: Element, b: Box, x: number, y: number, w: number): void {
  const doc = g.ownerDocument;
  g.appendChild(
    svgEl(doc, 'rect', {
      x,
      y,
      width: w,
      height: boxHeight(b),
      fill: 'white',
      stroke: '#333',
      'stroke-width': 0.8,
    }),
  );
  b.lines.forEach((text, i) => {
    const attrs: Record<string, string | number> = {
      x: x + PAD + (b.indent?.has(i) ? 10 : 0),
      y: y + PAD + LINE * i + 10,
    };
    if (i === 0) attrs['font-weight'] = 600;
    g.appendChild(svgEl(doc, 'text', attrs, text));
  });
}

function arrow(g: Element, x1: number, y1: number, x2: number, y2: number): void {
  const doc = g.ownerDocument;
  g.appendChild(svgEl(doc, 'line', { x1, y1, x2, y2, stroke: '#333', 'stroke-width': 0.8 }));
  const d = x1 === x2 ? `M${x2},${y2}l-3.5,-6h7z` : `M${x2},${y2}l-6,-3.5v7z`;
  g.appendChild(svgEl(doc, 'path', { d, fill: '#333' }));
}

/** The "left the study" box: each way of leaving with its n, then its reasons indented. */
function leftBox(flow: FlowReport): Box {
  const left = flow.withdrawn + flow.lost_to_follow_up + flow.died;
  const lines = [`Left the study (n = ${left})`];
  const indent = new Set<number>();
  const counts: Record<string, number> = {
    withdrawn: flow.withdrawn,
    lost_to_follow_up: flow.lost_to_follow_up,
    died: flow.died,
  };
  const statuses = [...new Set([...Object.keys(counts), ...flow.reasons.map((r) => r.status)])];
  for (const status of statuses) {
    const n = counts[status] ?? flow.reasons.filter((r) => r.status === status).reduce((a, r) => a + r.n, 0);
    lines.push(`${STATUS_LABELS[status] ?? status.replaceAll('_', ' ')}: ${n}`);
    for (const r of flow.reasons.filter((x) => x.status === status)) {
      for (const part of wrap(`${r.reason} (${r.n})`, CHARS - 2)) {
        indent.add(lines.length);
        lines.push(part);
      }
    }
  }
  return { lines, indent };
}

/** Participant flow as an accessible SVG; every count comes from `flow`, labels from the protocol visits. */
export function flowDiagramSvg(flow: FlowReport, meta: Pick<ReportMeta, 'visits'>): string {
  const doc = chartDocument();
  const label = (code: string) => meta.visits.find((v) => v.code === code)?.label ?? code;
  const main: { box: Box; side?: Box }[] = [
    { box: { lines: ['Screened', `n = ${flow.screened}`] } },
    {
      box: { lines: ['Enrolled', `n = ${flow.enrolled}`] },
      side: {
        lines: [
          `Not enrolled (n = ${flow.screened - flow.enrolled})`,
          `Not eligible: ${flow.screened - flow.eligible}`,
          `Eligible, not enrolled: ${flow.eligible - flow.enrolled}`,
        ],
      },
    },
    {
      box: { lines: ['Treated with sacroplasty', `n = ${flow.treated}`] },
      side: { lines: [`Not treated (n = ${flow.enrolled - flow.treated})`] },
    },
    ...flow.by_visit.map((v) => ({
      box: {
        lines: [
          `${label(v.visit)}: seen ${v.seen} of ${v.expected} due`,
          `missed ${v.missed} · left ${v.left_study} · not yet due ${v.not_yet_due}`,
        ],
      },
    })),
    { box: { lines: ['Follow-up status', `completed ${flow.completed} · ongoing ${flow.ongoing}`] } },
  ];
  const g = svgEl(doc, 'g', { 'font-size': 11, fill: 'currentColor' });
  let y = 4;
  let firstVisitY = 0;
  main.forEach((step, i) => {
    if (i === 3) firstVisitY = y;
    const h = boxHeight(step.box);
    drawBox(g, step.box, MAIN.x, y, MAIN.w);
    const cx = MAIN.x + MAIN.w / 2;
    if (i < main.length - 1) arrow(g, cx, y + h, cx, y + h + GAP);
    const side = main[i + 1]?.side;
    if (side) {
      // Side box hangs off the arrow to the next main box.
      const sy = y + h + GAP / 2 - 10;
      drawBox(g, side, SIDE.x, sy, SIDE.w);
      arrow(g, cx, y + h + GAP / 2, SIDE.x, y + h + GAP / 2);
    }
    y += h + GAP + (main[i + 1]?.side ? Math.max(0, boxHeight(main[i + 1]!.side!) - GAP) : 0);
  });
  const left = leftBox(flow);
  drawBox(g, left, SIDE.x, firstVisitY + 24, SIDE.w);
  g.appendChild(
    svgEl(doc, 'line', {
      x1: MAIN.x + MAIN.w,
      y1: firstVisitY + 40,
      x2: SIDE.x,
      y2: firstVisitY + 40,
      stroke: '#333',
      'stroke-width': 0.8,
      'stroke-dasharray': '3,2',
    }),
  );
  const height = Math.max(y - GAP + 4, firstVisitY + 24 + boxHeight(left) + 4);
  const svg = svgEl(doc, 'svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: WIDTH,
    height,
    'text-anchor': 'start',
  });
  svg.appendChild(g);
  const description =
    `Participant flow: ${flow.screened} screened, ${flow.eligible} eligible, ${flow.enrolled} enrolled, ${flow.treated} treated; ` +
    flow.by_visit.map((v) => `${label(v.visit)} seen ${v.seen} of ${v.expected} due`).join('; ') +
    `; ${flow.withdrawn} withdrawn, ${flow.lost_to_follow_up} lost to follow-up, ${flow.died} died.`;
  return finishSvg(svg, 'Participant flow', description);
}
