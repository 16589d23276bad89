import { z } from "zod";
import { invalid, notFound, serviceState } from "./errors";

export interface Region {
  name: string;
  primaryZone: string;
  zones: string[];
}

/** As recorded from the vendor's API: europe-1 spans eight zones, apac-1 one. */
export const DEFAULT_REGIONS: Region[] = [
  {
    name: "europe-1",
    primaryZone: "fi-hel2",
    zones: ["fi-hel1", "fi-hel2", "de-fra1", "es-mad1", "nl-ams1", "pl-waw1", "se-sto1", "dk-cph1"],
  },
  { name: "apac-1", primaryZone: "sg-sin1", zones: ["sg-sin1"] },
];

const RegionsSchema = z
  .array(
    z.object({ name: z.string().min(1), primary_zone: z.string().min(1), zones: z.array(z.object({ name: z.string().min(1) })).min(1) }),
  )
  .min(1);

const parsed = new Map<string, Region[]>();

/** Regions come from configuration (REGIONS, a JSON array in the vendor's own shape) or the default above. */
export function regions(spec: string | undefined): Region[] {
  if (!spec) return DEFAULT_REGIONS;
  let r = parsed.get(spec);
  if (!r) {
    const res = RegionsSchema.safeParse(JSON.parse(spec));
    if (!res.success) throw serviceState("REGIONS configuration is invalid");
    r = res.data.map((x) => ({ name: x.name, primaryZone: x.primary_zone, zones: x.zones.map((z) => z.name) }));
    parsed.set(spec, r);
  }
  return r;
}

/** The region the URL names: unknown is 404. */
export function getRegion(spec: string | undefined, name: string): Region {
  const r = regions(spec).find((x) => x.name === name);
  if (!r) throw notFound("Region");
  return r;
}

/** A region a request body names: unknown is a validation error on `field`. */
export function requireRegion(spec: string | undefined, name: string, field = "region"): Region {
  const r = regions(spec).find((x) => x.name === name);
  if (!r)
    throw invalid(
      field,
      `unknown region "${name}"; one of ${regions(spec)
        .map((x) => x.name)
        .join(", ")}`,
    );
  return r;
}
