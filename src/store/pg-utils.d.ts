// pg's own conversion of parameter values to the text the server reads (arrays, dates, buffers),
// the one pg applies to every query; @types/pg does not describe this file.
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): unknown };
  export default utils;
}
