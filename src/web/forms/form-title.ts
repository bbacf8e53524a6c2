/** A form's title: its instrument's title, with the instance number where the instrument repeats. */
export function formTitle(def: { title: string; repeating: boolean }, instance: number): string {
  return def.repeating ? `${def.title} #${instance}` : def.title;
}
