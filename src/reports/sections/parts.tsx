// Building blocks shared by the report sections: section heading, numbered table and figure
// captions, the "Methods." paragraph, numeric cells, and inline SVG (the only unescaped HTML).
import type { Child } from 'hono/jsx';
import type { ReportMeta } from '../../analysis/study/types.js';

/** A numbered part of the report; `major` parts start on a new printed page. */
export function Section(props: { id: string; no: number; title: string; major?: boolean; children?: Child }) {
  return (
    <section id={props.id} class={props.major ? 'major' : 'minor'}>
      <h2>
        <span class="no">{props.no}</span>
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

/** A table caption in journal style: bold "Table 3.2." then the title. */
export function Caption(props: { no: string; children?: Child }) {
  return (
    <caption>
      <span class="tno">Table {props.no}.</span>
      {props.children}
    </caption>
  );
}

/** The small "Methods." paragraph printed under a table, from `report.methods[key]`; nothing when absent. */
export function Methods(props: { methods: Record<string, string>; topic: string }) {
  const text = props.methods[props.topic];
  if (!text) return null;
  return (
    <p class="methods" data-methods={props.topic}>
      <span class="lead">Methods.</span> {text}
    </p>
  );
}

/** A right-aligned numeric cell. */
export function Num(props: { children?: Child; class?: string }) {
  return <td class={props.class ? `num ${props.class}` : 'num'}>{props.children}</td>;
}

/** A figure holding a chart SVG produced by our own chart code (escaped at creation), with its caption. */
export function Figure(props: { no: string; svg: string; children?: Child }) {
  return (
    <figure>
      <div class="chart" dangerouslySetInnerHTML={{ __html: props.svg }} />
      <figcaption>
        <span class="tno">Figure {props.no}.</span>
        {props.children}
      </figcaption>
    </figure>
  );
}

/** Looks up a visit's label in protocol order; unknown codes print as themselves. */
export function visitLabeller(meta: Pick<ReportMeta, 'visits'>): (code: string) => string {
  const labels = new Map(meta.visits.map((v) => [v.code, v.label]));
  return (code) => labels.get(code) ?? code;
}

/** Sorts rows by the protocol order of their visit (unknown visits last, stable). */
export function inVisitOrder<T extends { visit: string }>(
  rows: readonly T[],
  meta: Pick<ReportMeta, 'visits'>,
): T[] {
  const order = new Map(meta.visits.map((v, i) => [v.code, i]));
  return [...rows].sort((a, b) => (order.get(a.visit) ?? 1e9) - (order.get(b.visit) ?? 1e9));
}
