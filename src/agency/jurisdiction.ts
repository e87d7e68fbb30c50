/**
 * An agency's jurisdiction (docs/agency-api.md): the whole country, or a list of province codes,
 * the codes statements declare in the national profile's province context extension.
 */
export type Jurisdiction = { national: true } | { national: false; provinces: string[] }

/** Whether a jurisdiction covers a province. */
export function covers(jurisdiction: Jurisdiction, province: string): boolean {
  return jurisdiction.national || jurisdiction.provinces.includes(province)
}
