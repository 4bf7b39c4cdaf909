const preparedNames = new Map<string, string>()
/** The name a marked statement text runs under, if it is marked. */
export const preparedName = (text: string): string | undefined => preparedNames.get(text)

/**
 * Marks a statement text to run as a named prepared statement on PostgreSQL: parsed and planned once
 * per connection instead of at every execution (pg sends Parse the first time on each connection,
 * then only Bind and Execute). For the hot statements whose planning costs more than running them,
 * like the rotation's four CTEs. Only for texts whose result columns are fixed (no `select *`): a
 * prepared statement whose tables gain a column would fail with "cached plan must not change result
 * type" until its connection is closed.
 */
export function prepareOnPostgres(text: string): void {
  if (!preparedNames.has(text)) preparedNames.set(text, `tessera_${preparedNames.size + 1}`)
}
