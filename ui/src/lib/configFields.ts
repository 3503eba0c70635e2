// The configuration fields a server's JSON Schema asks for, and the typed values a form's text
// fields make; the install form and the edit form share them.

export type Field = { name: string; type: string; description: string; required: boolean };

/** The fields of an object schema's properties, with which are required. */
export function schemaFields(schema: unknown): Field[] {
  const s = schema as Record<string, unknown> | null;
  const props = (s?.properties ?? {}) as Record<string, { type?: string; description?: string }>;
  const required = new Set((s?.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, p]) => ({
    name,
    type: p?.type ?? "string",
    description: p?.description ?? "",
    required: required.has(name),
  }));
}

/** Typed config values from the form's text fields and checkboxes; empty optional fields are left out. */
export function configValues(
  fields: Field[],
  values: Record<string, string>,
  flags: Record<string, boolean>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.type === "boolean") {
      if (flags[f.name] !== undefined) out[f.name] = flags[f.name];
      continue;
    }
    const raw = (values[f.name] ?? "").trim();
    if (raw === "") continue;
    if (f.type === "number" || f.type === "integer") out[f.name] = Number(raw);
    else if (f.type === "array") out[f.name] = raw.split(",").map((s) => s.trim()).filter(Boolean);
    else out[f.name] = raw;
  }
  return out;
}
