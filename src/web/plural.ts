/**
 * A count with its noun in the right number: `counted(1, 'participant')` is "1 participant",
 * `counted(3, 'query', 'queries')` is "3 queries". Every page that prints a count says it this way.
 */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
